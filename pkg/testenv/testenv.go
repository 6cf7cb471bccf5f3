// Package testenv is what tests need from the machine they run on: the repository root, the
// real-world corpus, the real tools (kubectl, pre-commit, goreleaser, git) and golden files.
//
// A test that needs something the machine lacks skips locally, so a newcomer's first run is
// green, but fails under CI (CI=true), where a skip would hide that the real thing was never
// exercised. Every such skip is also appended to the file named by $KUBECTL_SECURE_SKIPLOG,
// which scripts/test.sh prints at the end of the run.
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// InCI reports whether the tests run under CI, where missing tools and corpus are failures.
func InCI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Skip skips t for a reason that lies outside the code (a missing tool or corpus): a failure
// under CI, a logged skip elsewhere.
func Skip(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI=true: the real thing must be exercised, not skipped)", reason)
	}
	if log := os.Getenv("KUBECTL_SECURE_SKIPLOG"); log != "" {
		if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s: %s\n", t.Name(), reason)
			f.Close()
		}
	}
	t.Skip(reason)
}

// Tool returns the path of a program the test runs for real, or skips (see Skip). hint says
// how to install it.
func Tool(t testing.TB, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Skip(t, "%s is not on PATH (%s)", name, hint)
	}
	return path
}

// RepoRoot is the module root: tests run in their package directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

// CorpusDir returns the real-world corpus (../shared/corpus beside the repository, or
// $KUBECTL_SECURE_CORPUS), or skips the test (see Skip): a user's clone does not have it.
func CorpusDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("KUBECTL_SECURE_CORPUS")
	if dir == "" {
		dir = filepath.Join(filepath.Dir(RepoRoot(t)), "shared", "corpus")
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		Skip(t, "real-world corpus not found at %q (it sits beside the repository in CI; set KUBECTL_SECURE_CORPUS to use another copy)", dir)
	}
	return dir
}

// Golden compares got with the golden file at path, or rewrites the file when update is set
// (each package declares its own -update flag). The failure shows the first lines that
// differ, so a reviewer sees the change without opening both files.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking the change):\n%s", path, FirstDifference(want, got))
	}
}

// FirstDifference describes where two texts part: the first differing line of each, with
// its number, and the line counts.
func FirstDifference(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return fmt.Sprintf("line %d\n want: %q\n  got: %q\n(%d lines wanted, %d got)", i+1, wl, gl, len(w), len(g))
		}
	}
	return "texts differ only in bytes the line split does not show"
}
