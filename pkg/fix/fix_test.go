package fix

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/internal/fixtest"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

const podSrc = `apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: shop
spec:
  containers:
  - name: app
    image: app:1
`

func parseOne(t *testing.T, file, src string) *manifest.Object {
	t.Helper()
	res := manifest.Parse(file, []byte(src), manifest.DefaultLimits)
	if res.Err != nil || len(res.Objects) == 0 {
		t.Fatalf("parse %s: %v", file, res.Err)
	}
	return res.Objects[0]
}

func findingFor(obj *manifest.Object, safe bool, chs ...finding.Change) finding.Finding {
	return finding.Finding{Check: "test", File: obj.File, Object: obj.Ref,
		Fix: &finding.Fix{Description: "test", Safe: safe, Changes: chs, Object: obj}}
}

func set(path string, v any) finding.Change {
	p, err := fixtest.ParsePath(path)
	if err != nil {
		panic(err)
	}
	return finding.Change{Op: finding.Set, Path: p, Value: v}
}

func TestFixIsAllOrNothing(t *testing.T) {
	obj := parseOne(t, "p.yaml", podSrc)
	ws := NewWorkspace(memReader(map[string][]byte{"p.yaml": []byte(podSrc)}))
	res := Apply(ws, []finding.Finding{findingFor(obj, true,
		set("spec.containers[name=app].securityContext.runAsNonRoot", true),
		set("spec.containers[name=nope].securityContext.runAsNonRoot", true),
	)}, Options{})
	if len(res.Failed()) != 1 {
		t.Fatalf("want the fix to fail, got %s", res.Log())
	}
	if len(ws.Changed()) != 0 {
		t.Errorf("a failed fix left changes behind")
	}
}

func TestUnsafeAndOverlayFixesAreSkipped(t *testing.T) {
	obj := parseOne(t, "p.yaml", podSrc)
	built := parseOne(t, "p.yaml", podSrc)
	built.Overlay = "overlays/prod"
	fs := []finding.Finding{
		findingFor(obj, false, set("spec.hostNetwork", false)),
		findingFor(built, true, set("spec.hostNetwork", false)),
		findingFor(obj, true), // advice only: not counted
	}
	ws := NewWorkspace(memReader(map[string][]byte{"p.yaml": []byte(podSrc)}))
	res := Apply(ws, fs, Options{})
	if got := res.Skipped(); got[SkipUnsafe] != 1 || got[SkipOverlay] != 1 || len(res.Outcomes) != 2 {
		t.Errorf("skipped = %v, outcomes %d", got, len(res.Outcomes))
	}
	if len(ws.Changed()) != 0 {
		t.Errorf("skipped fixes changed files")
	}

	// An overlay writer, when there is one, gets the fixes of built objects.
	ow := &fakeOverlay{}
	res = Apply(NewWorkspace(memReader(nil)), fs[1:2], Options{Overlay: ow})
	if ow.calls != 1 || ow.obj != built || len(ow.fixes) != 1 {
		t.Errorf("overlay writer called %d times with %v", ow.calls, ow.obj)
	}
	if fixes, changes := res.Fixed(); fixes != 1 || changes != 2 {
		t.Errorf("fixed = %d, %d", fixes, changes)
	}
}

type fakeOverlay struct {
	calls int
	obj   *manifest.Object
	fixes []*finding.Fix
}

func (f *fakeOverlay) FixOverlay(ws *Workspace, obj *manifest.Object, fixes []*finding.Fix) []Outcome {
	f.calls++
	f.obj, f.fixes = obj, fixes
	out := make([]Outcome, len(fixes))
	for i := range out {
		out[i].Changes = 2
	}
	return out
}

const netpol = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`

func TestAddObject(t *testing.T) {
	add := finding.Change{Op: finding.AddObject, Value: netpol, FileName: "networkpolicy.yaml"}
	obj := parseOne(t, filepath.Join("app", "p.yaml"), podSrc)

	t.Run("new file", func(t *testing.T) {
		ws := NewWorkspace(memReader(map[string][]byte{"app/p.yaml": []byte(podSrc)}))
		res := Apply(ws, []finding.Finding{findingFor(obj, true, add), findingFor(obj, true, add)}, Options{})
		ch := ws.Changed()
		if len(ch) != 1 || ch[0].Path != filepath.Join("app", "networkpolicy.yaml") || !ch[0].Created || string(ch[0].Data) != netpol {
			t.Fatalf("changed = %+v", ch)
		}
		if _, changes := res.Fixed(); changes != 1 {
			t.Errorf("the same object added twice: %d changes", changes)
		}
	})
	t.Run("appended to an existing file", func(t *testing.T) {
		existing := "# policies\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x"
		ws := NewWorkspace(memReader(map[string][]byte{"app/p.yaml": []byte(podSrc), "app/networkpolicy.yaml": []byte(existing)}))
		Apply(ws, []finding.Finding{findingFor(obj, true, add)}, Options{})
		f, _ := ws.Open("app/networkpolicy.yaml")
		want := existing + "\r\n---\r\n" + strings.ReplaceAll(netpol, "\n", "\r\n")
		if string(f.Data) != want {
			t.Errorf("got %q\nwant %q", f.Data, want)
		}
		// Already there: nothing to do.
		ws2 := NewWorkspace(memReader(map[string][]byte{"app/p.yaml": []byte(podSrc), "app/networkpolicy.yaml": f.Data}))
		Apply(ws2, []finding.Finding{findingFor(obj, true, add)}, Options{})
		if len(ws2.Changed()) != 0 {
			t.Errorf("adding an object that exists changed files")
		}
	})
	t.Run("stdin", func(t *testing.T) {
		in := parseOne(t, Stdin, podSrc)
		ws := NewWorkspace(memReader(map[string][]byte{Stdin: []byte(podSrc)}))
		Apply(ws, []finding.Finding{findingFor(in, true, set("spec.hostNetwork", false), add)}, Options{})
		f, _ := ws.Open(Stdin)
		if !strings.HasSuffix(string(f.Data), "  hostNetwork: false\n---\n"+netpol) {
			t.Errorf("stdin stream: %s", f.Data)
		}
	})
	t.Run("bad file name", func(t *testing.T) {
		bad := add
		bad.FileName = "../escape.yaml"
		ws := NewWorkspace(memReader(map[string][]byte{"app/p.yaml": []byte(podSrc)}))
		res := Apply(ws, []finding.Finding{findingFor(obj, true, set("spec.hostNetwork", false), bad)}, Options{})
		if len(res.Failed()) != 1 || len(ws.Changed()) != 0 {
			t.Errorf("a path in FileName was accepted: %s", res.Log())
		}
	})
}

func TestIndicesShiftAcrossFixes(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: a\n    securityContext:\n      capabilities:\n        add: [NET_ADMIN, SYS_ADMIN, NET_RAW, CHOWN]\n"
	obj := parseOne(t, "p.yaml", src)
	rm := func(i int) finding.Change {
		return finding.Change{Op: finding.Remove, Path: fieldpath.New("spec", "containers").
			Child(fieldpath.Select("name", "a")).Keys("securityContext", "capabilities", "add").Child(fieldpath.Index(i))}
	}
	ws := NewWorkspace(memReader(map[string][]byte{"p.yaml": []byte(src)}))
	// Indices are those of the text the checks read, whatever was removed before.
	Apply(ws, []finding.Finding{findingFor(obj, true, rm(1)), findingFor(obj, true, rm(3)), findingFor(obj, true, rm(0))}, Options{})
	f, _ := ws.Open("p.yaml")
	if !strings.Contains(string(f.Data), "add: [NET_RAW]\n") {
		t.Errorf("got:\n%s", f.Data)
	}
}

func TestEditsReproduceTheResult(t *testing.T) {
	before := []byte("a: 1\nb: 2\nc: 3\nd: 4\n")
	after := []byte("a: 1\nb: 20\nc: 3\nd: 4\ne: 5")
	edits := Edits(before, after)
	got, err := yamledit.Apply(before, edits)
	if err != nil || !bytes.Equal(got, after) {
		t.Errorf("yamledit.Apply(Edits) = %q, %v", got, err)
	}
	if len(edits) != 2 {
		t.Errorf("want 2 edits, got %+v", edits)
	}
	if _, err := yamledit.Apply(before, []yamledit.TextEdit{{Pos: 0, End: 3}, {Pos: 2, End: 4}}); err == nil {
		t.Errorf("overlapping edits accepted")
	}
}

func TestWriteDiffFormat(t *testing.T) {
	files := []*File{
		{Path: "./a.yaml", Orig: []byte("x: 1\ny: 2"), Data: []byte("x: 1\ny: 3")},
		{Path: "new.yaml", Data: []byte("k: v\n"), Created: true},
	}
	var b bytes.Buffer
	if err := WriteDiff(&b, files); err != nil {
		t.Fatal(err)
	}
	want := `diff --git a/a.yaml b/a.yaml
--- a/a.yaml
+++ b/a.yaml
@@ -1,2 +1,2 @@
 x: 1
-y: 2
\ No newline at end of file
+y: 3
\ No newline at end of file
diff --git a/new.yaml b/new.yaml
new file mode 100644
--- /dev/null
+++ b/new.yaml
@@ -0,0 +1 @@
+k: v
`
	if b.String() != want {
		t.Errorf("diff:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestDiffAppliesWithGit feeds the diff of every golden case to `git apply --check`.
func TestDiffAppliesWithGit(t *testing.T) {
	testenv.Tool(t, "git", "apt-get install -y git")
	dir := t.TempDir()
	if out, err := exec.Command("git", "-C", dir, "init", "-q").CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	cases, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	var files []*File
	for _, c := range cases {
		inputs, _ := filepath.Glob(filepath.Join(c, "input.*"))
		wants, _ := filepath.Glob(filepath.Join(c, "want.*"))
		if len(inputs) != 1 || len(wants) != 1 {
			continue
		}
		in, _ := os.ReadFile(inputs[0])
		want, _ := os.ReadFile(wants[0])
		name := filepath.Join(filepath.Base(c), filepath.Base(inputs[0]))
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), in, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, &File{Path: name, Orig: in, Data: want})
	}
	files = append(files, &File{Path: "added/networkpolicy.yaml", Data: []byte(netpol), Created: true})
	var patch bytes.Buffer
	if err := WriteDiff(&patch, files); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "apply", "-v", "-")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(patch.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s", err, out)
	}
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil || !bytes.Equal(got, f.Data) {
			t.Errorf("%s after git apply differs from the fixed text (%v)", f.Path, err)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "p.yaml")
	write := func(mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	leftovers := func() {
		t.Helper()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".kubectl-secure-") {
				t.Errorf("temporary file left behind: %s", e.Name())
			}
		}
	}

	t.Run("mode kept", func(t *testing.T) {
		write(0o640)
		if err := WriteFile(path, []byte("new\n"), false); err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(path)
		data, _ := os.ReadFile(path)
		if info.Mode().Perm() != 0o640 || string(data) != "new\n" {
			t.Errorf("mode %v, data %q", info.Mode().Perm(), data)
		}
		leftovers()
	})
	t.Run("read-only is an error", func(t *testing.T) {
		write(0o444)
		err := WriteFile(path, []byte("new\n"), false)
		if err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("err = %v", err)
		}
		if data, _ := os.ReadFile(path); string(data) != "old\n" {
			t.Errorf("read-only file changed: %q", data)
		}
	})
	for _, tc := range []struct {
		name string
		hook func()
	}{
		{"failed write", func() {
			writeData = func(f *os.File, data []byte) (int, error) {
				n, _ := f.Write(data[:len(data)/2])
				return n, errors.New("disk full")
			}
		}},
		{"failed rename", func() {
			renameFile = func(string, string) error { return errors.New("rename refused") }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write(0o644)
			origWrite, origRename := writeData, renameFile
			defer func() { writeData, renameFile = origWrite, origRename }()
			tc.hook()
			if err := WriteFile(path, []byte("a longer new text\n"), false); err == nil {
				t.Fatal("no error")
			}
			if data, _ := os.ReadFile(path); string(data) != "old\n" {
				t.Errorf("original damaged: %q", data)
			}
			leftovers()
		})
	}
	t.Run("through a symlink", func(t *testing.T) {
		write(0o644)
		link := filepath.Join(dir, "link.yaml")
		if err := os.Symlink("p.yaml", link); err != nil {
			t.Skip(err)
		}
		if err := WriteFile(link, []byte("via link\n"), false); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("the symlink was replaced by a file")
		}
		if data, _ := os.ReadFile(path); string(data) != "via link\n" {
			t.Errorf("target = %q", data)
		}
	})
	t.Run("new file", func(t *testing.T) {
		p := filepath.Join(dir, "new.yaml")
		if err := WriteFile(p, []byte("k: v\n"), true); err != nil {
			t.Fatal(err)
		}
		if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o644 {
			t.Errorf("new file: %v %v", info, err)
		}
		if err := WriteFile(filepath.Join(dir, "missing.yaml"), []byte("x"), false); err == nil {
			t.Errorf("writing a vanished file that should exist succeeded")
		}
	})
}

func TestApplyChanges(t *testing.T) {
	obj := parseOne(t, "p.yaml", podSrc)
	out, edits, err := ApplyChanges([]byte(podSrc), obj, []finding.Change{
		set("spec.containers[name=app].securityContext.runAsNonRoot", true),
		set("spec.containers[name=app].securityContext.allowPrivilegeEscalation", false),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := podSrc + "    securityContext:\n      runAsNonRoot: true\n      allowPrivilegeEscalation: false\n"
	if string(out) != want {
		t.Errorf("got:\n%s", out)
	}
	if len(edits) != 1 || edits[0].Pos != len(podSrc) || edits[0].End != len(podSrc) {
		t.Errorf("edits = %+v, want one insertion at the end", edits)
	}
}

// TestRefusesDuplicateKeys: the parser drops the earlier of two equal keys (the API server
// keeps the last), but a file with duplicate keys is never edited: which value a person
// meant is not known, and the text holds both.
func TestRefusesDuplicateKeys(t *testing.T) {
	for _, src := range []string{
		strings.Replace(podSrc, "    image: app:1\n", "    image: app:1\n    securityContext:\n      privileged: true\n      privileged: false\n", 1),
		strings.Replace(podSrc, "  name: p\n", "  name: p\n  name: p\n", 1),
	} {
		obj := parseOne(t, "p.yaml", src)
		out, _, err := ApplyChanges([]byte(src), obj, []finding.Change{
			set("spec.containers[name=app].securityContext.runAsNonRoot", true),
		})
		if err == nil || !strings.Contains(err.Error(), "duplicate key") && !strings.Contains(err.Error(), "already defined") {
			t.Errorf("ApplyChanges = %v, %q; want a refusal naming the duplicate key", err, out)
		}
	}
}
