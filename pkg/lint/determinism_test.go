package lint_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// TestDeterministicOutput lints the same inputs on one thread and on every CPU: loading,
// Kustomize builds and checks all run concurrently, and none of that may show in the
// report. It compares the JSON report byte for byte, and the SARIF and JUnit reports, which
// also list rules and passing objects.
func TestDeterministicOutput(t *testing.T) {
	procs := []int{1, runtime.NumCPU()}
	if procs[1] < 4 {
		// On a small machine, more threads than CPUs still reorders goroutines.
		procs = append(procs, 4)
	}
	t.Run("example", func(t *testing.T) {
		assertDeterministic(t, procs, []string{filepath.Join("..", "..", "testdata", "example")})
	})
	t.Run("corpus", func(t *testing.T) {
		if testing.Short() {
			t.Skip("lints the whole corpus")
		}
		corpus := checktest.CorpusDir(t)
		paths := []string{filepath.Join(corpus, "manifests")}
		dirs, err := kustomizeDirs(corpus)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, dirs...)
		assertDeterministic(t, procs[:2], paths)
	})
}

// kustomizeDirs lists the corpus's Kustomize directories that build offline.
func kustomizeDirs(corpus string) ([]string, error) {
	f, err := os.Open(filepath.Join(corpus, "KUSTOMIZE_DIRS.txt"))
	if err != nil {
		return nil, fmt.Errorf("listing Kustomize directories: %w", err)
	}
	defer f.Close()
	var dirs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			dirs = append(dirs, filepath.Join(corpus, line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading KUSTOMIZE_DIRS.txt: %w", err)
	}
	return dirs, nil
}

func assertDeterministic(t *testing.T, procs []int, paths []string) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var first map[string][]byte
	for _, n := range procs {
		runtime.GOMAXPROCS(n)
		start := time.Now()
		got, findings := lintAndRender(t, paths)
		t.Logf("GOMAXPROCS=%d: %d findings, %d bytes of JSON in %v", n, findings, len(got["json"]), time.Since(start).Round(time.Millisecond))
		if findings == 0 {
			t.Fatalf("no findings: the inputs were not linted")
		}
		if first == nil {
			first = got
			continue
		}
		for format, out := range got {
			if !bytes.Equal(out, first[format]) {
				t.Errorf("GOMAXPROCS=%d: %s report differs from GOMAXPROCS=%d's at byte %d", n, format, procs[0], firstDiff(out, first[format]))
			}
		}
	}
}

// lintAndRender runs what `kubectl secure lint PATHS` runs, from discovery to the reports.
func lintAndRender(t *testing.T, paths []string) (map[string][]byte, int) {
	t.Helper()
	inputs, errs := discover.Resolve(discover.Request{Paths: paths})
	loaded := load.Load(inputs, nil, manifest.DefaultLimits)
	errs = append(errs, loaded.Errors...)
	finding.SortErrors(errs)
	checks := check.All()
	findings := lint.RunChecks(checks, loaded.Objects, nil)
	rules := make([]report.RuleInfo, 0, len(checks))
	for _, c := range checks {
		rules = append(rules, report.RuleInfo{ID: c.ID, Title: c.Doc.Title, Why: c.Doc.Why, Category: c.Category, Severity: c.Severity, PSS: c.PSS})
	}
	linted := make([]report.ObjectInfo, 0, len(loaded.Objects))
	for _, o := range loaded.Objects {
		pos := o.Locate(nil)
		linted = append(linted, report.ObjectInfo{File: pos.File, Line: pos.Line, Ref: o.Ref})
	}
	rep := report.Report{Findings: findings, Errors: errs, Files: loaded.Files, Objects: len(loaded.Objects), Rules: rules, Linted: linted}
	out := map[string][]byte{}
	for format, write := range map[string]func(*bytes.Buffer) error{
		"json":  func(b *bytes.Buffer) error { return report.JSON(b, rep) },
		"sarif": func(b *bytes.Buffer) error { return report.SARIF(b, rep, report.SARIFOptions{}) },
		"junit": func(b *bytes.Buffer) error { return report.JUnit(b, rep) },
	} {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out[format] = b.Bytes()
	}
	return out, len(findings)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
