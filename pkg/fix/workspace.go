package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Stdin is the path findings give objects read from standard input.
const Stdin = "-"

// File is one file as the fixes see it: what was read and what it becomes.
type File struct {
	Path    string // as findings name it; Stdin for standard input
	Orig    []byte // nil when Created
	Data    []byte
	Created bool // the file does not exist yet (AddObject writes it)
}

// Changed reports whether the fixes changed the file.
func (f *File) Changed() bool { return f.Created || !bytes.Equal(f.Orig, f.Data) }

// Workspace holds files being fixed in memory, so that every fix is computed before
// anything is written and --diff and --fix share one code path.
type Workspace struct {
	read  func(path string) ([]byte, error)
	files map[string]*File
}

// NewWorkspace reads files with read (os.ReadFile when nil).
func NewWorkspace(read func(path string) ([]byte, error)) *Workspace {
	if read == nil {
		read = os.ReadFile
	}
	return &Workspace{read: read, files: map[string]*File{}}
}

func cleanPath(p string) string {
	if p == Stdin {
		return p
	}
	return filepath.Clean(p)
}

// Open returns the file at path, reading it on first use.
func (w *Workspace) Open(path string) (*File, error) {
	path = cleanPath(path)
	if f := w.files[path]; f != nil {
		return f, nil
	}
	data, err := w.read(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	f := &File{Path: path, Orig: data, Data: append([]byte(nil), data...)}
	w.files[path] = f
	return f, nil
}

// OpenOrCreate returns the file at path, or a new empty one when it does not exist.
func (w *Workspace) OpenOrCreate(path string) (*File, error) {
	f, err := w.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		f = &File{Path: cleanPath(path), Created: true}
		w.files[f.Path] = f
		return f, nil
	}
	return f, err
}

// Changed returns the files the fixes changed, sorted by path.
func (w *Workspace) Changed() []*File {
	var out []*File
	for _, f := range w.files {
		if f.Changed() {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Snapshot is the content of a workspace's files at one moment.
type Snapshot map[string]File

// Snapshot and Restore let a fix that fails part-way leave the workspace as it was.
func (w *Workspace) Snapshot() Snapshot {
	s := Snapshot{}
	for p, f := range w.files {
		s[p] = File{Path: f.Path, Orig: f.Orig, Data: append([]byte(nil), f.Data...), Created: f.Created}
	}
	return s
}

// Restore sets every file back to its content in s and forgets files opened since.
func (w *Workspace) Restore(s Snapshot) {
	for p, f := range w.files {
		saved, ok := s[p]
		if !ok {
			delete(w.files, p)
			continue
		}
		f.Data = append([]byte(nil), saved.Data...)
	}
}
