package cli

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// --repo lints named files (pre-commit's staged files) as part of the repository: a file a
// Kustomize tree uses is linted through the builds that use it, and only findings in the
// named files are reported.
func TestRepoContext(t *testing.T) {
	tree := map[string]string{
		"base/kustomization.yaml": "resources: [deploy.yaml]\n",
		"base/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers: [{name: app, image: "app:1.0"}]
`,
		"overlays/debug/kustomization.yaml": "resources: [../../base]\npatches: [{path: patch.yaml}]\nimages: [{name: app, newTag: latest}]\n",
		"overlays/debug/patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers: [{name: app}]\n",
		"plain/pod.yaml":                    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  securityContext: {runAsNonRoot: true}\n  containers: [{name: c, image: x:1.0}]\n",
		"broken/kustomization.yaml":         "resources: [missing.yaml]\n",
		"unparsable/kustomization.yaml":     "resources: [a.yaml\n",
		"plain/other.yaml":                  "apiVersion: v1\nkind: Pod\nmetadata: {name: o}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n",
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		want   []string // "file:line check"
		stderr string
	}{
		{
			name: "a patch is linted through its overlay, at its own line",
			args: []string{"--repo", ".", "overlays/debug/patch.yaml"},
			code: 1,
			want: []string{"overlays/debug/patch.yaml:7 host-namespaces"},
		},
		{
			name: "without --repo the same patch reads as an object of its own",
			args: []string{"overlays/debug/patch.yaml"},
			code: 1,
			want: []string{"overlays/debug/patch.yaml:7 run-as-non-root", "overlays/debug/patch.yaml:7 host-namespaces"},
		},
		{
			name: "a base file: what the overlay's patch and kustomization cause is not in it",
			args: []string{"--repo", ".", "base/deploy.yaml"},
			code: 0,
		},
		{
			name: "a kustomization: the entries in it",
			args: []string{"--repo", ".", "overlays/debug/kustomization.yaml"},
			code: 1,
			want: []string{"overlays/debug/kustomization.yaml:3 image-latest-tag"},
		},
		{
			name: "plain files stay plain, and only the named ones are linted",
			args: []string{"--repo", ".", "plain/pod.yaml", "overlays/debug/patch.yaml"},
			code: 1,
			want: []string{"overlays/debug/patch.yaml:7 host-namespaces", "plain/pod.yaml:5 host-namespaces"},
		},
		{
			name:   "a kustomization that cannot be read is reported, not linted as a manifest",
			args:   []string{"--repo", ".", "broken/kustomization.yaml"},
			code:   2,
			stderr: `kubectl-secure: error: broken/kustomization.yaml:1: "missing.yaml": no such file or directory`,
		},
		{
			name:   "a kustomization that does not parse is reported, not linted as a manifest",
			args:   []string{"--repo", ".", "unparsable/kustomization.yaml"},
			code:   2,
			stderr: "kubectl-secure: error: unparsable/kustomization.yaml:",
		},
		{
			name:   "not a directory",
			args:   []string{"--repo", "plain/pod.yaml", "plain/pod.yaml"},
			code:   2,
			stderr: "--repo plain/pod.yaml: not a directory",
		},
		{
			name:   "not with -k",
			args:   []string{"--repo", ".", "-k", "overlays/debug"},
			code:   2,
			stderr: "--repo can't be used together with -k/--kustomize",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, tree)
			out, code := run(t, "", append([]string{"lint", "-o", "json", "--enable", "host-namespaces,run-as-non-root,image-latest-tag"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, out)
			}
			if _, stderr, _ := strings.Cut(out, "--- stderr\n"); !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if code == 2 {
				return
			}
			if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
			}
		})
	}
}
