package chart_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/chart/render"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// locChart is the chart of the location table: each way a rendered field can come to be.
var locChart = map[string]string{
	"c/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n",
	"c/values.yaml": `image: nginx:1.27
podSecurityContext:
  runAsNonRoot: true
  seccompProfile:
    type: RuntimeDefault
securityContext:
  readOnlyRootFilesystem: false
  capabilities:
    drop: [ALL]
helper:
  privileged: true
token: s3cret
ports: [8080, 9090]
sub:
  image: redis:7.2
zero:
  runAsUser: 0
debug: false
`,
	"c/templates/_helpers.tpl": `{{- define "c.helperContainer" -}}
- name: helper
  image: busybox:1.36
  securityContext:
    privileged: {{ .Values.helper.privileged }}
{{- end }}
`,
	"c/templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  annotations:
    token: {{ .Values.token | b64enc }}
spec:
  template:
    spec:
      hostNetwork: true
      {{- if .Values.debug }}
      hostIPC: true
      {{- end }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: app
          image: {{ .Values.image }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          ports:
          {{- range .Values.ports }}
            - containerPort: {{ . }}
              protocol: TCP
          {{- end }}
        - name: side
          image: "{{ .Values.image }}"
          securityContext:
            {{- toYaml .Values.zero | nindent 12 }}
        {{- include "c.helperContainer" . | nindent 8 }}
`,
	"c/charts/sub/Chart.yaml":  "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
	"c/charts/sub/values.yaml": "image: redis:7\ntag: \"7\"\nuser: 999\n",
	"c/charts/sub/templates/sts.yaml": `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: sub
spec:
  template:
    spec:
      containers:
        - name: redis
          image: {{ .Values.image }}
          env:
            - name: TAG
              value: {{ .Values.tag | quote }}
          securityContext:
            runAsUser: {{ .Values.user }}
`,
	"prod.yaml":  "image: nginx:1.27-prod\n",
	"prod2.yaml": "image: nginx:1.28\nsecurityContext:\n  capabilities:\n    drop: [NET_RAW]\n",
}

// TestLocations is the table of location cases (package doc): each field of the rendered
// objects is placed in the values file that set it (by Helm's precedence) or at the
// template line that wrote it.
func TestLocations(t *testing.T) {
	root := testtree.Write(t, locChart)
	in := func(p string) string { return filepath.Join(root, p) }
	tests := []struct {
		name string
		opts chart.Options
		kind string
		path string
		want string
	}{
		{name: "values direct", kind: "Deployment", path: "spec.template.spec.containers[name=app].image", want: "c/values.yaml:1:8"},
		{name: "values direct, quoted", kind: "Deployment", path: "spec.template.spec.containers[name=side].image", want: "c/values.yaml:1:8"},
		{name: "toYaml subtree leaf", kind: "Deployment", path: "spec.template.spec.securityContext.runAsNonRoot", want: "c/values.yaml:3:17"},
		{name: "toYaml subtree, false leaf beside marked ones", kind: "Deployment", path: "spec.template.spec.containers[name=app].securityContext.readOnlyRootFilesystem", want: "c/values.yaml:7:27"},
		{name: "toYaml subtree, missing field", kind: "Deployment", path: "spec.template.spec.containers[name=app].securityContext.allowPrivilegeEscalation", want: "c/values.yaml:6:1"},
		{name: "toYaml subtree, list item", kind: "Deployment", path: "spec.template.spec.containers[name=app].securityContext.capabilities.drop[0]", want: "c/values.yaml:9:12"},
		{name: "a 0 alone in a subtree", kind: "Deployment", path: "spec.template.spec.containers[name=side].securityContext.runAsUser", want: "c/values.yaml:17:14"},
		{name: "literal text of a named template", kind: "Deployment", path: "spec.template.spec.containers[name=helper].image", want: "c/templates/_helpers.tpl:3:10"},
		{name: "named template value", kind: "Deployment", path: "spec.template.spec.containers[name=helper].securityContext.privileged", want: "c/values.yaml:11:15"},
		{name: "literal template line", kind: "Deployment", path: "spec.template.spec.hostNetwork", want: "c/templates/deploy.yaml:10:20"},
		{name: "missing field, literal parent", kind: "Deployment", path: "spec.template.spec.automountServiceAccountToken", want: "c/templates/deploy.yaml:10:7"},
		{name: "range over values", kind: "Deployment", path: "spec.template.spec.containers[name=app].ports[1].containerPort", want: "c/values.yaml:13:15"},
		{name: "range, literal line repeated", kind: "Deployment", path: "spec.template.spec.containers[name=app].ports[1].protocol", want: "c/templates/deploy.yaml:24:25"},
		{name: "value through b64enc: the template line", kind: "Deployment", path: "metadata.annotations.token", want: "c/templates/deploy.yaml:6:12"},
		{name: "subchart's own values", kind: "StatefulSet", path: "spec.template.spec.containers[name=redis].env[0].value", want: "c/charts/sub/values.yaml:2:6"},
		{name: "subchart number", kind: "StatefulSet", path: "spec.template.spec.containers[name=redis].securityContext.runAsUser", want: "c/charts/sub/values.yaml:3:7"},
		{name: "parent's values for a subchart", kind: "StatefulSet", path: "spec.template.spec.containers[name=redis].image", want: "c/values.yaml:15:10"},
		{name: "--values wins over values.yaml", opts: chart.Options{ValuesFiles: []string{in("prod.yaml")}}, kind: "Deployment", path: "spec.template.spec.containers[name=app].image", want: "prod.yaml:1:8"},
		{name: "the later --values wins", opts: chart.Options{ValuesFiles: []string{in("prod.yaml"), in("prod2.yaml")}}, kind: "Deployment", path: "spec.template.spec.containers[name=app].image", want: "prod2.yaml:1:8"},
		{name: "--values replaces a list", opts: chart.Options{ValuesFiles: []string{in("prod2.yaml")}}, kind: "Deployment", path: "spec.template.spec.containers[name=app].securityContext.capabilities.drop[0]", want: "prod2.yaml:4:12"},
		{name: "--set wins over --values", opts: chart.Options{ValuesFiles: []string{in("prod.yaml")}, Set: []string{"token=x", "image=nginx:latest"}}, kind: "Deployment", path: "spec.template.spec.containers[name=app].image", want: "--set:2:1"},
		{name: "--set-string", opts: chart.Options{SetString: []string{"sub.image=redis:8"}}, kind: "StatefulSet", path: "spec.template.spec.containers[name=redis].image", want: "--set-string:1:1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs, errs := chart.Load(chart.Request{Chart: in("c"), Options: tc.opts}, "", manifest.DefaultLimits)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			obj := find(t, objs, tc.kind)
			pos := obj.Locate(parsePath(tc.path))
			file := pos.File
			if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(file, "--") {
				file = filepath.ToSlash(rel)
			}
			if got := fmt.Sprintf("%s:%d:%d", file, pos.Line, pos.Column); got != tc.want {
				t.Errorf("%s at %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}

func find(t *testing.T, objs []*manifest.Object, kind string) *manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Ref.Kind == kind {
			return o
		}
	}
	t.Fatalf("no %s rendered", kind)
	return nil
}

// parsePath reads the paths of the table: keys, [name=value] selectors and [index].
func parsePath(s string) fieldpath.Path {
	var p fieldpath.Path
	for _, part := range strings.Split(s, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			p = append(p, fieldpath.Key(key))
		}
		for rest != "" {
			inner, after, _ := strings.Cut(rest, "]")
			if k, v, ok := strings.Cut(inner, "="); ok {
				p = append(p, fieldpath.Select(k, v))
			} else {
				n, _ := strconv.Atoi(inner)
				p = append(p, fieldpath.Index(n))
			}
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return p
}
