package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// runRaw executes the command line and returns stdout, stderr and the exit status.
func runRaw(stdin string, args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := Execute(args, genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

// copyInputs copies files from testdata/inputs into a new temporary directory.
func copyInputs(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", "inputs", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFixInPlace(t *testing.T) {
	dir := copyInputs(t, "pod.yaml", "multi.yaml")
	got, code := run(t, "", "lint", dir, "--fix", "--unsafe-fixes")
	if code != ExitFindings {
		t.Errorf("exit %d, want %d (findings without a fix are left)\n%s", code, ExitFindings, got)
	}
	for _, n := range []string{"multi.yaml", "pod.yaml", "networkpolicy-default-deny.yaml"} {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		got += "--- " + n + "\n" + string(data)
	}
	got = strings.ReplaceAll(got, dir+string(filepath.Separator), "$TMP/")
	got = strings.ReplaceAll(got, dir, "$TMP")
	compareCLIGolden(t, "fix-in-place", got)

	// Fixed is fixed: a second run changes nothing.
	before, _ := os.ReadFile(filepath.Join(dir, "pod.yaml"))
	_, errOut, _ := runRaw("", "lint", dir, "--fix", "--unsafe-fixes")
	after, _ := os.ReadFile(filepath.Join(dir, "pod.yaml"))
	if !bytes.Equal(before, after) || !strings.Contains(errOut, "fixed 0 findings (0 changes) in 0 files") {
		t.Errorf("second --fix changed something:\n%s", errOut)
	}
}

func TestFixReadOnlyFile(t *testing.T) {
	dir := copyInputs(t, "pod.yaml")
	path := filepath.Join(dir, "pod.yaml")
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	_, errOut, code := runRaw("", "lint", path, "--fix", "--unsafe-fixes")
	if code != ExitError || !strings.Contains(errOut, "read-only") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("read-only file was changed")
	}
}

// TestDiffAppliesWithGitApply checks the --diff output with the real `git apply`, and that
// the applied result is what --fix writes.
func TestDiffAppliesWithGitApply(t *testing.T) {
	testenv.Tool(t, "git", "apt-get install -y git")
	files := []string{"testdata/inputs/pod.yaml", "testdata/inputs/multi.yaml", "testdata/inputs/list.json"}
	patch, errOut, code := runRaw("", append([]string{"lint", "--diff", "--unsafe-fixes"}, files...)...)
	if code != ExitFindings || !strings.HasPrefix(patch, "diff --git ") {
		t.Fatalf("exit %d\n%s\n%s", code, patch, errOut)
	}
	repo := t.TempDir()
	git := gitIn(t, repo)
	git("", "init", "-q")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(repo, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repo, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(patch, "apply", "--check", "-")
	git(patch, "apply", "-")

	// --fix on another copy writes the same bytes.
	fixed := t.TempDir()
	var args []string
	for _, f := range files {
		data, _ := os.ReadFile(f)
		p := filepath.Join(fixed, filepath.Base(f))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	if _, errOut, code := runRaw("", append([]string{"lint", "--fix", "--unsafe-fixes"}, args...)...); code == ExitError {
		t.Fatalf("--fix: %s", errOut)
	}
	for _, f := range files {
		a, _ := os.ReadFile(filepath.Join(repo, f))
		b, _ := os.ReadFile(filepath.Join(fixed, filepath.Base(f)))
		if !bytes.Equal(a, b) {
			t.Errorf("%s: git apply of --diff and --fix differ", f)
		}
	}
	if orig, _ := os.ReadFile(files[0]); bytes.Equal(orig, func() []byte { b, _ := os.ReadFile(filepath.Join(repo, files[0])); return b }()) {
		t.Errorf("the patch changed nothing")
	}
}

// gitIn returns a function that runs git in repo with stdin, failing the test on an error.
func gitIn(t *testing.T, repo string) func(stdin string, args ...string) {
	return func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}
