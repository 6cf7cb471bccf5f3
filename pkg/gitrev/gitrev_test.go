package gitrev

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

func TestParseNameStatus(t *testing.T) {
	out := "M\x00a.yaml\x00A\x00new.yaml\x00D\x00old.yaml\x00R087\x00x/from.yaml\x00y/to.yaml\x00C100\x00c.yaml\x00d.yaml\x00"
	got, err := parseNameStatus([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{Old: "a.yaml", New: "a.yaml"}, {New: "new.yaml"}, {Old: "old.yaml"}, {Old: "x/from.yaml", New: "y/to.yaml"}, {New: "d.yaml"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if _, err := parseNameStatus([]byte("M\x00")); err == nil {
		t.Error("a status without a path: no error")
	}
}

// repo commits files in a new repository and returns its root.
func repo(t *testing.T, files map[string]string) (string, func(args ...string)) {
	t.Helper()
	testenv.Tool(t, "git", "git is needed to test reading revisions")
	root := testtree.Write(t, files)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-qm", "one")
	return root, git
}

func TestChangesAndFiles(t *testing.T) {
	root, git := repo(t, map[string]string{"a.yaml": "a: 1\n", "dir/b.yaml": strings.Repeat("b: 2\n", 20), "c.yaml": "c: 3\n"})
	r, err := Open(filepath.Join(root, "dir"))
	if err != nil {
		t.Fatal(err)
	}
	commit, err := r.Resolve("HEAD")
	if err != nil {
		t.Fatal(err)
	}
	git("mv", "dir/b.yaml", "dir/renamed.yaml")
	if err := os.WriteFile(filepath.Join(root, "a.yaml"), []byte("a: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "untracked.yaml"), []byte("u: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	changes, err := r.Changes(commit)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []Change{{Old: "a.yaml", New: "a.yaml"}, {Old: "dir/b.yaml", New: "dir/renamed.yaml"}, {New: "untracked.yaml"}} {
		if !slices.Contains(changes, want) {
			t.Errorf("changes %+v lack %+v", changes, want)
		}
	}
	files, err := r.Files(commit)
	if err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	if err := r.Write(files, []string{"a.yaml", "dir/b.yaml"}, dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "a.yaml")); string(b) != "a: 1\n" {
		t.Errorf("a.yaml at the revision: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "dir", "b.yaml")); len(b) != 100 {
		t.Errorf("dir/b.yaml at the revision: %d bytes", len(b))
	}
	if _, err := os.Stat(filepath.Join(dest, "c.yaml")); err == nil {
		t.Error("c.yaml written though not asked for")
	}
}

func TestErrors(t *testing.T) {
	root, _ := repo(t, map[string]string{"a.yaml": "a: 1\n"})
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{"no-such-branch", "--output=/tmp/x", "HEAD~5"} {
		if _, err := r.Resolve(rev); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("Resolve(%q): error %v, want one line", rev, err)
		}
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not in one") {
		t.Errorf("outside a repository: %v", err)
	}
}
