package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/gitrev"
)

// TestAffectedUnits: a plain file is affected through its directory, a Kustomize build
// through the files its tree reads, and a unit kept whole in a directory (the kind a Helm
// chart input will be) by any change below it.
func TestAffectedUnits(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	for _, d := range []string{"apps", "other", "charts/web/templates", "charts/api"} {
		if err := os.MkdirAll(abs(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ch := newChangeSet(root, []gitrev.Change{
		{Old: "apps/a.yaml", New: "apps/a.yaml"},
		{Old: "base/deploy.yaml", New: "base/deploy.yaml"},
		{Old: "charts/web/templates/x.yaml", New: ""},
	})
	const chart discover.Kind = 99 // a kind the pipeline does not name
	inputs := []discover.Input{
		{Kind: discover.File, Path: abs("apps/b.yaml")},
		{Kind: discover.File, Path: abs("other/c.yaml")},
		{Kind: discover.Kustomize, Path: abs("overlays/prod"), Reads: []string{abs("overlays/prod/kustomization.yaml"), abs("base/deploy.yaml")}},
		{Kind: discover.Kustomize, Path: abs("overlays/dev"), Reads: []string{abs("overlays/dev/kustomization.yaml")}},
		{Kind: chart, Path: abs("charts/web")},
		{Kind: chart, Path: abs("charts/api")},
	}
	var got []string
	for _, in := range ch.affected(inputs) {
		rel, _ := filepath.Rel(root, in.Path)
		got = append(got, filepath.ToSlash(rel))
	}
	if want := []string{"apps/b.yaml", "overlays/prod", "charts/web"}; !slices.Equal(got, want) {
		t.Errorf("affected %v, want %v", got, want)
	}
}
