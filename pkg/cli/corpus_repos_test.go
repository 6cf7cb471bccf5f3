package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// TestCorpusRepos lints each whole repository of the corpus as a user would (`lint .`
// inside it) and holds that the run does not crash, that no place is reported twice by one
// check (a base built by several overlays is one finding, finding.Merge), and that every input
// error (exit 2) is one a reviewer has read: testdata/golden/corpus-repos-errors.golden
// lists them with their reasons; -update rewrites it.
func TestCorpusRepos(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lints the whole repositories of the corpus")
	}
	corpus := testenv.CorpusDir(t)
	golden := filepath.Join(testenv.RepoRoot(t), "testdata", "golden", "corpus-repos-errors.golden")
	repos, _ := filepath.Glob(filepath.Join(corpus, "repos", "*"))
	sort.Strings(repos)
	if len(repos) == 0 {
		t.Fatal("no repositories in the corpus")
	}
	var b strings.Builder
	for _, r := range repos {
		name := filepath.Base(r)
		t.Run(name, func(t *testing.T) {
			t.Chdir(r)
			out, errOut, code := runRaw("", "lint", "-o", "json", ".")
			var rep struct {
				Findings []struct {
					Check, File, Path string
					Line, Column      int
				}
				Errors []struct {
					File    string
					Line    int
					Message string
				}
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("exit %d, no JSON report: %v\n%s", code, err, errOut)
			}
			if code == 2 && len(rep.Errors) == 0 || code != 2 && len(rep.Errors) > 0 {
				t.Errorf("exit %d with %d input errors", code, len(rep.Errors))
			}
			seen := map[string]bool{}
			for _, f := range rep.Findings {
				key := fmt.Sprintf("%s %s:%d:%d", f.Check, f.File, f.Line, f.Column)
				if f.Line > 0 && seen[key+" "+f.Path] {
					t.Errorf("reported twice: %s %s", key, f.Path)
				}
				seen[key+" "+f.Path] = true
			}
			fmt.Fprintf(&b, "== repos/%s: exit %d, %d errors\n", name, code, len(rep.Errors))
			for _, e := range rep.Errors {
				fmt.Fprintf(&b, "%s:%d: %s\n", e.File, e.Line, e.Message)
			}
		})
	}
	testenv.Golden(t, golden, []byte(b.String()), *update)
}
