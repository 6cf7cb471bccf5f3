package cli

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// TestNoFastPathSameReport: KUBECTL_SECURE_NO_FASTPATH=1, the triage switch that has
// yaml.v3 alone read every file, changes no report (plain files, bad inputs, an overlay).
func TestNoFastPathSameReport(t *testing.T) {
	for _, args := range [][]string{
		{"lint", "testdata/example", "-o", "json"},
		{"lint", "-f", "testdata/inputs", "-o", "json"},
		{"lint", "-k", "testdata/example/overlays/prod", "-o", "json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			want, wantCode := run(t, "", args...)
			t.Setenv("KUBECTL_SECURE_NO_FASTPATH", "1")
			got, gotCode := run(t, "", args...)
			if got != want || gotCode != wantCode {
				t.Errorf("the report changed with KUBECTL_SECURE_NO_FASTPATH=1:\n%s\nwithout it:\n%s", got, want)
			}
		})
	}
}

// TestNoFastPathReachesTheParser: the switch is read and passed down to the parser. The
// fast path never reads a CRD's spec, so a duplicate key there shows only when yaml.v3
// reads the file whole.
func TestNoFastPathReachesTheParser(t *testing.T) {
	const crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n  group: a\n  group: b\n"
	root := testtree.Write(t, map[string]string{"crd.yaml": crd})
	const dup = `crd.yaml:7: duplicate key "group" (first at line 6)`
	if out, code := run(t, "", "lint", root); code != 0 || strings.Contains(out, dup) {
		t.Fatalf("with the fast path: exit %d, want 0 and no error\n%s", code, out)
	}
	t.Setenv("KUBECTL_SECURE_NO_FASTPATH", "1")
	if out, code := run(t, "", "lint", root); code != 2 || !strings.Contains(out, dup) {
		t.Errorf("with KUBECTL_SECURE_NO_FASTPATH=1: exit %d, want 2 and %q\n%s", code, dup, out)
	}
}
