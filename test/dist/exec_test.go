package dist

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// command runs name in dir with extra environment and returns its combined output and
// exit status; it fails the test only when the command could not run at all.
func command(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	// Stop before `go test -timeout` would, so the failure names the slow command.
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if deadline, ok := d.Deadline(); ok {
			if left := time.Until(deadline) - 20*time.Second; left < timeout {
				timeout = max(left, time.Second)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s: %.1fs", name, strings.Join(args, " "), time.Since(start).Seconds())
	if ctx.Err() != nil {
		t.Fatalf("%s %s: timed out after %s\n%s", name, strings.Join(args, " "), timeout, out.String())
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		return "", -1
	}
}

// mustRun is command for steps that have to succeed.
func mustRun(t testing.TB, timeout time.Duration, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, code := command(t, timeout, dir, env, name, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit status %d\n%s", name, strings.Join(args, " "), code, out)
	}
	return out
}

// gitEnv makes commits in throw-away repositories independent of the user's git config.
var gitEnv = []string{
	"GIT_AUTHOR_NAME=dist test", "GIT_AUTHOR_EMAIL=dist@example.invalid",
	"GIT_COMMITTER_NAME=dist test", "GIT_COMMITTER_EMAIL=dist@example.invalid",
	"GIT_AUTHOR_DATE=2025-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2025-01-02T03:04:05Z",
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=" + os.DevNull,
}

// snapshotRepo copies the working tree — tracked files and new files git does not ignore,
// as a commit would take them — into a fresh git repository with one commit, and returns
// its directory and commit. Release tools need a repository and must not write into the
// real one (goreleaser's dist/, pre-commit's clone), and the tree under test may have
// uncommitted changes.
func snapshotRepo(t testing.TB) (dir, commit string) {
	t.Helper()
	testenv.Tool(t, "git", "apt-get install -y git")
	root := testenv.RepoRoot(t)
	list := mustRun(t, time.Minute, root, nil, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	dir = filepath.Join(t.TempDir(), "kubectl-secure")
	n := 0
	for _, name := range strings.Split(list, "\x00") {
		if name == "" {
			continue
		}
		src := filepath.Join(root, name)
		info, err := os.Lstat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree, not yet in git
		}
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() {
			continue
		}
		if err := copyFile(src, filepath.Join(dir, name), info.Mode()); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n == 0 {
		t.Fatalf("git ls-files listed nothing in %s", root)
	}
	mustRun(t, time.Minute, dir, gitEnv, "git", "init", "-q", "-b", "main")
	mustRun(t, time.Minute, dir, gitEnv, "git", "add", "-A")
	mustRun(t, time.Minute, dir, gitEnv, "git", "commit", "-q", "-m", "snapshot of the working tree")
	// goreleaser reads the commit only when the repository has a remote (it never
	// contacts it in a snapshot); without one the build says "commit none".
	mustRun(t, time.Minute, dir, gitEnv, "git", "remote", "add", "origin", homepage+".git")
	commit = strings.TrimSpace(mustRun(t, time.Minute, dir, gitEnv, "git", "rev-parse", "HEAD"))
	return dir, commit
}

func copyFile(src, dst string, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTree copies the regular files under src to dst.
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return copyFile(p, filepath.Join(dst, rel), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
