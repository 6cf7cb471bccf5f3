// Package checktest runs checks over YAML written in a test and compares what they report,
// so every check can have compact firing and non-firing cases.
package checktest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// Run parses src as the file "test.yaml" and runs the checks with the given IDs over it.
func Run(t testing.TB, src string, ids ...string) []finding.Finding {
	t.Helper()
	return RunWith(t, src, nil, ids...)
}

// RunWith is Run with the user's settings (namespace, allowed registries, ...).
func RunWith(t testing.TB, src string, settings *check.Settings, ids ...string) []finding.Finding {
	t.Helper()
	res := manifest.Parse("test.yaml", []byte(src), manifest.DefaultLimits)
	if res.Err != nil {
		t.Fatalf("parse: %v", res.Err)
	}
	var cs []*check.Check
	for _, id := range ids {
		c := check.Lookup(id)
		if c == nil {
			t.Fatalf("no check %q registered", id)
		}
		cs = append(cs, c)
	}
	return lint.RunChecks(cs, res.Objects, settings)
}

// Short renders findings as "check@line:col path" lines, the form test tables compare.
func Short(fs []finding.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s@%d:%d %s", f.Check, f.Line, f.Column, f.Path)
	}
	return out
}

// Case is one table row: YAML input and the findings expected. The input may say on each
// line what it expects there (`# want: check-id`, as go/analysis's analysistest does); Want,
// in Short form, pins columns and paths too when a case needs them. A case with neither is
// a non-firing case.
type Case struct {
	Name string
	Src  string
	Want []string
}

// RunCases runs a table of cases for one check.
func RunCases(t *testing.T, id string, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			fs := Run(t, tc.Src, id)
			if marked := WantLines(tc.Src, id); len(marked) > 0 || len(tc.Want) == 0 {
				if got := Lines(fs); fmt.Sprint(got) != fmt.Sprint(marked) {
					t.Errorf("findings on lines %v, want the lines marked `# want: %s`: %v\n%q", got, id, marked, Short(fs))
				}
			}
			if len(tc.Want) > 0 {
				if got := Short(fs); strings.Join(got, "\n") != strings.Join(tc.Want, "\n") {
					t.Errorf("findings differ\n got: %q\nwant: %q", got, tc.Want)
				}
			}
		})
	}
}

// WantLines returns the lines of src that carry a `# want: id` marker, in order.
func WantLines(src, id string) []int {
	var out []int
	for i, line := range strings.Split(src, "\n") {
		if _, marker, ok := strings.Cut(line, "# want:"); ok && strings.Contains(" "+marker+" ", " "+id+" ") {
			out = append(out, i+1)
		}
	}
	return out
}

// Lines returns the distinct lines of the findings, in order.
func Lines(fs []finding.Finding) []int {
	var out []int
	for _, f := range fs {
		if len(out) == 0 || out[len(out)-1] != f.Line {
			out = append(out, f.Line)
		}
	}
	return out
}

// CorpusDir returns the real-world corpus or skips the test (testenv.CorpusDir): a user's
// clone does not have it; under CI its absence is a failure.
func CorpusDir(t testing.TB) string {
	t.Helper()
	return testenv.CorpusDir(t)
}

// Corpus is the plain-manifest part of the real-world corpus, parsed.
type Corpus struct {
	Objects   []*manifest.Object
	Files     int // YAML and JSON files read
	ParseErrs int // files that did not parse (their good documents are still in Objects)
}

// LoadCorpusManifests parses every YAML and JSON file of the corpus's manifests/ directory,
// or skips the test when the corpus is absent. Files are read directly, not through
// pkg/load, so corpus tests of checks exercise only the checks. Object files are named
// relative to the corpus directory when rel is true, by their full path otherwise.
func LoadCorpusManifests(t testing.TB, rel bool) Corpus {
	t.Helper()
	dir := filepath.Join(CorpusDir(t), "manifests")
	var c Corpus
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c.Files++
		name := path
		if rel {
			name, _ = filepath.Rel(dir, path)
		}
		res := manifest.Parse(name, data, manifest.DefaultLimits)
		if res.Err != nil {
			c.ParseErrs++
		}
		c.Objects = append(c.Objects, res.Objects...)
		return nil
	})
	if err != nil {
		t.Fatalf("reading corpus: %v", err)
	}
	return c
}
