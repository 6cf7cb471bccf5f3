package cli

import (
	"maps"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// A repository often keeps a catalogue of optional Components that its kustomizations
// may include. One that nothing includes and that patches objects it does not have cannot
// build on its own: `lint .` notes it and lints its own resources instead of failing the
// run, while naming the component on the command line still fails its build.
func TestUnusedComponents(t *testing.T) {
	const (
		kz   = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
		comp = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
		pod  = "apiVersion: v1\nkind: Pod\nmetadata: {name: debug}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n"
	)
	tree := map[string]string{
		"app/kustomization.yaml":              kz + "resources: [deploy.yaml]\n",
		"app/deploy.yaml":                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n",
		"components/debug/kustomization.yaml": comp + "resources: [debug-pod.yaml]\npatches:\n- path: patch.yaml\n",
		"components/debug/debug-pod.yaml":     pod,
		"components/debug/patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend}\nspec: {replicas: 2}\n",
		// A component that builds on its own is built as before.
		"components/alone/kustomization.yaml": comp + "resources: [pod.yaml]\n",
		"components/alone/pod.yaml":           strings.Replace(pod, "debug", "alone", 1),
	}
	cases := []struct {
		name      string
		extra     map[string]string
		args      []string
		code      int
		want      []string // findings, "file:line check"
		stderr    []string // substrings of stderr
		notStderr []string
	}{
		{
			name:      "repository: noted, its resource linted on its own",
			args:      []string{"."},
			code:      1,
			want:      []string{"components/alone/pod.yaml:5 host-namespaces", "components/debug/debug-pod.yaml:5 host-namespaces"},
			stderr:    []string{`kubectl-secure: note: components/debug/kustomization.yaml: not built: a Component that no kustomization here includes, and it patches objects it does not have (no resource matches strategic merge patch "Deployment.v1.apps/frontend.[noNs]"); its one resource is linted on its own`},
			notStderr: []string{"error:"},
		},
		{
			name:      "named on the command line: its build fails",
			args:      []string{"components/debug"},
			code:      2,
			stderr:    []string{"kubectl-secure: error: ", "kustomize build failed: no resource matches strategic merge patch"},
			notStderr: []string{"note:"},
		},
		{
			name:   "a broken component is still an error",
			extra:  map[string]string{"components/broken/kustomization.yaml": comp + "resources: [missing.yaml]\n"},
			args:   []string{"."},
			code:   2,
			want:   []string{"components/alone/pod.yaml:5 host-namespaces", "components/debug/debug-pod.yaml:5 host-namespaces"},
			stderr: []string{`kubectl-secure: error: components/broken/kustomization.yaml:3: "missing.yaml": no such file or directory`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := maps.Clone(tree)
			maps.Copy(files, tc.extra)
			testtree.Enter(t, files)
			out, code := run(t, "", append([]string{"lint", "-o", "json", "--enable", "host-namespaces"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			got := findingLines(t, out)
			_, stderr, _ := strings.Cut(out, "--- stderr\n")
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q", got, tc.want)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
			for _, s := range tc.notStderr {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr has %q:\n%s", s, stderr)
				}
			}
		})
	}
}
