package fix

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// readTree reads path as the command line's workspace does, with tree as its bounds.
func readInto(t *testing.T, tree *Tree, path string, data string) *File {
	t.Helper()
	ws := NewWorkspace(tree.ReadFile)
	f, err := ws.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Data = []byte(data)
	return f
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tempLeft lists the temporary files a write left in dir.
func tempLeft(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, ".*.kubectl-secure-*"))
	return m
}

// TestWriteRefusesSymlinkOutOfTree: neither an existing file nor a new one is written
// through a symlink whose target lies outside the tree, and reading it for a fix is
// refused too, so a diff never shows the other file. A link inside the tree is written
// through, as before.
func TestWriteRefusesSymlinkOutOfTree(t *testing.T) {
	outside := testtree.Write(t, map[string]string{"secret.yaml": "kind: Secret\n"})
	target := filepath.Join(outside, "secret.yaml")
	root := testtree.Write(t, map[string]string{
		"repo/pod.yaml":      "kind: Pod\n",
		"repo/out.yaml":      "->" + target,
		"repo/dangling.yaml": "->" + filepath.Join(outside, "new.yaml"),
		"repo/in.yaml":       "->pod.yaml",
	})
	repo := filepath.Join(root, "repo")
	tree := NewTree(repo)

	if _, err := tree.ReadFile(filepath.Join(repo, "out.yaml")); !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), "out.yaml: symlink leads outside the linted tree") {
		t.Errorf("reading through the link: %v", err)
	}
	ws := NewWorkspace(tree.ReadFile)
	if _, err := ws.OpenOrCreate(filepath.Join(repo, "dangling.yaml")); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("a symlink to nothing is taken for a file to create: %v", err)
	}

	files := []*File{
		{Path: filepath.Join(repo, "out.yaml"), Orig: []byte("kind: Secret\n"), Data: []byte("appended\n")},
		{Path: filepath.Join(repo, "dangling.yaml"), Created: true, Data: []byte("new\n")},
		{Path: filepath.Join(repo, "pod.yaml"), Orig: []byte("kind: Pod\n"), Data: []byte("kind: Pod # fixed\n")},
	}
	rep := Write(context.Background(), files, WriteOptions{Tree: tree})
	if len(rep.Errors) != 2 {
		t.Fatalf("errors = %v, want the two links refused", rep.Errors)
	}
	for _, err := range rep.Errors {
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("not an unsafe-path error: %v", err)
		}
	}
	if len(rep.Written) != 1 || rep.Written[0] != files[2].Path {
		t.Errorf("written = %v; the other fixes must still be written", rep.Written)
	}
	if got := mustRead(t, target); got != "kind: Secret\n" {
		t.Errorf("the file outside the tree was written: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(outside, "new.yaml")); err == nil {
		t.Errorf("a file was created outside the tree through a dangling link")
	}

	// Inside the tree a link is written through and stays a link.
	in := filepath.Join(repo, "in.yaml")
	rep = Write(context.Background(), []*File{{Path: in, Orig: []byte("kind: Pod # fixed\n"), Data: []byte("kind: Pod # again\n")}}, WriteOptions{Tree: tree})
	if len(rep.Errors) != 0 || mustRead(t, filepath.Join(repo, "pod.yaml")) != "kind: Pod # again\n" {
		t.Errorf("a link inside the tree: %v", rep.Errors)
	}
	if fi, err := os.Lstat(in); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced by a file")
	}
}

// TestWriteRefusesSymlinkedParent: a directory of the tree that is a symlink out of it
// carries neither an edit nor a new file out.
func TestWriteRefusesSymlinkedParent(t *testing.T) {
	outside := testtree.Write(t, map[string]string{"pod.yaml": "kind: Pod\n"})
	root := testtree.Write(t, map[string]string{"repo/sub": "->" + outside, "repo/a.yaml": "a: 1\n"})
	repo := filepath.Join(root, "repo")
	tree := NewTree(repo)
	files := []*File{
		{Path: filepath.Join(repo, "sub", "pod.yaml"), Orig: []byte("kind: Pod\n"), Data: []byte("changed\n")},
		{Path: filepath.Join(repo, "sub", "networkpolicy-default-deny.yaml"), Created: true, Data: []byte("new\n")},
	}
	rep := Write(context.Background(), files, WriteOptions{Tree: tree})
	if len(rep.Errors) != 2 || len(rep.Written) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	for _, err := range rep.Errors {
		if !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), "a directory above it is a symlink") {
			t.Errorf("error = %v", err)
		}
	}
	if mustRead(t, filepath.Join(outside, "pod.yaml")) != "kind: Pod\n" {
		t.Errorf("written through the symlinked directory")
	}
	if _, err := os.Lstat(filepath.Join(outside, "networkpolicy-default-deny.yaml")); err == nil {
		t.Errorf("created through the symlinked directory")
	}
	if _, err := tree.ReadFile(filepath.Join(repo, "sub", "pod.yaml")); !errors.Is(err, ErrUnsafePath) {
		t.Errorf("read through the symlinked directory: %v", err)
	}
}

// TestWriteCreateNeverFollows: a name that appears (as a file or a symlink) between the
// fixes' look and the write is not written through or over.
func TestWriteCreateNeverFollows(t *testing.T) {
	outside := testtree.Write(t, map[string]string{"victim.yaml": "keep\n"})
	dir := testtree.Write(t, map[string]string{"x.yaml": "x: 1\n"})
	tree := NewTree(dir)
	ws := NewWorkspace(tree.ReadFile)
	f, err := ws.OpenOrCreate(filepath.Join(dir, "gen.yaml"))
	if err != nil || !f.Created {
		t.Fatalf("OpenOrCreate: %+v, %v", f, err)
	}
	f.Data = []byte("generated\n")
	// Planted after the read, inside the tree, pointing out of it.
	if err := os.Symlink(filepath.Join(outside, "victim.yaml"), f.Path); err != nil {
		t.Fatal(err)
	}
	rep := Write(context.Background(), []*File{f}, WriteOptions{Tree: tree})
	if len(rep.Errors) != 1 || mustRead(t, filepath.Join(outside, "victim.yaml")) != "keep\n" {
		t.Errorf("report %+v; victim %q", rep, mustRead(t, filepath.Join(outside, "victim.yaml")))
	}
	// Planted as a plain file: not overwritten either.
	os.Remove(f.Path)
	os.WriteFile(f.Path, []byte("someone else\n"), 0o644)
	rep = Write(context.Background(), []*File{f}, WriteOptions{Tree: tree})
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Error(), "created by something else") || mustRead(t, f.Path) != "someone else\n" {
		t.Errorf("report %+v", rep)
	}
	if left := tempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestWriteRefusesChangedSinceRead: a file edited on disk after the fixes read it is not
// replaced (the other change would be lost); the other files are written.
func TestWriteRefusesChangedSinceRead(t *testing.T) {
	dir := testtree.Write(t, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n"})
	tree := NewTree(dir)
	a := readInto(t, tree, filepath.Join(dir, "a.yaml"), "a: 2\n")
	b := readInto(t, tree, filepath.Join(dir, "b.yaml"), "b: 2\n")
	if err := os.WriteFile(a.Path, []byte("a: 1\nedited: meanwhile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := Write(context.Background(), []*File{a, b}, WriteOptions{Tree: tree})
	if len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], ErrChanged) || !strings.Contains(rep.Errors[0].Error(), "a.yaml: changed since it was read") {
		t.Fatalf("errors = %v", rep.Errors)
	}
	if got := mustRead(t, a.Path); got != "a: 1\nedited: meanwhile\n" {
		t.Errorf("the concurrent edit was overwritten: %q", got)
	}
	if got := mustRead(t, b.Path); got != "b: 2\n" {
		t.Errorf("b = %q", got)
	}
}

// TestWriteKeepsModeAndOwner: the replaced file has the mode, and (as root) the owner, of
// the original.
func TestWriteKeepsModeAndOwner(t *testing.T) {
	dir := testtree.Write(t, map[string]string{"a.yaml": "a: 1\n"})
	p := filepath.Join(dir, "a.yaml")
	if err := os.Chmod(p, 0o640); err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0
	if root {
		if err := os.Chown(p, 4321, 8765); err != nil {
			t.Fatal(err)
		}
	}
	f := readInto(t, NewTree(dir), p, "a: 2\n")
	if rep := Write(context.Background(), []*File{f}, WriteOptions{Tree: NewTree(dir)}); len(rep.Errors) > 0 {
		t.Fatal(rep.Errors)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	if uid, gid, ok := ownerOf(fi); ok && root && (uid != 4321 || gid != 8765) {
		t.Errorf("owner = %d:%d, want 4321:8765", uid, gid)
	}
	if !root {
		t.Log("not root: the owner is not checked")
	}
}

// TestWriteHardLinkInPlace: a file with two names is rewritten in place, so both names
// see the fix and stay one file.
func TestWriteHardLinkInPlace(t *testing.T) {
	dir := testtree.Write(t, map[string]string{"a.yaml": "a: 1\n"})
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	if err := os.Link(a, b); err != nil {
		t.Skip("no hard links:", err)
	}
	f := readInto(t, NewTree(dir), a, "a: 2 # fixed\n")
	if rep := Write(context.Background(), []*File{f}, WriteOptions{Tree: NewTree(dir)}); len(rep.Errors) > 0 {
		t.Fatal(rep.Errors)
	}
	if got := mustRead(t, b); got != "a: 2 # fixed\n" {
		t.Errorf("the other name still reads %q: the link was split", got)
	}
	fa, _ := os.Stat(a)
	fb, _ := os.Stat(b)
	if !os.SameFile(fa, fb) {
		t.Errorf("a.yaml and b.yaml are no longer one file")
	}

	// A failed write puts the old text back.
	orig := writeData
	defer func() { writeData = orig }()
	calls := 0
	writeData = func(fh *os.File, data []byte) (int, error) {
		calls++
		if calls == 1 {
			fh.Write(data[:3])
			return 3, errors.New("disk full")
		}
		return fh.Write(data)
	}
	f = readInto(t, NewTree(dir), a, "a: 3 # longer text\n")
	rep := Write(context.Background(), []*File{f}, WriteOptions{Tree: NewTree(dir)})
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Error(), "the old text was put back") {
		t.Errorf("errors = %v", rep.Errors)
	}
	if got := mustRead(t, b); got != "a: 2 # fixed\n" {
		t.Errorf("after a failed write: %q", got)
	}
}

// TestWriteInterrupted: a cancelled context (Ctrl-C) stops the writes: the file being
// written is left as it was with no temporary file, the files before it are written, and
// the report says which is which.
func TestWriteInterrupted(t *testing.T) {
	dir := testtree.Write(t, map[string]string{"a.yaml": "a: 1\n", "b.yaml": "b: 1\n", "c.yaml": "c: 1\n"})
	tree := NewTree(dir)
	var files []*File
	for _, n := range []string{"a", "b", "c"} {
		files = append(files, readInto(t, tree, filepath.Join(dir, n+".yaml"), n+": 2\n"))
	}
	files = append(files, &File{Path: filepath.Join(dir, "new.yaml"), Created: true, Data: []byte("n: 1\n")})
	ctx, cancel := context.WithCancel(context.Background())
	orig := writeData
	defer func() { writeData = orig }()
	n := 0
	writeData = func(fh *os.File, data []byte) (int, error) {
		n++
		if n == 2 { // the signal arrives while b.yaml is being written
			cancel()
		}
		return fh.Write(data)
	}
	rep := Write(ctx, files, WriteOptions{Tree: tree})
	if !rep.Interrupted || len(rep.Errors) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	if len(rep.Written) != 1 || rep.Written[0] != files[0].Path {
		t.Errorf("written = %v", rep.Written)
	}
	if len(rep.NotWritten) != 3 || rep.NotWritten[0] != files[1].Path {
		t.Errorf("not written = %v", rep.NotWritten)
	}
	if mustRead(t, files[0].Path) != "a: 2\n" || mustRead(t, files[1].Path) != "b: 1\n" || mustRead(t, files[2].Path) != "c: 1\n" {
		t.Errorf("contents after the interrupt are wrong")
	}
	if _, err := os.Lstat(files[3].Path); err == nil {
		t.Errorf("new.yaml was created after the interrupt")
	}
	if left := tempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Interrupted between files, before any write.
	done, stop := context.WithCancel(context.Background())
	stop()
	writeData = orig
	rep = Write(done, files[2:], WriteOptions{Tree: tree})
	if !rep.Interrupted || len(rep.Written) != 0 || len(rep.NotWritten) != 2 {
		t.Errorf("cancelled before the first file: %+v", rep)
	}
}

// TestWriteTempCleanedOnError: every failure after the temporary file exists removes it.
func TestWriteTempCleanedOnError(t *testing.T) {
	dir := testtree.Write(t, map[string]string{"a.yaml": "a: 1\n"})
	orig := renameFile
	defer func() { renameFile = orig }()
	renameFile = func(string, string) error { return errors.New("rename refused") }
	f := readInto(t, NewTree(dir), filepath.Join(dir, "a.yaml"), "a: 2\n")
	if rep := Write(context.Background(), []*File{f}, WriteOptions{Tree: NewTree(dir)}); len(rep.Errors) != 1 {
		t.Fatalf("report = %+v", rep)
	}
	if left := tempLeft(t, dir); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestAddObjectRefusesInvalidNames: a namespace that is not a DNS-1123 label, or a name
// that is not a DNS-1123 subdomain, is reported and never copied into a generated file.
func TestAddObjectRefusesInvalidNames(t *testing.T) {
	obj := parseOne(t, filepath.Join("app", "p.yaml"), podSrc)
	policy := func(ns, name string) string {
		return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n  podSelector: {}\n"
	}
	cases := []struct{ ns, name, want string }{
		{`"prod: {x: 1}"`, "deny", `namespace "prod: {x: 1}" is not a valid DNS-1123 label`},
		{`"a\nb"`, "deny", `namespace "a\nb" is not a valid DNS-1123 label`},
		{"Prod", "deny", `namespace "Prod" is not a valid DNS-1123 label`},
		{strings.Repeat("a", 64), "deny", "is not a valid DNS-1123 label"},
		{"prod", `"deny#x"`, `name "deny#x" is not a valid DNS-1123 subdomain`},
		{"prod", "Deny", `name "Deny" is not a valid DNS-1123 subdomain`},
	}
	for _, tc := range cases {
		add := finding.Change{Op: finding.AddObject, Value: policy(tc.ns, tc.name), FileName: "networkpolicy.yaml"}
		ws := NewWorkspace(memReader(map[string][]byte{"app/p.yaml": []byte(podSrc)}))
		res := Apply(ws, []finding.Finding{findingFor(obj, true, add)}, Options{})
		failed := res.Failed()
		if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), tc.want) {
			t.Errorf("ns %s name %s: outcomes %s", tc.ns, tc.name, res.Log())
		}
		if len(ws.Changed()) != 0 {
			t.Errorf("ns %s name %s: a file was generated", tc.ns, tc.name)
		}
	}
	// A valid one is written.
	ws := NewWorkspace(memReader(map[string][]byte{"app/p.yaml": []byte(podSrc)}))
	res := Apply(ws, []finding.Finding{findingFor(obj, true, finding.Change{Op: finding.AddObject, Value: policy("prod-1", "deny.ingress"), FileName: "networkpolicy.yaml"})}, Options{})
	if len(res.Failed()) != 0 || len(ws.Changed()) != 1 {
		t.Errorf("a valid object: %s", res.Log())
	}
}
