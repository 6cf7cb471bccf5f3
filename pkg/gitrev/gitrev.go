// Package gitrev reads what lint --since needs from a git repository with the git command:
// the repository's root, a revision, the files changed since it (renames paired up), and
// the content of chosen files at it, written into a directory of their own. The working
// tree and the index are only read.
package gitrev

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// Repo is a git work tree.
type Repo struct {
	// Root is the top of the work tree, with symbolic links resolved.
	Root string
}

// Open finds the repository dir lies in.
func Open(dir string) (*Repo, error) {
	out, err := git(dir, nil, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("--since needs a git repository: %s is not in one", dir)
	}
	root := strings.TrimSpace(string(out))
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	return &Repo{Root: root}, nil
}

// Resolve returns the commit rev names.
func (r *Repo) Resolve(rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("--since %s: not a revision", rev)
	}
	out, err := git(r.Root, nil, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("--since %s: unknown revision in %s", rev, r.Root)
	}
	return strings.TrimSpace(string(out)), nil
}

// Change is a file changed since a revision: added (Old ""), deleted (New ""), modified
// or renamed. Paths are relative to the root, with slashes.
type Change struct {
	Old, New string
}

// Changes are the files that differ between commit and the working tree: what git diff
// -M reports (staged or not), and the untracked files that are not ignored.
func (r *Repo) Changes(commit string) ([]Change, error) {
	out, err := git(r.Root, nil, "diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-relative", commit, "--")
	if err != nil {
		return nil, fmt.Errorf("git diff %s: %w", commit, err)
	}
	changes, err := parseNameStatus(out)
	if err != nil {
		return nil, err
	}
	out, err = git(r.Root, nil, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			changes = append(changes, Change{New: p})
		}
	}
	return changes, nil
}

// parseNameStatus reads git diff --name-status -z: a status, then one path, or two for a
// rename or copy (R100, C75).
func parseNameStatus(out []byte) ([]Change, error) {
	f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	var changes []Change
	for i := 0; i < len(f) && f[i] != ""; {
		status := f[i]
		switch {
		case (status[0] == 'R' || status[0] == 'C') && i+2 < len(f):
			c := Change{Old: f[i+1], New: f[i+2]}
			if status[0] == 'C' {
				c.Old = ""
			}
			changes = append(changes, c)
			i += 3
		case i+1 < len(f):
			c := Change{Old: f[i+1], New: f[i+1]}
			switch status[0] {
			case 'A':
				c.Old = ""
			case 'D':
				c.New = ""
			}
			changes = append(changes, c)
			i += 2
		default:
			return nil, fmt.Errorf("git diff: unexpected output %q", status)
		}
	}
	return changes, nil
}

// Files lists the files of commit (relative to the root, with slashes), regular files and
// executables only: symbolic links and submodules are left out, so that what is written
// from a revision cannot point outside the directory it is written to.
func (r *Repo) Files(commit string) (map[string]string, error) {
	out, err := git(r.Root, nil, "ls-tree", "-r", "-z", "--full-tree", commit)
	if err != nil {
		return nil, fmt.Errorf("git ls-tree %s: %w", commit, err)
	}
	files := map[string]string{} // path -> blob
	for _, rec := range strings.Split(string(out), "\x00") {
		meta, p, ok := strings.Cut(rec, "\t")
		if !ok {
			continue
		}
		fields := strings.Fields(meta) // mode type object
		if len(fields) == 3 && fields[1] == "blob" && (fields[0] == "100644" || fields[0] == "100755") {
			files[p] = fields[2]
		}
	}
	return files, nil
}

// Write writes the blobs of paths (from Files) below dir, through one git cat-file --batch.
func (r *Repo) Write(files map[string]string, paths []string, dir string) error {
	if len(paths) == 0 {
		return nil
	}
	var in bytes.Buffer
	for _, p := range paths {
		in.WriteString(files[p] + "\n")
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = r.Root
	cmd.Stdin = &in
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git cat-file: %w", err)
	}
	werr := writeBatch(bufio.NewReader(stdout), paths, dir)
	if werr != nil {
		_, _ = io.Copy(io.Discard, stdout)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git cat-file: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return werr
}

// writeBatch reads cat-file --batch's answers ("<oid> blob <size>\n<content>\n") in the
// order of paths and writes each below dir.
func writeBatch(br *bufio.Reader, paths []string, dir string) error {
	for _, p := range paths {
		head, err := br.ReadString('\n')
		if err != nil {
			return fmt.Errorf("git cat-file: %w", err)
		}
		fields := strings.Fields(head)
		if len(fields) != 3 {
			return fmt.Errorf("git cat-file: %s: %s", p, strings.TrimSpace(head))
		}
		size, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil {
			return fmt.Errorf("git cat-file: %s: %w", p, err)
		}
		clean := path.Clean(p)
		if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
			return fmt.Errorf("git cat-file: refusing path %q", p)
		}
		dest := filepath.Join(dir, filepath.FromSlash(clean))
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, br, size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		if _, err := br.Discard(1); err != nil { // the newline after the content
			return fmt.Errorf("git cat-file: %w", err)
		}
	}
	return nil
}

// git runs git in dir with stdin and returns its standard output.
func git(dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// A user's configuration must not turn the output into something else.
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C", "GIT_OPTIONAL_LOCKS=0")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out, fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
		}
		return out, err
	}
	return out, nil
}
