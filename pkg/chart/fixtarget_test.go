package chart_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// TestValuesTargets is the table of fix targets: the values leaf a change of a rendered
// field translates to, or none (the fix then stays advice or goes to the template).
func TestValuesTargets(t *testing.T) {
	root := testtree.Write(t, locChart)
	in := func(p string) string { return filepath.Join(root, p) }
	tests := []struct {
		name string
		opts chart.Options
		kind string
		path string
		want string // "file path written", or "" for no target
	}{
		{name: "values direct", kind: "Deployment", path: "spec.template.spec.containers[name=app].image", want: "c/values.yaml [image] true"},
		{name: "values direct, quoted in the template", kind: "Deployment", path: "spec.template.spec.containers[name=side].image", want: "c/values.yaml [image] true"},
		{name: "toYaml leaf", kind: "Deployment", path: "spec.template.spec.securityContext.runAsNonRoot", want: "c/values.yaml [podSecurityContext runAsNonRoot] true"},
		{name: "toYaml false leaf", kind: "Deployment", path: "spec.template.spec.containers[name=app].securityContext.readOnlyRootFilesystem", want: "c/values.yaml [securityContext readOnlyRootFilesystem] true"},
		{name: "missing field under a toYaml block", kind: "Deployment", path: "spec.template.spec.containers[name=app].securityContext.allowPrivilegeEscalation", want: "c/values.yaml [securityContext allowPrivilegeEscalation] false"},
		{name: "missing nested field under a toYaml block", kind: "Deployment", path: "spec.template.spec.securityContext.seLinuxOptions.level", want: "c/values.yaml [podSecurityContext seLinuxOptions level] false"},
		{name: "named template value", kind: "Deployment", path: "spec.template.spec.containers[name=helper].securityContext.privileged", want: "c/values.yaml [helper privileged] true"},
		{name: "subchart's own values", kind: "StatefulSet", path: "spec.template.spec.containers[name=redis].securityContext.runAsUser", want: "c/charts/sub/values.yaml [user] true"},
		{name: "parent's values for a subchart", kind: "StatefulSet", path: "spec.template.spec.containers[name=redis].image", want: "c/values.yaml [sub image] true"},
		{name: "the later --values file", opts: chart.Options{ValuesFiles: []string{in("prod.yaml"), in("prod2.yaml")}}, kind: "Deployment", path: "spec.template.spec.containers[name=app].image", want: "prod2.yaml [image] true"},
		{name: "literal template line", kind: "Deployment", path: "spec.template.spec.hostNetwork"},
		{name: "missing field, literal parent", kind: "Deployment", path: "spec.template.spec.automountServiceAccountToken"},
		{name: "value through b64enc", kind: "Deployment", path: "metadata.annotations.token"},
		{name: "--set has no file", opts: chart.Options{Set: []string{"image=nginx:latest"}}, kind: "Deployment", path: "spec.template.spec.containers[name=app].image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs, errs := chart.Load(chart.Request{Chart: in("c"), Options: tc.opts}, "", manifest.DefaultLimits)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			obj := find(t, objs, tc.kind)
			got := ""
			if vt, ok := chart.ValuesTargetOf(obj, parsePath(tc.path)); ok {
				rel, _ := filepath.Rel(root, vt.File)
				got = fmt.Sprintf("%s %v %v", filepath.ToSlash(rel), vt.Path, vt.Written)
			}
			if got != tc.want {
				t.Errorf("%s: target %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

// TestRenderWithValuesData: a render reads the values texts of Request.ValuesData instead
// of the files (the chart's values.yaml and a --values file that does not exist yet).
func TestRenderWithValuesData(t *testing.T) {
	root := testtree.Write(t, locChart)
	in := func(p string) string { return filepath.Join(root, p) }
	req := chart.Request{Chart: in("c"), Options: chart.Options{ValuesFiles: []string{in("new.yaml")}},
		ValuesData: map[string][]byte{in("c/values.yaml"): []byte(strings.Replace(locChart["c/values.yaml"], "image: nginx:1.27", "image: a:1", 1)), in("new.yaml"): []byte("token: t\n")}}
	objs, errs := chart.Load(req, "", manifest.DefaultLimits)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	obj := find(t, objs, "Deployment")
	vt, ok := chart.ValuesTargetOf(obj, parsePath("spec.template.spec.containers[name=app].image"))
	if !ok || vt.File != in("c/values.yaml") {
		t.Errorf("image target %+v %v", vt, ok)
	}
	if got := lookupStr(obj, "spec.template.spec.containers[name=app].image"); got != "a:1" {
		t.Errorf("image %q, want the in-memory values' a:1", got)
	}
}

func lookupStr(obj *manifest.Object, p string) string {
	if n := fieldpath.Lookup(obj.Root, parsePath(p)); n != nil {
		return n.Value
	}
	return ""
}
