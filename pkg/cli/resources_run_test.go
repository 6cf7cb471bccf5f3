package cli

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// A LimitRange covers the containers it meets the way NetworkPolicies do: across files of
// one directory, across a run for objects that name the namespace, through an overlay that
// sets the namespace; and the findings of a base go where its container is written.
func TestResourcesAcrossFilesAndOverlays(t *testing.T) {
	deploy := func(ns string) string {
		nsLine := ""
		if ns != "" {
			nsLine = "\n  namespace: " + ns
		}
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a" + nsLine +
			"\nspec:\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata:\n      labels: {app: a}\n" +
			"    spec:\n      containers:\n      - name: c\n        image: x\n        resources:\n          requests: {cpu: 10m, memory: 64Mi}\n"
	}
	limits := func(ns string) string {
		nsLine := ""
		if ns != "" {
			nsLine = "\n  namespace: " + ns
		}
		return "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: lr" + nsLine +
			"\nspec:\n  limits:\n  - type: Container\n    default: {memory: 256Mi}\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		args  []string
		want  []string
	}{
		{name: "LimitRange in another file of the directory", files: map[string]string{"app.yaml": deploy(""), "limits.yaml": limits("")}, args: []string{"."}},
		{name: "LimitRange in another directory's implicit namespace does not meet",
			files: map[string]string{"app/app.yaml": deploy(""), "other/limits.yaml": limits("")}, args: []string{"-R", "."},
			want: []string{"app/app.yaml:15 memory-limit-missing"}},
		{name: "named namespaces meet across directories",
			files: map[string]string{"app/app.yaml": deploy("shop"), "platform/limits.yaml": limits("shop")}, args: []string{"-R", "."}},
		{name: "an overlay sets the namespace and brings the LimitRange",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy(""),
				"overlay/kustomization.yaml": "namespace: shop\nresources: [../base, limits.yaml]\n",
				"overlay/limits.yaml":        limits(""),
			}, args: []string{"-k", "overlay"}},
		{name: "an overlay without one: reported in the base",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy(""),
				"overlay/kustomization.yaml": "namespace: shop\nresources: [../base]\n",
			}, args: []string{"-k", "overlay"},
			want: []string{"base/app.yaml:15 memory-limit-missing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, tc.files)
			out, _ := run(t, "", append([]string{"lint", "-o", "json", "--enable", "resources"}, tc.args...)...)
			if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
			}
		})
	}
}
