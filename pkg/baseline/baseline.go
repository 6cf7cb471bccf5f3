// Package baseline records the findings a repository already has and tells the new ones
// apart: `lint --write-baseline FILE` writes one entry per finding, `lint --baseline FILE`
// reports only findings no entry matches, and entries nothing matches any more are the
// findings fixed since. `lint --since REV` compares with the findings of an earlier
// revision the same way.
//
// An entry is the finding's fingerprint (package fingerprint): check, file (relative to the
// repository root, with slashes), the object as its source names it, the field path with
// list positions replaced by what the element is, and a hash of the offending value. Line
// numbers are not part of it, so inserting lines, reformatting or reordering documents
// keeps a finding matched, while another privileged container (another name in the path)
// is new. Entries count: two identical findings and one entry leave one finding new.
//
// The file is text: a header line naming the format and its version, then one entry per
// line, fields separated by tabs, lines sorted, so that rewriting it changes only what
// changed and two branches' baselines merge line by line.
package baseline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fingerprint"
)

// Header is the first line of a baseline file; the number is the format's version.
const Header = "# kubectl-secure baseline v1 (check, file, object, path, value hash; tab-separated, sorted)"

// headerPrefix is what a reader requires of the first line: the version it understands.
const headerPrefix = "# kubectl-secure baseline v1"

// Entry is one finding's fingerprint.
type Entry struct {
	Check string `json:"check"`
	// File is relative to the repository root, with slashes ("-" for standard input).
	File string `json:"file"`
	// Object is kind[.group]/namespace/name as the source names it (fingerprint.Object).
	Object string `json:"object"`
	Path   string `json:"path"`
	Value  string `json:"-"`
}

// Of is the entry of finding f, whose file relative to the repository root is file.
func Of(f *finding.Finding, file string) Entry {
	id := f.Identity
	if id == nil { // a run without fingerprints: the finding as it was reported
		id = &finding.Identity{Object: f.Object, Path: f.Path}
	}
	return Entry{Check: f.Check, File: file, Object: fingerprint.Object(id.Object), Path: id.Path, Value: id.Value}
}

// line is the entry as the file writes it.
func (e Entry) line() string {
	return strings.Join([]string{escape(e.Check), escape(e.File), escape(e.Object), escape(e.Path), escape(e.Value)}, "\t")
}

var escaper = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
var unescaper = strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")

// escape keeps a field on its line and apart from the next: a path may quote an annotation
// key holding any character.
func escape(s string) string   { return escaper.Replace(s) }
func unescape(s string) string { return unescaper.Replace(s) }

// Format writes entries as a baseline file: the header, then the entries' lines sorted.
func Format(entries []Entry) []byte {
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = e.line()
	}
	slices.Sort(lines)
	var b bytes.Buffer
	b.WriteString(Header + "\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.Bytes()
}

// Parse reads a baseline file; name is used in errors, which give its line.
func Parse(r io.Reader, name string) ([]Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var entries []Entry
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSuffix(sc.Text(), "\r")
		if n == 1 {
			if !strings.HasPrefix(text, headerPrefix) {
				return nil, fmt.Errorf("%s:1: not a kubectl-secure baseline (want a first line starting %q)", name, headerPrefix)
			}
			continue
		}
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("%s:%d: want 5 tab-separated fields (check, file, object, path, value hash), got %d", name, n, len(f))
		}
		entries = append(entries, Entry{Check: unescape(f[0]), File: unescape(f[1]), Object: unescape(f[2]),
			Path: unescape(f[3]), Value: unescape(f[4])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return entries, nil
}

// Read reads the baseline file at path.
func Read(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Write writes entries to path, replacing the file whole (a temporary file renamed over it)
// so that an interrupted run never leaves half a baseline.
func Write(path string, entries []Entry) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".kubectl-secure-baseline-*")
	if err != nil {
		return fmt.Errorf("writing baseline: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(Format(entries)); err != nil {
		tmp.Close()
		return fmt.Errorf("writing baseline %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing baseline %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing baseline %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing baseline %s: %w", path, err)
	}
	return nil
}

// Root is the directory baseline files are made relative to for a baseline file at path:
// the root of the git work tree it lies in (the nearest parent holding .git), else its own
// directory. So a baseline written at the top of a repository matches findings whatever
// directory lint runs from.
func Root(path string) string {
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return filepath.Dir(path)
	}
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// Relative returns a function that makes a finding's file relative to root, with slashes;
// standard input stays "-". Symbolic links are resolved first (root is a resolved path when
// it comes from git), once per directory.
func Relative(root string) func(string) string {
	if real, err := filepath.EvalSymlinks(root); err == nil {
		root = real
	}
	wd, _ := os.Getwd()
	real := map[string]string{} // directory -> its resolved path
	return func(file string) string {
		if file == "-" || file == "" {
			return file
		}
		abs := file
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(wd, file)
		}
		dir := filepath.Dir(abs)
		r, ok := real[dir]
		if !ok {
			r = dir
			if e, err := filepath.EvalSymlinks(dir); err == nil {
				r = e
			}
			real[dir] = r
		}
		rel, err := filepath.Rel(root, filepath.Join(r, filepath.Base(abs)))
		if err != nil {
			return filepath.ToSlash(file)
		}
		return filepath.ToSlash(rel)
	}
}
