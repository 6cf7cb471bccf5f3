package cli

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// copyDir copies a tree (regular files and directories; links are skipped), writable.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkCounts lints dir and counts, per check, the findings and the distinct places
// (file, line, column) they are reported at: a fix that moves a shared base's finding
// into one patch per overlay raises the second even when the first stays.
func checkCounts(t *testing.T, dir string) (findings, places map[string]int) {
	t.Helper()
	out, errOut, code := runRaw("", "lint", dir, "-o", "json")
	if code != ExitFindings && code != ExitError && code != 0 {
		t.Fatalf("lint %s: exit %d\n%s", dir, code, errOut)
	}
	var doc struct {
		Findings []struct {
			Check, File  string
			Line, Column int
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("lint %s: %v", dir, err)
	}
	findings, places = map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, f := range doc.Findings {
		findings[f.Check]++
		k := fmt.Sprintf("%s %s:%d:%d", f.Check, f.File, f.Line, f.Column)
		if !seen[k] {
			seen[k] = true
			places[f.Check]++
		}
	}
	return findings, places
}

var fixedLine = regexp.MustCompile(`fixed (\d+) findings? \((\d+) changes?\)`)

// TestCorpusFixOnlyLowersCounts runs `lint . --fix` and then `--fix --unsafe-fixes` on a
// copy of each repository of ../shared/corpus/repos and lints again: per check, neither
// the findings nor the places they are reported at may rise. It logs the counts before
// and after and how many fixes were applied.
func TestCorpusFixOnlyLowersCounts(t *testing.T) {
	repos := corpusRepos(t)
	if repos == "" || testing.Short() {
		t.Skip("corpus repositories not found, or -short")
	}
	entries, err := os.ReadDir(repos)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, mode := range [][]string{{"--fix"}, {"--fix", "--unsafe-fixes"}} {
			name := e.Name() + strings.ReplaceAll(strings.Join(mode, ""), "--", "_")
			t.Run(name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), e.Name())
				copyDir(t, filepath.Join(repos, e.Name()), dir)
				beforeN, beforeP := checkCounts(t, dir)
				_, errOut, code := runRaw("", append([]string{"lint", dir, "-o", "json"}, mode...)...)
				if code != ExitFindings && code != ExitError && code != 0 {
					t.Fatalf("fix: exit %d\n%s", code, errOut)
				}
				fixed := fixedLine.FindStringSubmatch(errOut)
				if fixed == nil {
					t.Fatalf("fix: no summary\n%s", errOut)
				}
				afterN, afterP := checkCounts(t, dir)
				var ids []string
				for id := range beforeN {
					ids = append(ids, id)
				}
				for id := range afterN {
					if _, ok := beforeN[id]; !ok {
						ids = append(ids, id)
					}
				}
				sort.Strings(ids)
				var b strings.Builder
				for _, id := range ids {
					fmt.Fprintf(&b, "  %-36s %4d -> %4d   places %4d -> %4d\n", id, beforeN[id], afterN[id], beforeP[id], afterP[id])
					if afterN[id] > beforeN[id] || afterP[id] > beforeP[id] {
						t.Errorf("%s rose after %v: %d -> %d findings, %d -> %d places", id, mode, beforeN[id], afterN[id], beforeP[id], afterP[id])
					}
				}
				t.Logf("%s %v: %s findings fixed (%s changes)\n%s", e.Name(), mode, fixed[1], fixed[2], b.String())
			})
		}
	}
}
