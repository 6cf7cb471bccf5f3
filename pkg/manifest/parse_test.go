package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

func TestParseInputs(t *testing.T) {
	cases := []struct {
		file     string
		objects  []string // Kind/name of the objects expected
		errLine  int
		errMatch string // substring of the error; "" means no error
	}{
		{file: "pod.yaml", objects: []string{"Pod/debug"}},
		{file: "multi.yaml", objects: []string{"ServiceAccount/worker", "CronJob/nightly"}},
		{file: "list.json", objects: []string{"Pod/from-json"}},
		{file: "values.yaml"},
		{file: "empty.yaml"},
		{file: "broken.yaml", errLine: 7, errMatch: "invalid YAML"},
		{file: "bomb.yaml", errLine: 7, errMatch: "YAML aliases"},
		{file: "deep.json", errLine: 1, errMatch: "nesting deeper than 500"},
		{file: "binary.yaml", errMatch: "not a text file"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "inputs", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res := Parse(tc.file, data, DefaultLimits)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("parse took %v", d)
			}
			var got []string
			for _, o := range res.Objects {
				got = append(got, o.Ref.Kind+"/"+o.Ref.Name)
			}
			if strings.Join(got, ",") != strings.Join(tc.objects, ",") {
				t.Errorf("objects = %v, want %v", got, tc.objects)
			}
			switch {
			case tc.errMatch == "" && res.Err != nil:
				t.Errorf("unexpected error: %v", res.Err)
			case tc.errMatch != "" && res.Err == nil:
				t.Errorf("no error, want %q", tc.errMatch)
			case tc.errMatch != "":
				if !strings.Contains(res.Err.Message, tc.errMatch) || res.Err.Line != tc.errLine || res.Err.File != tc.file {
					t.Errorf("error = %+v, want line %d matching %q", res.Err, tc.errLine, tc.errMatch)
				}
			}
		})
	}
}

// TestNestingLimit: brackets in text are not nesting. A document the builder takes (its own
// depth is bounded) is not scanned for brackets, so a script full of them in a ConfigMap is
// linted; a stream bound for yaml.v3 is refused at the line where nesting passes the limit,
// whichever document holds it and whether or not an earlier one was built.
func TestNestingLimit(t *testing.T) {
	brackets := strings.Repeat("[", 600)
	deepFlow := "a: " + strings.Repeat("[", 501) + strings.Repeat("]", 501) + "\n"
	configMap := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\ndata:\n  run.sh: |\n    echo '" + brackets + "'\n  plain: x" + brackets + "\n"
	for _, tc := range []struct {
		name, text string
		objects    int
		errLine    int
	}{
		{"brackets in a block scalar and a plain scalar", configMap, 1, 0},
		{"deep flow after a built document", configMap + "---\n" + deepFlow, 0, 10},
		{"deep flow before a built document", deepFlow + "---\n" + configMap, 0, 1},
		{"deep flow in a stream that is not split", "%YAML 1.2\n---\n" + deepFlow, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Parse("f.yaml", []byte(tc.text), DefaultLimits)
			if len(res.Objects) != tc.objects {
				t.Errorf("%d objects, want %d", len(res.Objects), tc.objects)
			}
			switch {
			case tc.errLine == 0 && res.Err != nil:
				t.Errorf("unexpected error: %v", res.Err)
			case tc.errLine != 0 && (res.Err == nil || res.Err.Line != tc.errLine || !strings.Contains(res.Err.Message, "nesting deeper than 500")):
				t.Errorf("error %+v, want nesting deeper than 500 at line %d", res.Err, tc.errLine)
			}
		})
	}
}

func TestPositionsAreFileAbsolute(t *testing.T) {
	src := "# comment\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: a\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: b\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: x\r\n"
	res := Parse("f.yaml", []byte(src), DefaultLimits)
	if res.Err != nil || len(res.Objects) != 2 {
		t.Fatalf("parse: %v, %d objects", res.Err, len(res.Objects))
	}
	b := res.Objects[1]
	if b.Doc != 1 {
		t.Errorf("doc index = %d, want 1", b.Doc)
	}
	pos := b.Locate(fieldpath.New("spec", "containers").Child(fieldpath.Select("name", "c")).Keys("image"))
	if pos.Line != 14 || pos.Column != 12 || pos.File != "f.yaml" {
		t.Errorf("image at %+v, want f.yaml:14:12", pos)
	}
	// A missing field is located at the nearest existing parent: the container.
	pos = b.Locate(fieldpath.New("spec", "containers").Child(fieldpath.Select("name", "c")).Keys("securityContext", "privileged"))
	if pos.Line != 13 || pos.Column != 5 {
		t.Errorf("missing field at %+v, want 13:5", pos)
	}
}

func TestLimits(t *testing.T) {
	lim := DefaultLimits
	lim.MaxFileBytes = 10
	if res := Parse("big.yaml", []byte("apiVersion: v1\nkind: Pod\n"), lim); res.Err == nil || !strings.Contains(res.Err.Message, "byte limit") {
		t.Errorf("size limit: %v", res.Err)
	}
	lim = DefaultLimits
	lim.MaxDocuments = 2
	if res := Parse("docs.yaml", []byte("a: 1\n---\na: 2\n---\na: 3\n"), lim); res.Err == nil || !strings.Contains(res.Err.Message, "documents") {
		t.Errorf("document limit: %v", res.Err)
	}
	// Brackets in quotes, comments and block scalars do not count as nesting.
	src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x # [[[[\ndata:\n  a: \"" + strings.Repeat("[", 600) + "\"\n"
	if res := Parse("q.yaml", []byte(src), DefaultLimits); res.Err != nil {
		t.Errorf("quoted brackets counted as nesting: %v", res.Err)
	}
}

func TestAliasesResolve(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - &c\n    name: a\n    securityContext: {privileged: true}\n  - <<: *c\n    name: b\n"
	res := Parse("a.yaml", []byte(src), DefaultLimits)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	n := res.Objects[0].Get(fieldpath.New("spec", "containers").Child(fieldpath.Select("name", "b")).Keys("securityContext", "privileged"))
	if v, ok := fieldpath.Bool(n); !ok || !v {
		t.Errorf("merge key not followed: %v", n)
	}
}

// TestRelease: a released object has no tree, and answers where it starts and its first
// line as before; releasing twice changes nothing.
func TestRelease(t *testing.T) {
	res := Parse("r.yaml", []byte("# head\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n"), DefaultLimits)
	if res.Err != nil || len(res.Objects) != 2 {
		t.Fatalf("parse: %v, %d objects", res.Err, len(res.Objects))
	}
	for _, o := range res.Objects {
		at, line := o.Locate(nil), o.StartLine()
		o.Release()
		o.Release()
		if o.Root != nil || !o.Released() {
			t.Errorf("%s: tree kept after Release", o.Ref)
		}
		if got := o.Locate(fieldpath.New("metadata", "name")); got != at {
			t.Errorf("%s: released Locate = %v, want the object's position %v", o.Ref, got, at)
		}
		if o.StartLine() != line || line == 0 {
			t.Errorf("%s: StartLine %d after Release, %d before", o.Ref, o.StartLine(), line)
		}
	}
	if got := res.Objects[1].StartLine(); got != 8 {
		t.Errorf("second object starts on line %d, want 8", got)
	}
}

// TestObjectsDoNotAliasInput: the loader reads file after file into one reused buffer, so
// nothing an object keeps may point into the bytes it was parsed from. Parse every test
// file, overwrite the bytes, and the trees must read the same.
func TestObjectsDoNotAliasInput(t *testing.T) {
	var files []string
	filepath.WalkDir(filepath.Join("..", "..", "testdata"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".json")) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 20 {
		t.Fatalf("only %d test files", len(files))
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		res := Parse(file, data, DefaultLimits)
		before := dumpObjects(res.Objects)
		for i := range data {
			data[i] = 'x'
		}
		if after := dumpObjects(res.Objects); after != before {
			t.Errorf("%s: the objects changed with the bytes they were parsed from", file)
		}
	}
}

func dumpObjects(objs []*Object) string {
	var b strings.Builder
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil {
			return
		}
		fmt.Fprintf(&b, "%d %s %q %d:%d\n", n.Kind, n.Tag, n.Value, n.Line, n.Column)
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, o := range objs {
		fmt.Fprintf(&b, "%v\n", o.Ref)
		walk(o.Root)
	}
	return b.String()
}
