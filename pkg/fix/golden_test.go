package fix

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/internal/fixtest"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenCase is one directory of testdata/golden: input.yaml (or input.json), changes.txt,
// and the pinned want.* and outcomes.txt.
type goldenCase struct {
	dir, input string
	src        []byte
	lines      []changeLine
}

// changeLine is one fix: "[Kind/name:] op path [value] [; op path [value]]...".
type changeLine struct {
	lineNo  int
	object  string // Kind/name, or "" for the first object
	changes []finding.Change
	unsafe  bool
}

func loadGolden(t *testing.T, dir string) goldenCase {
	t.Helper()
	inputs, _ := filepath.Glob(filepath.Join(dir, "input.*"))
	if len(inputs) != 1 {
		t.Fatalf("%s: want one input.* file, have %v", dir, inputs)
	}
	src, err := os.ReadFile(inputs[0])
	if err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile(filepath.Join(dir, "changes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	gc := goldenCase{dir: dir, input: inputs[0], src: src}
	for i, line := range strings.Split(string(spec), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cl := changeLine{lineNo: i + 1}
		if strings.HasPrefix(line, "unsafe ") {
			cl.unsafe, line = true, strings.TrimPrefix(line, "unsafe ")
		}
		if obj, rest, ok := strings.Cut(line, ": "); ok && strings.Contains(obj, "/") && !strings.Contains(obj, " ") {
			cl.object, line = obj, rest
		}
		for _, part := range strings.Split(line, ";") {
			ch, err := fixtest.ParseChange(strings.TrimSpace(part))
			if err != nil {
				t.Fatalf("%s/changes.txt:%d: %v", dir, i+1, err)
			}
			cl.changes = append(cl.changes, ch)
		}
		gc.lines = append(gc.lines, cl)
	}
	return gc
}

// findings builds one finding per change line against the objects parsed from src.
func (gc goldenCase) findings(t *testing.T, name string, src []byte) []finding.Finding {
	t.Helper()
	res := manifest.Parse(name, src, manifest.DefaultLimits)
	if res.Err != nil {
		t.Fatalf("%s does not parse: %v", name, res.Err)
	}
	var fs []finding.Finding
	for _, cl := range gc.lines {
		var obj *manifest.Object
		for _, o := range res.Objects {
			if cl.object == "" || o.Ref.Kind+"/"+o.Ref.Name == cl.object {
				obj = o
				break
			}
		}
		if obj == nil {
			t.Fatalf("changes.txt:%d: no object %q in %s", cl.lineNo, cl.object, name)
		}
		fs = append(fs, finding.Finding{
			Check: fmt.Sprintf("changes.txt:%d", cl.lineNo), File: name, Object: obj.Ref,
			Fix: &finding.Fix{Description: "test", Safe: !cl.unsafe, Changes: cl.changes, Object: obj},
		})
	}
	return fs
}

func memReader(files map[string][]byte) func(string) ([]byte, error) {
	return func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
	}
}

func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			gc := loadGolden(t, dir)
			name := filepath.Base(gc.input)
			ws := NewWorkspace(memReader(map[string][]byte{name: gc.src}))
			res := Apply(ws, gc.findings(t, name, gc.src), Options{Unsafe: true})
			f, err := ws.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			got := f.Data
			ext := filepath.Ext(name)
			compareGolden(t, filepath.Join(dir, "want"+ext), got)
			compareGolden(t, filepath.Join(dir, "outcomes.txt"), []byte(res.Log()))

			// The result parses to the same objects, in the same order.
			before := manifest.Parse(name, gc.src, manifest.DefaultLimits)
			after := manifest.Parse(name, got, manifest.DefaultLimits)
			if after.Err != nil {
				t.Fatalf("fixed file does not parse: %v", after.Err)
			}
			if refs(before.Objects) != refs(after.Objects) {
				t.Errorf("objects changed: %s -> %s", refs(before.Objects), refs(after.Objects))
			}
			if bytes.Contains(gc.src, []byte("\r\n")) && bytes.Count(got, []byte("\n")) != bytes.Count(got, []byte("\r\n")) {
				t.Errorf("CRLF file got LF line endings")
			}

			// Idempotence: the same fixes on the fixed text change nothing. Removing a list
			// element by index is left out: the index then names the next element, and a
			// re-run of the checks would not report it again.
			again := gc
			again.lines = nil
			for _, cl := range gc.lines {
				if !fixtest.RemovesByIndex(cl.changes) {
					again.lines = append(again.lines, cl)
				}
			}
			ws2 := NewWorkspace(memReader(map[string][]byte{name: got}))
			res2 := Apply(ws2, again.findings(t, name, got), Options{Unsafe: true})
			f2, _ := ws2.Open(name)
			if !bytes.Equal(f2.Data, got) {
				t.Errorf("second application changed the file:\n%s", f2.Data)
			}
			for _, o := range res2.Outcomes {
				if o.Changes != 0 {
					t.Errorf("second application of %s made %d changes", o.Finding.Check, o.Changes)
				}
				if first := res.OutcomeOf(o.Finding.Check); (o.Err == nil) != (first.Err == nil) {
					t.Errorf("second application of %s: error %v, first time %v", o.Finding.Check, o.Err, first.Err)
				}
			}
		})
	}
}

func refs(objs []*manifest.Object) string {
	var s []string
	for _, o := range objs {
		s = append(s, o.Ref.Kind+"/"+o.Ref.Name)
	}
	return strings.Join(s, ",")
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		var diff bytes.Buffer
		_ = WriteDiff(&diff, []*File{{Path: path, Orig: want, Data: got}})
		t.Errorf("%s differs (run with -update after checking):\n%s", path, diff.String())
	}
}
