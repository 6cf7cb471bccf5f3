package fix

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrUnsafePath marks a file a fix refuses to read or write because of where it leads: a
// symlink (of the file or of a directory above it) whose target lies outside the tree the
// run was given, or a symlink to nothing, which creating the file would follow.
var ErrUnsafePath = errors.New("unsafe path")

// Tree is what a run may write: the directories it was given (a directory named on the
// command line, the directory of a file named there, the repository of --repo) and the
// kustomization directories its builds read. A file belongs to the tree when its real
// location, every symlink of it and of its directories resolved, lies below the real
// location of one of them. A nil *Tree holds everything (symlinks to nothing are still
// refused).
type Tree struct {
	real  []string // resolved absolute roots
	shown []string // as given, for messages
}

// NewTree returns the tree below roots. A root that does not resolve is left out.
func NewTree(roots ...string) *Tree {
	t := &Tree{}
	seen := map[string]bool{}
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			continue
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		t.real = append(t.real, real)
		t.shown = append(t.shown, r)
	}
	return t
}

func (t *Tree) contains(real string) bool {
	if t == nil {
		return true
	}
	for _, r := range t.real {
		if rel, err := filepath.Rel(r, real); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// PathError says why a path was refused; errors.Is(err, ErrUnsafePath) holds for it.
type PathError struct {
	Path   string // as the fix names it
	Target string // where it leads
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("%s: %s (%s); refused", e.Path, e.Reason, e.Target)
}

func (e *PathError) Is(target error) bool { return target == ErrUnsafePath }

// Resolve returns the real location of path, for a file that exists or one to be created
// (then its directory is resolved). It refuses a path that leads outside t and a symlink
// to nothing.
func (t *Tree) Resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	var real string
	link := false
	switch info, err := os.Lstat(abs); {
	case err == nil:
		link = info.Mode()&fs.ModeSymlink != 0
		if real, err = filepath.EvalSymlinks(abs); err != nil {
			target, _ := os.Readlink(abs)
			// Not ErrNotExist: a caller that creates missing files must not create this one.
			return "", &PathError{Path: path, Target: target, Reason: "symlink to nothing, not followed"}
		}
	case errors.Is(err, fs.ErrNotExist):
		dir, derr := filepath.EvalSymlinks(filepath.Dir(abs))
		if derr != nil {
			return "", err
		}
		real = filepath.Join(dir, filepath.Base(abs))
	default:
		return "", err
	}
	if !t.contains(real) {
		reason := "a directory above it is a symlink that leads outside the linted tree " + t.describe()
		if link {
			reason = "symlink leads outside the linted tree " + t.describe()
		}
		return "", &PathError{Path: path, Target: real, Reason: reason}
	}
	return real, nil
}

func (t *Tree) describe() string {
	return "[" + strings.Join(t.shown, ", ") + "]"
}

// ReadFile reads path as the fixes may: only inside t, never through a symlink that leaves
// it, and only a regular file (a FIFO would block, a device never end).
func (t *Tree) ReadFile(path string) ([]byte, error) {
	real, err := t.Resolve(path)
	if err != nil {
		return nil, err
	}
	return readRegular(path, real)
}

// readRegular reads the regular file real (path is its name in messages) without following
// a symlink that replaced it since it was resolved.
func readRegular(path, real string) ([]byte, error) {
	info, err := os.Lstat(real)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.OpenFile(real, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
