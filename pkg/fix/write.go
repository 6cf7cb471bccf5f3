package fix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Hooks for tests that simulate a failure part-way through a write.
var (
	renameFile = os.Rename
	writeData  = func(f *os.File, data []byte) (int, error) { return f.Write(data) }
)

// ErrChanged marks a file that changed on disk after the fixes read it: writing it would
// throw away the other change, so it is refused.
var ErrChanged = errors.New("changed since it was read")

// WriteOptions say where fixes may write.
type WriteOptions struct {
	// Tree is what the run may write (see Tree); nil allows every path but still refuses
	// symlinks to nothing.
	Tree *Tree
}

// WriteReport is what Write did.
type WriteReport struct {
	Written []string // files written, in order
	Errors  []error  // one per file refused or failed; the other files are still written
	// Interrupted: the context was cancelled (Ctrl-C); NotWritten lists the files left as
	// they were, the one being written then included. No temporary file is left behind.
	Interrupted bool
	NotWritten  []string
}

// Write writes every changed file but standard input. Each file is written on its own:
//
//   - it must lie inside opts.Tree, and is never written through a symlink that leaves it
//     (nor through a symlinked directory that does);
//   - an existing file must still hold what the fixes read (else ErrChanged), and keeps
//     its mode, and its owner when running as root;
//   - a file with one name is replaced atomically (temporary file in the same directory,
//     synced, renamed over it); a file with several names (hard links) is rewritten in
//     place, so that every name sees the fix, and its old text is put back if that fails;
//   - a new file is created without following a link: it is written to a temporary file
//     and linked to its name only if nothing is there (O_EXCL semantics).
//
// Cancelling ctx stops before the next file, or before the current one replaces anything.
func Write(ctx context.Context, files []*File, opts WriteOptions) *WriteReport {
	rep := &WriteReport{}
	var todo []*File
	for _, f := range files {
		if f.Path != Stdin && f.Changed() {
			todo = append(todo, f)
		}
	}
	for i, f := range todo {
		err := ctx.Err()
		if err == nil {
			err = writeFile(ctx, f, opts.Tree, true)
		}
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			rep.Interrupted = true
			for _, g := range todo[i:] {
				rep.NotWritten = append(rep.NotWritten, g.Path)
			}
			break
		}
		if err != nil {
			rep.Errors = append(rep.Errors, err)
			continue
		}
		rep.Written = append(rep.Written, f.Path)
	}
	return rep
}

// WriteFiles writes files as Write does, without a tree or a way to interrupt, and returns
// one error per file that could not be written.
func WriteFiles(files []*File) []error {
	return Write(context.Background(), files, WriteOptions{}).Errors
}

// WriteFile replaces path with data as Write does (create: the file may be new), without
// checking what the file held before.
func WriteFile(path string, data []byte, create bool) error {
	f := &File{Path: path, Data: data}
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		if !create {
			return fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		f.Created = true
	}
	return writeFile(context.Background(), f, nil, false)
}

// writeFile writes one file; checkOrig compares the file on disk with f.Orig first.
func writeFile(ctx context.Context, f *File, tree *Tree, checkOrig bool) error {
	path := f.Path
	real, err := tree.Resolve(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", path, unwrapPath(err))
		}
		return err
	}
	info, err := os.Lstat(real)
	if f.Created {
		if err == nil {
			return fmt.Errorf("%s: was created by something else since the fixes looked; not written", path)
		}
		return createFile(ctx, path, real, f.Data)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", path)
	}
	if info.Mode().Perm()&0o222 == 0 {
		// rename would happily replace a read-only file; its mode says not to.
		return fmt.Errorf("%s: file is read-only", path)
	}
	var orig []byte
	if checkOrig {
		orig = f.Orig
	}
	if linkCount(info) > 1 {
		return rewriteInPlace(ctx, path, real, info, orig, f.Data)
	}
	return replaceFile(ctx, path, real, info, orig, f.Data)
}

// unchanged checks that the file at real still holds orig (nil: not checked) and is still
// the file info describes.
func unchanged(path, real string, info fs.FileInfo, orig []byte) error {
	if orig == nil {
		return nil
	}
	now, err := os.Lstat(real)
	if err != nil || !os.SameFile(info, now) {
		return fmt.Errorf("%s: %w: it was replaced; not written (run --fix again)", path, ErrChanged)
	}
	cur, err := readRegular(path, real)
	if err != nil {
		return fmt.Errorf("%s: reading it again: %w", path, unwrapPath(err))
	}
	if !bytes.Equal(cur, orig) {
		return fmt.Errorf("%s: %w; not written (run --fix again)", path, ErrChanged)
	}
	return nil
}

// replaceFile writes data to a temporary file beside real and renames it over real, so
// that a crash or a full disk leaves either the old file or the new one.
func replaceFile(ctx context.Context, path, real string, info fs.FileInfo, orig, data []byte) error {
	probe, err := os.OpenFile(real, os.O_WRONLY|noFollow, 0)
	if err != nil {
		return fmt.Errorf("%s: not writable: %w", path, unwrapPath(err))
	}
	probe.Close()
	tmp, err := writeTemp(path, real, data, info.Mode().Perm())
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	if uid, gid, ok := ownerOf(info); ok && keepsOwners() {
		if err := os.Lchown(tmp, uid, gid); err != nil {
			return fmt.Errorf("%s: keeping its owner: %w", path, unwrapPath(err))
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// As late as possible: the window in which another writer's change is lost is the
	// time between this read and the rename.
	if err := unchanged(path, real, info, orig); err != nil {
		return err
	}
	if err := renameFile(tmp, real); err != nil {
		return fmt.Errorf("%s: replacing the file: %w", path, unwrapPath(err))
	}
	syncDir(filepath.Dir(real))
	return nil
}

// createFile writes a new file at real. The name is taken with link(2), which fails when
// anything, a symlink included, is already there: a link planted since the fixes looked
// is never followed. Where hard links are not supported, O_CREATE|O_EXCL does the same.
func createFile(ctx context.Context, path, real string, data []byte) error {
	tmp, err := writeTemp(path, real, data, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := ctx.Err(); err != nil {
		return err
	}
	err = os.Link(tmp, real)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		err = createExclusive(real, data)
	}
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s: was created by something else since the fixes looked; not written", path)
	}
	if err != nil {
		return fmt.Errorf("%s: creating the file: %w", path, unwrapPath(err))
	}
	syncDir(filepath.Dir(real))
	return nil
}

func createExclusive(real string, data []byte) error {
	f, err := os.OpenFile(real, os.O_WRONLY|os.O_CREATE|os.O_EXCL|noFollow, 0o644)
	if err != nil {
		return err
	}
	_, err = writeData(f, data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(real)
	}
	return err
}

// rewriteInPlace writes data through the inode of real, which other names share: a
// rename would give this name a new file and leave the others with the old text. It is
// not atomic; when the write fails, the old text is written back.
func rewriteInPlace(ctx context.Context, path, real string, info fs.FileInfo, orig, data []byte) error {
	fh, err := os.OpenFile(real, os.O_RDWR|noFollow, 0)
	if err != nil {
		return fmt.Errorf("%s: not writable: %w", path, unwrapPath(err))
	}
	defer fh.Close()
	now, err := fh.Stat()
	if err != nil || !os.SameFile(info, now) {
		return fmt.Errorf("%s: %w: it was replaced; not written (run --fix again)", path, ErrChanged)
	}
	cur, err := io.ReadAll(fh)
	if err != nil {
		return fmt.Errorf("%s: reading it again: %w", path, unwrapPath(err))
	}
	if orig != nil && !bytes.Equal(cur, orig) {
		return fmt.Errorf("%s: %w; not written (run --fix again)", path, ErrChanged)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	put := func(b []byte) error {
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			return err
		}
		n, err := writeData(fh, b)
		if err == nil && n != len(b) {
			err = fmt.Errorf("short write (%d of %d bytes)", n, len(b))
		}
		if err == nil {
			err = fh.Truncate(int64(len(b)))
		}
		if err == nil {
			err = fh.Sync()
		}
		return err
	}
	if err := put(data); err != nil {
		if rerr := put(cur); rerr != nil {
			return fmt.Errorf("%s: writing in place: %w; putting the old text back failed too: %v", path, unwrapPath(err), rerr)
		}
		return fmt.Errorf("%s: writing in place: %w (the old text was put back)", path, unwrapPath(err))
	}
	return nil
}

// writeTemp writes data to a new temporary file in the directory of real, synced and with
// mode perm, and returns its name. On error nothing is left behind.
func writeTemp(path, real string, data []byte, perm fs.FileMode) (string, error) {
	dir, base := filepath.Split(real)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".kubectl-secure-*")
	if err != nil {
		return "", fmt.Errorf("%s: creating a temporary file: %w", path, unwrapPath(err))
	}
	n, err := writeData(tmp, data)
	if err == nil && n != len(data) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(data))
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(perm)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("%s: writing: %w", path, unwrapPath(err))
	}
	return tmp.Name(), nil
}

// syncDir makes a rename or a new name durable; not every system allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
