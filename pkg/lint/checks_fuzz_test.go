package lint_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"

	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all"
)

// slowLint is far beyond what linting a fuzz input should cost even on a loaded machine;
// a slower input is a way for a manifest to stall CI.
const slowLint = 5 * time.Second

// FuzzChecks runs every registered check over whatever parses. No check may panic (a panic
// in a check's goroutine kills the whole run), and every finding must be one a reporter can
// place: a known check, a valid severity, a message, and a position inside the file.
func FuzzChecks(f *testing.F) {
	for _, seed := range checkSeeds(f) {
		f.Add(seed)
	}
	checks := check.All()
	if len(checks) == 0 {
		f.Fatal("no checks registered")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		res := manifest.Parse(file, data, manifest.DefaultLimits)
		if len(res.Objects) == 0 {
			return
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		start := time.Now()
		fs := lint.RunChecks(checks, res.Objects, nil)
		if d := time.Since(start); d > slowLint {
			t.Fatalf("linting %d bytes (%d objects) took %v", len(data), len(res.Objects), d)
		}
		for _, fd := range fs {
			if msg := invalidFinding(fd, file, lines); msg != "" {
				t.Fatalf("%s: %+v", msg, fd)
			}
		}
		if !sort.SliceIsSorted(fs, func(i, j int) bool { return finding.Less(&fs[i], &fs[j]) }) {
			t.Fatalf("findings are not sorted")
		}
		// Checks share memoised facts and run concurrently; a second run over fresh objects
		// must report the same.
		again := lint.RunChecks(checks, manifest.Parse(file, data, manifest.DefaultLimits).Objects, nil)
		if a, b := dump(fs), dump(again); a != b {
			t.Fatalf("findings differ between runs:\nfirst:\n%s\nsecond:\n%s", a, b)
		}
	})
}

func invalidFinding(f finding.Finding, file string, lines int) string {
	switch {
	case check.Lookup(f.Check) == nil:
		return "unknown check ID"
	case f.Category == "":
		return "no category"
	case f.Severity < finding.Low || f.Severity > finding.Critical:
		return "invalid severity"
	case strings.TrimSpace(f.Message) == "":
		return "empty message"
	case f.File != file:
		return "wrong file"
	case f.Line < 1 || f.Line > lines:
		return fmt.Sprintf("line outside the %d-line file", lines)
	case f.Column < 1:
		return "column before the start of the line"
	case f.Object.Kind == "" || f.Object.APIVersion == "":
		return "no object"
	case f.PSS != "" && f.PSS != finding.PSSBaseline && f.PSS != finding.PSSRestricted:
		return "unknown PSS level"
	case f.Fix != nil && f.Fix.Description == "":
		return "fix without a description"
	case f.Fix != nil && f.Fix.Object == nil:
		return "fix without its object"
	}
	if f.Fix != nil {
		for _, c := range f.Fix.Changes {
			if c.Op < finding.Set || c.Op > finding.AddObject {
				return "fix change with an unknown op"
			}
		}
	}
	return ""
}

// dump renders findings with their fixes' changes, leaving out the object pointer.
func dump(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fix := f.Fix
		f.Fix = nil
		fmt.Fprintf(&b, "%+v\n", f)
		if fix != nil {
			fmt.Fprintf(&b, "  fix %q safe=%v\n", fix.Description, fix.Safe)
			for _, c := range fix.Changes {
				fmt.Fprintf(&b, "    %d %s %#v %q\n", c.Op, c.Path, c.Value, c.FileName)
			}
		}
	}
	return b.String()
}

// checkSeeds are the repository's example manifests, the checks' own test inputs and every
// check's documented Bad and Good snippets, both as written and inside a Pod and a
// Deployment (most snippets are pod spec fragments).
func checkSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, root := range []string{filepath.Join("..", "..", "testdata"), filepath.Join("..", "checks")} {
		var names []string
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"fuzz"+string(filepath.Separator)) {
				return nil
			}
			if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" || ext == ".json" {
				names = append(names, p)
			}
			return nil
		})
		sort.Strings(names)
		for _, p := range names {
			if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
				out = append(out, data)
			}
		}
	}
	for _, c := range check.All() {
		for _, snippet := range []string{c.Doc.Bad, c.Doc.Good} {
			if snippet == "" {
				continue
			}
			out = append(out, []byte(snippet),
				[]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n"+indent(snippet, "  ")),
				[]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: n\nspec:\n  template:\n    spec:\n"+indent(snippet, "      ")))
		}
	}
	if len(out) == 0 {
		tb.Logf("no seed files found")
	}
	return out
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}
