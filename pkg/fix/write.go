package fix

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Hooks for tests that simulate a failure part-way through a write.
var (
	renameFile = os.Rename
	writeData  = func(f *os.File, data []byte) (int, error) { return f.Write(data) }
)

// WriteFile replaces path with data atomically: the data goes to a temporary file in the
// same directory, is synced, takes the original's permissions and is renamed over the
// original, so that a crash or a full disk leaves either the old file or the new one. A
// read-only file is an error, not something to overwrite: rename would happily replace it.
func WriteFile(path string, data []byte, create bool) error {
	real := path
	mode := fs.FileMode(0o644)
	if r, err := filepath.EvalSymlinks(path); err == nil {
		real = r // write through a symlink, do not replace it
	}
	info, err := os.Stat(real)
	switch {
	case err == nil:
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		mode = info.Mode().Perm()
		if mode&0o222 == 0 {
			return fmt.Errorf("%s: file is read-only", path)
		}
		f, err := os.OpenFile(real, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s: not writable: %w", path, unwrapPath(err))
		}
		f.Close()
	case errors.Is(err, fs.ErrNotExist) && create:
	default:
		return fmt.Errorf("%s: %w", path, unwrapPath(err))
	}
	dir, base := filepath.Split(real)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".kubectl-secure-*")
	if err != nil {
		return fmt.Errorf("%s: creating a temporary file: %w", path, unwrapPath(err))
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := writeData(tmp, data)
	if err == nil && n != len(data) {
		err = fmt.Errorf("short write (%d of %d bytes)", n, len(data))
	}
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Close()
	}
	if err != nil {
		return fmt.Errorf("%s: writing: %w", path, unwrapPath(err))
	}
	if err := renameFile(tmp.Name(), real); err != nil {
		return fmt.Errorf("%s: replacing the file: %w", path, unwrapPath(err))
	}
	ok = true
	// The rename is durable once the directory is synced; not every system allows it.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// WriteFiles writes every changed file but standard input, and returns one error per file
// that could not be written; the other files are still written.
func WriteFiles(files []*File) []error {
	var errs []error
	for _, f := range files {
		if f.Path == Stdin || !f.Changed() {
			continue
		}
		if err := WriteFile(f.Path, f.Data, f.Created); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
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
