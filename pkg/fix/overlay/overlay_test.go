package overlay

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/internal/fixtest"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/overlay")

// An overlay case is a directory of testdata/overlay: in/ is a tree of kustomizations,
// fixes.txt the fixes, one per line:
//
//	fix-to: overlay|source               (optional; default: decided per object)
//	DIR Kind/name: op path [value] [; op path [value]]...
//	DIR Kind/name: add FILE VALUEFILE     (AddObject, the object read from VALUEFILE)
//
// DIR is the kustomization to build and Kind/name the built object (a glob: generated
// names carry a hash). want.txt pins the
// outcomes and every file the fixes changed or created.
type overlayCase struct {
	dir   string
	to    FixTo
	lines []overlayLine
}

type overlayLine struct {
	lineNo  int
	build   string
	object  string
	changes []finding.Change
}

func loadOverlayCase(t *testing.T, dir string) overlayCase {
	t.Helper()
	spec, err := os.ReadFile(filepath.Join(dir, "fixes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	oc := overlayCase{dir: dir}
	for i, line := range strings.Split(string(spec), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if v, ok := strings.CutPrefix(line, "fix-to:"); ok {
			if oc.to, err = ParseFixTo(strings.TrimSpace(v)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		build, rest, _ := strings.Cut(line, " ")
		obj, rest, ok := strings.Cut(rest, ": ")
		if !ok {
			t.Fatalf("%s/fixes.txt:%d: want DIR Kind/name: changes", dir, i+1)
		}
		ol := overlayLine{lineNo: i + 1, build: build, object: obj}
		for _, part := range strings.Split(rest, ";") {
			part = strings.TrimSpace(part)
			if f := strings.Fields(part); len(f) == 3 && f[0] == "add" {
				value, err := os.ReadFile(filepath.Join(dir, f[2]))
				if err != nil {
					t.Fatal(err)
				}
				ol.changes = append(ol.changes, finding.Change{Op: finding.AddObject, FileName: f[1], Value: string(value)})
				continue
			}
			ch, err := fixtest.ParseChange(part)
			if err != nil {
				t.Fatalf("%s/fixes.txt:%d: %v", dir, i+1, err)
			}
			ol.changes = append(ol.changes, ch)
		}
		oc.lines = append(oc.lines, ol)
	}
	return oc
}

// findings builds the overlays of root and one finding per fix line.
func (oc overlayCase) findings(t *testing.T, root string) []finding.Finding {
	t.Helper()
	built := map[string][]*manifest.Object{}
	var fs []finding.Finding
	for _, l := range oc.lines {
		objs, ok := built[l.build]
		if !ok {
			var err error
			if objs, err = kustomize.Build(filepath.Join(root, l.build), nil); err != nil {
				t.Fatalf("building %s: %v", l.build, err)
			}
			built[l.build] = objs
		}
		var obj *manifest.Object
		for _, o := range objs {
			if ok, _ := path.Match(l.object, o.Ref.Kind+"/"+o.Ref.Name); ok {
				obj = o
			}
		}
		if obj == nil {
			t.Fatalf("fixes.txt:%d: %s builds no %s", l.lineNo, l.build, l.object)
		}
		fs = append(fs, finding.Finding{
			Check: fmt.Sprintf("fixes.txt:%d", l.lineNo), File: obj.File, Object: obj.Ref,
			Fix: &finding.Fix{Description: "test", Changes: l.changes, Object: obj},
		})
	}
	return fs
}

// readTree maps every file below root (relative, slash-separated) to its content.
func readTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (oc overlayCase) apply(t *testing.T, root string) (*fix.Result, *fix.Workspace) {
	t.Helper()
	ws := fix.NewWorkspace(nil)
	res := fix.Apply(ws, oc.findings(t, root), fix.Options{Unsafe: true, Overlay: NewKustomizeWriter(oc.to)})
	for _, err := range fix.WriteFiles(ws.Changed()) {
		t.Fatal(err)
	}
	return res, ws
}

func TestOverlayGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "overlay", "*"))
	if len(dirs) == 0 {
		t.Fatal("no overlay cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			oc := loadOverlayCase(t, dir)
			root := t.TempDir()
			if err := fixtest.CopyTree(filepath.Join(dir, "in"), root); err != nil {
				t.Fatal(err)
			}
			before := readTree(t, root)
			res, _ := oc.apply(t, root)
			after := readTree(t, root)

			var b strings.Builder
			b.WriteString("=== outcomes\n")
			b.WriteString(strings.ReplaceAll(res.Log(), root+string(filepath.Separator), ""))
			var names []string
			for name := range after {
				if after[name] != before[name] {
					names = append(names, name)
				}
			}
			sort.Strings(names)
			for _, name := range names {
				state := "changed"
				if _, ok := before[name]; !ok {
					state = "new"
				}
				fmt.Fprintf(&b, "=== %s (%s)\n%s", name, state, after[name])
				if !strings.HasSuffix(after[name], "\n") {
					b.WriteString("\n")
				}
			}
			testenv.Golden(t, filepath.Join(dir, "want.txt"), []byte(b.String()), *update)

			// Every fix that went in builds; the same fixes again change nothing.
			for name := range before {
				if _, ok := after[name]; !ok {
					t.Errorf("%s was removed", name)
				}
			}
			again := oc
			again.lines = nil
			for _, l := range oc.lines {
				if !fixtest.RemovesByIndex(l.changes) {
					again.lines = append(again.lines, l)
				}
			}
			res2, _ := again.apply(t, root)
			if tree := readTree(t, root); !equalTrees(after, tree) {
				t.Errorf("a second run changed files")
			}
			for _, o := range res2.Outcomes {
				first := res.OutcomeOf(o.Finding.Check)
				if o.Changes != 0 {
					t.Errorf("second run of %s made %d changes", o.Finding.Check, o.Changes)
				}
				if first.Err == nil && o.Err != nil {
					t.Errorf("second run of %s: %v", o.Finding.Check, o.Err)
				}
			}
		})
	}
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestOverlayWorkspaceIsWhatIsWritten: fixes stay in the workspace until written (--diff
// shows them, new files included), and overlay mode changes nothing outside the overlays.
func TestOverlayWorkspaceIsWhatIsWritten(t *testing.T) {
	dir := filepath.Join("testdata", "overlay", "new-patch")
	oc := loadOverlayCase(t, dir)
	root := t.TempDir()
	if err := fixtest.CopyTree(filepath.Join(dir, "in"), root); err != nil {
		t.Fatal(err)
	}
	ws := fix.NewWorkspace(nil)
	fix.Apply(ws, oc.findings(t, root), fix.Options{Unsafe: true, Overlay: NewKustomizeWriter(oc.to)})
	changed := ws.Changed()
	if len(changed) == 0 {
		t.Fatal("nothing changed")
	}
	var diff bytes.Buffer
	if err := fix.WriteDiff(&diff, changed); err != nil {
		t.Fatal(err)
	}
	for _, f := range changed {
		if !within(filepath.Join(root, "overlays"), f.Path) {
			t.Errorf("overlay mode changed %s, outside the overlay", f.Path)
		}
		if f.Created && !strings.Contains(diff.String(), "+++ b/"+filepath.ToSlash(f.Path)) {
			t.Errorf("the diff does not create %s", f.Path)
		}
	}
	if disk := readTree(t, root); disk["overlays/prod/"+PatchFileName] != "" {
		t.Errorf("the workspace wrote to disk")
	}
}

func TestParseFixTo(t *testing.T) {
	for _, s := range []string{"", "overlay", "source"} {
		if _, err := ParseFixTo(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseFixTo("base"); err == nil {
		t.Error("base: no error")
	}
}

// TestPatchStepsAndEnsure pins how new patch content is written: in the style of the
// document, into block and flow collections, keeping comments and line endings.
func TestPatchStepsAndEnsure(t *testing.T) {
	cases := []struct {
		name, src string
		steps     []yamledit.PatchStep
		leaf      string
		want      string
	}{
		{name: "new key at the end", src: "a: 1\nb:\n  c: 2\n",
			steps: []yamledit.PatchStep{{Key: "b"}, {Key: "d"}, {Key: "e"}}, leaf: "true",
			want: "a: 1\nb:\n  c: 2\n  d:\n    e: true\n"},
		{name: "new list item, flush sequences", src: "spec:\n  containers:\n  - name: a\n    image: x\n",
			steps: []yamledit.PatchStep{{Key: "spec"}, {Key: "containers"}, {Item: mapOf("name", "b"), Match: []string{"name"}}, {Key: "imagePullPolicy"}}, leaf: "Always",
			want: "spec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    imagePullPolicy: Always\n"},
		{name: "built order kept", src: "c:\n  - name: b\n    x: 1\n",
			steps: []yamledit.PatchStep{{Key: "c"}, {Item: mapOf("name", "c"), Match: []string{"name"}, Ordered: true,
				Before: []yamledit.PatchStep{{Item: mapOf("name", "a"), Match: []string{"name"}}, {Item: mapOf("name", "b"), Match: []string{"name"}}}}, {Key: "z"}}, leaf: "2",
			want: "c:\n  - name: a\n  - name: b\n    x: 1\n  - name: c\n    z: 2\n"},
		{name: "first in the built order", src: "c:\n  - name: b\n",
			steps: []yamledit.PatchStep{{Key: "c"}, {Item: mapOf("name", "a"), Match: []string{"name"}, Ordered: true}, {Key: "z"}}, leaf: "2",
			want: "c:\n  - name: a\n    z: 2\n  - name: b\n"},
		{name: "into a flow list", src: "resources: [a.yaml] # keep\n",
			steps: []yamledit.PatchStep{{Key: "resources"}, {Scalar: yamledit.StrNode("b.yaml")}},
			want:  "resources: [a.yaml, b.yaml] # keep\n"},
		{name: "fill an empty key", src: "patches:\nkind: K\n",
			steps: []yamledit.PatchStep{{Key: "patches"}, {Item: mapOf("path", "p.yaml"), Match: []string{"path"}}},
			want:  "patches:\n  - path: p.yaml\nkind: K\n"},
		{name: "replace a list", src: "drop: [NET_RAW] # why\nx: 1\n",
			steps: []yamledit.PatchStep{{Key: "drop"}}, leaf: "[NET_RAW, ALL]",
			want: "drop:\n  - NET_RAW\n  - ALL # why\nx: 1\n"},
		{name: "null", src: "hostPID: true\n", steps: []yamledit.PatchStep{{Key: "hostPID"}}, leaf: "null", want: "hostPID: null\n"},
		{name: "already there", src: "a:\n  b: null\n", steps: []yamledit.PatchStep{{Key: "a"}, {Key: "b"}}, leaf: "null", want: "a:\n  b: null\n"},
		{name: "crlf", src: "a:\r\n  b: 1\r\n", steps: []yamledit.PatchStep{{Key: "a"}, {Key: "c"}}, leaf: "2", want: "a:\r\n  b: 1\r\n  c: 2\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fix.File{Path: "k.yaml", Data: []byte(tc.src)}
			var leaf *yaml.Node
			if tc.leaf != "" {
				var doc yaml.Node
				if err := yaml.Unmarshal([]byte(tc.leaf), &doc); err != nil {
					t.Fatal(err)
				}
				leaf = doc.Content[0]
			}
			if _, err := ensureInDoc(f, 0, nil, tc.steps, leaf); err != nil {
				t.Fatal(err)
			}
			if string(f.Data) != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", f.Data, tc.want)
			}
		})
	}
}

func mapOf(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, yamledit.StrNode(kv[i]), yamledit.StrNode(kv[i+1]))
	}
	return m
}
