package chartfix

import (
	"os"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
)

// TestSetValue: a values leaf is set in place (comments and the rest kept), a missing key
// is added under its mapping, an empty or comments-only file gets the path written out,
// and a value already in place changes nothing.
func TestSetValue(t *testing.T) {
	tests := []struct {
		name, src string
		path      []any
		value     any
		want      string
		changed   bool
	}{
		{name: "set a leaf, comment kept", src: "# top\na:\n  b: false # why\n  c: 1\n", path: []any{"a", "b"}, value: true,
			want: "# top\na:\n  b: true # why\n  c: 1\n", changed: true},
		{name: "add under a mapping", src: "a:\n  c: 1\nd: x\n", path: []any{"a", "b"}, value: false,
			want: "a:\n  c: 1\n  b: false\nd: x\n", changed: true},
		{name: "add a mapping on the way", src: "a:\n  c: 1\n", path: []any{"a", "s", "t"}, value: "RuntimeDefault",
			want: "a:\n  c: 1\n  s:\n    t: RuntimeDefault\n", changed: true},
		{name: "empty file", src: "", path: []any{"a", "b"}, value: true, want: "a:\n  b: true\n", changed: true},
		{name: "comments only", src: "# overrides", path: []any{"a"}, value: true, want: "# overrides\na: true\n", changed: true},
		{name: "already in place", src: "a:\n  b: true\n", path: []any{"a", "b"}, value: true, want: "a:\n  b: true\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ws := fix.NewWorkspace(func(string) ([]byte, error) { return []byte(tc.src), nil })
			changed, err := setValue(ws, edit{file: "v.yaml", path: tc.path, value: tc.value})
			if err != nil {
				t.Fatal(err)
			}
			f, _ := ws.Open("v.yaml")
			if changed != tc.changed || string(f.Data) != tc.want {
				t.Errorf("changed %v, got\n%s\nwant\n%s", changed, f.Data, tc.want)
			}
		})
	}
}

// TestSetValueCreatesFile: an override values file that does not exist is created.
func TestSetValueCreatesFile(t *testing.T) {
	ws := fix.NewWorkspace(func(p string) ([]byte, error) { return nil, os.ErrNotExist })
	if _, err := setValue(ws, edit{file: "o.yaml", path: []any{"x"}, value: "y"}); err != nil {
		t.Fatal(err)
	}
	if ch := ws.Changed(); len(ch) != 1 || !ch[0].Created || string(ch[0].Data) != "x: \"y\"\n" && string(ch[0].Data) != "x: y\n" {
		t.Errorf("changed %+v", ch)
	}
}

// TestSetValueSeveralDocuments: a values file of several documents is not edited.
func TestSetValueSeveralDocuments(t *testing.T) {
	ws := fix.NewWorkspace(func(string) ([]byte, error) { return []byte("a: 1\n---\na: 2\n"), nil })
	if _, err := setValue(ws, edit{file: "v.yaml", path: []any{"a"}, value: 3}); err == nil {
		t.Error("edited a values file of several documents")
	}
}

// TestValuesFile reads --fix-to values-file=FILE.
func TestValuesFile(t *testing.T) {
	if f, ok := ValuesFile("values-file=o.yaml"); !ok || f != "o.yaml" {
		t.Errorf("got %q %v", f, ok)
	}
	if _, ok := ValuesFile("overlay"); ok {
		t.Error("overlay read as a values file")
	}
}
