package manifest

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// TestUnusualLineBreaks pins positions to '\n' lines, the lines editors and CI annotations
// count, whatever else YAML takes for a line break.
func TestUnusualLineBreaks(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
	cases := []struct {
		name       string
		src        string
		line, col  int // of metadata.name's value
		errLine    int
		errMessage bool
	}{
		{name: "plain", src: pod, line: 4, col: 9},
		{name: "crlf", src: "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\n", line: 4, col: 9},
		{name: "LS in a comment", src: "# a\u2028# b\n" + pod, line: 5, col: 9},
		{name: "NEL and PS in a string", src: "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {a: \"x\u0085y\u2029z\"}\n  name: p\n", line: 5, col: 9},
		{name: "lone CR", src: "apiVersion: v1\rkind: Pod\rmetadata:\r  name: p\n", line: 1, col: 44},
		{name: "break before the value", src: "apiVersion: v1\nkind: Pod\nmetadata: # \u2028\n  name: p\n", line: 4, col: 9},
		{name: "error after a lone CR", src: "a: \r0", errLine: 1, errMessage: true},
		// The per-document path must see the stray text as the whole-stream parse does.
		{name: "CRD file with text after a document", src: pod + "---\nkind: CustomResourceDefinition\napiVersion: x/v1\n---\n00\n:", errLine: 9, errMessage: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Parse("f.yaml", []byte(tc.src), DefaultLimits)
			if tc.errMessage {
				if res.Err == nil || res.Err.Line != tc.errLine {
					t.Fatalf("error = %v, want one at line %d", res.Err, tc.errLine)
				}
				return
			}
			if res.Err != nil || len(res.Objects) != 1 {
				t.Fatalf("got %d objects, error %v", len(res.Objects), res.Err)
			}
			pos := res.Objects[0].Locate(fieldpath.New("metadata", "name"))
			if pos.Line != tc.line || pos.Column != tc.col {
				t.Errorf("metadata.name at %d:%d, want %d:%d", pos.Line, pos.Column, tc.line, tc.col)
			}
		})
	}
}

// TestEmptyNodeAtEnd: yaml.v3 puts the missing value of a final explicit key on a line
// after the last one when the file does not end with a line break.
func TestEmptyNodeAtEnd(t *testing.T) {
	for _, src := range []string{
		"apiVersion: v1\nkind: Pod\n? k",
		"kind: CustomResourceDefinition\n---\napiVersion: v1\nkind: Pod\n? k", // the per-document path
	} {
		res := Parse("f.yaml", []byte(src), DefaultLimits)
		if res.Err != nil || len(res.Objects) != 1 {
			t.Fatalf("%q: %d objects, error %v", src, len(res.Objects), res.Err)
		}
		lines := strings.Count(src, "\n") + 1
		pos := res.Objects[0].Locate(fieldpath.New("k"))
		if pos.Line != lines || pos.Column != 4 {
			t.Errorf("%q: k's value at %d:%d, want %d:4, the end of the file", src, pos.Line, pos.Column, lines)
		}
	}
}
