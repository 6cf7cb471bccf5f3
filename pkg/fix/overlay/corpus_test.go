package overlay

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all" // the checks whose fixes the corpus test applies
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/internal/fixtest"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// TestCorpusOverlayFixes applies every fix (safe and unsafe) to each real-world
// kustomization of the corpus, in a copy of its repository, with the overlay writer
// deciding where each goes. Every fix must be applied or refused with a reason (never an
// internal error), the result must build, nothing outside the kustomization's directory
// may change when its base lies outside it, and a second run must change nothing.
func TestCorpusOverlayFixes(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test")
	}
	corpus := checktest.CorpusDir(t)
	list, err := os.Open(filepath.Join(corpus, "KUSTOMIZE_DIRS.txt"))
	if err != nil {
		testenv.Skip(t, "corpus has no kustomization list: %v", err)
	}
	defer list.Close()
	var dirs []string
	sc := bufio.NewScanner(list)
	for sc.Scan() {
		if d := strings.TrimSpace(sc.Text()); d != "" && !strings.HasPrefix(d, "#") {
			dirs = append(dirs, d)
		}
	}
	var total, applied, refused, objects, built int
	start := time.Now()
	for _, d := range dirs {
		// A copy of the repository the kustomization belongs to (kustomize/<repo>/...):
		// fixing one kustomization must not see another's edits.
		parts := strings.SplitN(filepath.ToSlash(d), "/", 3)
		if len(parts) < 2 {
			continue
		}
		repo := filepath.Join(parts[0], parts[1])
		root := t.TempDir()
		if err := fixtest.CopyTree(filepath.Join(corpus, repo), filepath.Join(root, repo)); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, d)
		began := time.Now()
		before := readTree(t, root)
		objs, err := kustomize.Build(dir, nil)
		if err != nil {
			t.Logf("%s: does not build, skipped: %v", d, err)
			continue
		}
		built++
		objects += len(objs)
		findings := lint.RunChecks(check.All(), objs, nil)
		ws := fix.NewWorkspace(nil)
		res := fix.Apply(ws, findings, fix.Options{Unsafe: true, Overlay: NewKustomizeWriter(FixToAuto)})
		for _, o := range res.Outcomes {
			total++
			switch {
			case o.Err != nil && strings.Contains(o.Err.Error(), "internal error"):
				t.Errorf("%s: %s:%d %s: %v", d, o.Finding.File, o.Finding.Line, o.Finding.Check, o.Err)
			case o.Err != nil || o.Skipped != "":
				refused++
				if testing.Verbose() {
					t.Logf("%s: not applied: %s %s: %v%s", d, o.Finding.Object, o.Finding.Check, o.Err, o.Skipped)
				}
			default:
				applied++
			}
		}
		for _, err := range fix.WriteFiles(ws.Changed()) {
			t.Errorf("%s: %v", d, err)
		}
		after := readTree(t, root)
		for name := range after {
			if after[name] != before[name] && !within(dir, filepath.Join(root, name)) {
				t.Errorf("%s: changed %s, outside the kustomization's directory", d, name)
			}
		}

		objs, err = kustomize.Build(dir, nil)
		if err != nil {
			t.Errorf("%s: no longer builds: %v", d, err)
			continue
		}
		again := fix.Apply(fix.NewWorkspace(nil), lint.RunChecks(check.All(), objs, nil), fix.Options{Unsafe: true, Overlay: NewKustomizeWriter(FixToAuto)})
		for _, o := range again.Outcomes {
			if o.Err == nil && o.Skipped == "" && o.Changes > 0 {
				t.Errorf("%s: second run: %s %s made %d changes", d, o.Finding.Object, o.Finding.Check, o.Changes)
			}
		}
		if testing.Verbose() {
			t.Logf("%s: %v", d, time.Since(began).Round(time.Millisecond))
		}
	}
	t.Logf("%d kustomizations, %d objects: %d fixes, %d applied, %d refused, in %v",
		len(dirs), objects, total, applied, refused, time.Since(start).Round(time.Millisecond))
	// Lower bounds, a little under what the corpus gives today (30 kustomizations, 298
	// fixes applied): fewer means overlays stopped being fixed, not that they got better.
	if built < 30 || applied < 280 {
		t.Errorf("fixed %d kustomizations with %d fixes applied; want at least 30 and 280", built, applied)
	}
}
