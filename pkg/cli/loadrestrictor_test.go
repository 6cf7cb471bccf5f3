package cli

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// --load-restrictor rootOnly (the default) refuses an overlay that reads a file outside its
// directory, as kustomize does; none builds it and lints what it reads.
func TestLoadRestrictorFlag(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"overlay/kustomization.yaml": "resources:\n  - ../base/pod.yaml\n",
		"base/pod.yaml":              "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: c, image: nginx:1.27}]\n",
	})
	t.Chdir(root)
	for _, tc := range []struct {
		args []string
		code int
		want []string
	}{
		{args: nil, code: 2, want: []string{"overlay/kustomization.yaml:2", "is not in or below"}},
		{args: []string{"--load-restrictor", "rootOnly"}, code: 2, want: []string{"is not in or below"}},
		{args: []string{"--load-restrictor", "LoadRestrictionsRootOnly"}, code: 2, want: []string{"is not in or below"}},
		{args: []string{"--load-restrictor", "none"}, code: 1, want: []string{"base/pod.yaml:5", "host-namespaces"}},
		{args: []string{"--load-restrictor", "LoadRestrictionsNone"}, code: 1, want: []string{"base/pod.yaml:5"}},
		{args: []string{"--load-restrictor", "all"}, code: 2, want: []string{"--load-restrictor must be rootOnly or none"}},
	} {
		args := append([]string{"lint", "-k", "overlay", "--enable", "host-namespaces"}, tc.args...)
		out, code := run(t, "", args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, tc.code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q\n%s", tc.args, w, out)
			}
		}
	}
}
