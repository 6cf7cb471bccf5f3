package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// yamlAccepts reports whether yaml.v3 decodes every document of text without error.
func yamlAccepts(text []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

func TestValidBlockYAML(t *testing.T) {
	cases := []struct {
		name, src string
		want      bool
	}{
		{"mapping", "a: 1\nb:\n  c: x\n  d: [] # empty\n", true},
		{"non-indented sequence", "a:\n- x\n- y: 1\n  z: 2\nb: 1\n", true},
		{"block scalar", "a: |\n  line: one\n   more\n\n  end\nb: >-\n  folded\n", true},
		{"multi-line plain", "description: one\n  two three\n\n  four\nnext: 1\n", true},
		{"quoted", "a: \"x\\\"y\"\n'b': 'it''s'\n\"c\": 2\n", true},
		{"comments", "# top\na: 1 # trailing\n  # indented\nb: 2\n", true},
		{"crlf", "a: 1\r\nb:\r\n  - c\r\n", true},
		{"empty block scalar at end", "a: |\n", true},
		// Whatever the validator is unsure about, it refuses.
		{"bad indentation", "a: 1\n  b: 2\n", false},
		{"value then mapping", "a: x: y\n", false},
		{"tab", "a:\n\tb: 1\n", false},
		{"anchor", "a: &x 1\nb: *x\n", false},
		{"flow mapping", "a: {b: 1}\n", false},
		{"explicit indentation", "a: |2\n  x\n", false},
		{"less indented block line", "a: |\n    x\n  y\n", false},
		{"comment inside plain", "a: x\n  # c\n  y\n", false},
		{"comment then continuation", "a: b #c\n  d\n", false},
		{"indented root", "  a: 1\n", false},
		{"unclosed quote", "a: \"x\n", false},
		{"key with space", "a b: 1\n", false},
		{"merge key", "<<: {}\n", false},
		{"control char", "a: \x01\n", false},
		{"C1 control", "a: \u0085x\u0086\n", false},
		{"leading blank deeper", "a: |\n    \n  x\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := validBlockYAML([]byte(tc.src))
			if got != tc.want {
				t.Errorf("validBlockYAML = %v, want %v", got, tc.want)
			}
			if got && !yamlAccepts([]byte(tc.src)) {
				t.Errorf("validator accepted text yaml.v3 refuses")
			}
		})
	}
}

func TestSplitDocuments(t *testing.T) {
	cases := []struct {
		src   string
		lines []int // start line of each counted segment
	}{
		{"a: 1\n", []int{0}},
		{"# c\n---\na: 1\n", []int{2}},
		{"---\na: 1\n---\n---\nb: 2\n", []int{1, 3, 4}},
		{"a: 1\n---\n", []int{0, 2}},
		{"", nil},
		{"# only\n", nil},
		{"a: 1\n--- # c\nb: 1\n", []int{0, 2}},
	}
	for _, tc := range cases {
		var got []int
		for _, s := range splitDocuments([]byte(tc.src)) {
			got = append(got, s.startLine)
		}
		if len(got) != len(tc.lines) || len(got) > 0 && !equalInts(got, tc.lines) {
			t.Errorf("splitDocuments(%q) starts %v, want %v", tc.src, got, tc.lines)
		}
	}
	for _, src := range []string{"%YAML 1.2\n---\na: 1\n", "a: 1\n...\n", "--- {a: 1}\n"} {
		if splitDocuments([]byte(src)) != nil {
			t.Errorf("splitDocuments(%q) should refuse", src)
		}
	}
}

func equalInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSkimAgreesWithFullParse parses every YAML file of the repository's testdata and of
// the corpus both ways, per document (skimming and building trees directly where it can)
// and with yaml.v3 alone: the same documents, objects and errors, and identical trees for
// the documents that are not skimmed.
func TestSkimAgreesWithFullParse(t *testing.T) {
	roots := []string{filepath.Join("..", "..", "testdata")}
	corpus := os.Getenv("KUBECTL_SECURE_CORPUS")
	if corpus == "" {
		corpus = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(corpus); err == nil {
		roots = append(roots, corpus)
	} else {
		t.Logf("corpus not found at %s: checking testdata only", corpus)
	}
	var files, skimmed, validated, built int
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			segs := splitDocuments(data)
			for _, s := range segs {
				if validBlockYAML(s.text) {
					validated++
					if !yamlAccepts(s.text) {
						t.Errorf("%s:%d: validator accepted a document yaml.v3 refuses", p, s.startLine+1)
					}
				}
				if skimmable(s.text) && validBlockYAML(s.text) {
					skimmed++
				} else if validBlockYAML(s.text) {
					if _, ok := buildBlockYAML(s.text, s.startLine, false); ok {
						built++
					}
				}
			}
			if segs == nil {
				return nil
			}
			files++
			full, fullErr := parseStream(p, data, DefaultLimits)
			fast, fastErr, ok := parseSegments(p, segs, DefaultLimits, nil)
			if !ok {
				return nil // ParseDocuments takes parseStream's result itself
			}
			if (fullErr == nil) != (fastErr == nil) || fullErr != nil && fullErr.Line != fastErr.Line {
				t.Errorf("%s: errors differ: full %v, skim %v", p, fullErr, fastErr)
				return nil
			}
			fullObjs, fastObjs := objectsOf(p, full), objectsOf(p, fast)
			if len(fullObjs) != len(fastObjs) {
				t.Errorf("%s: %d objects, skim %d", p, len(fullObjs), len(fastObjs))
				return nil
			}
			for i := range fullObjs {
				a, b := fullObjs[i], fastObjs[i]
				if a.Ref != b.Ref || a.Doc != b.Doc || a.Root.Line != b.Root.Line {
					t.Errorf("%s: object %d: %v doc %d line %d, skim %v doc %d line %d", p, i, a.Ref, a.Doc, a.Root.Line, b.Ref, b.Doc, b.Root.Line)
					continue
				}
				if skimmedKind(a.Ref.Kind) {
					continue
				}
				if d := sameTree(a.Root, b.Root); d != "" {
					t.Errorf("%s: %v: %s", p, a.Ref, d)
				}
			}
			return nil
		})
	}
	t.Logf("%d files compared; %d documents validated, %d skimmed, %d others built without yaml.v3", files, validated, skimmed, built)
}

func objectsOf(file string, docs []Document) []*Object {
	var out []*Object
	for _, d := range docs {
		out, _ = appendObjects(out, nil, file, d.Index, d.Root)
	}
	return out
}

// sameTree compares everything but comments, which parsed manifests do not promise.
func sameTree(a, b *yaml.Node) string {
	if a.Kind != b.Kind || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) ||
		a.Tag != b.Tag || a.Style != b.Style || a.Anchor != b.Anchor || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Sprintf("node differs: %d %q %s %d at %d:%d, want %d %q %s %d at %d:%d",
			b.Kind, b.Value, b.Tag, b.Style, b.Line, b.Column, a.Kind, a.Value, a.Tag, a.Style, a.Line, a.Column)
	}
	for i := range a.Content {
		if d := sameTree(a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}

// FuzzValidBlockYAML checks the validator's promise: whatever it accepts, yaml.v3 accepts.
func FuzzValidBlockYAML(f *testing.F) {
	for _, s := range []string{"a: 1\n", "a:\n- x\n", "a: |\n  x\n", "a: b\n  c\n", "a: 'x'\n", "- a: 1\n  b: [] \n", "a: \"\\n\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if validBlockYAML(b) && !yamlAccepts(b) {
			t.Errorf("validator accepted %q, which yaml.v3 refuses", b)
		}
	})
}

// TestPrintable holds printable's eight-bytes-at-a-time path to a plain reading of YAML's
// printable set, on lines of every length up to a few words with each kind of byte placed at
// each position: tabs, controls, DEL, non-ASCII (valid, invalid and refused runes).
func TestPrintable(t *testing.T) {
	reference := func(l []byte) bool {
		if !utf8.Valid(l) {
			return false
		}
		for _, r := range string(l) {
			switch {
			case r == '\t':
			case r < 0x20 || r == 0x7f:
				return false
			case r >= 0x80 && r < 0xA0 || r == 0x2028 || r == 0x2029 || r == 0xFFFE || r == 0xFFFF || r == 0xFEFF:
				return false
			}
		}
		return true
	}
	specials := [][]byte{{'\t'}, {0}, {0x1f}, {0x20}, {0x7e}, {0x7f}, {0x80}, {0xff}, []byte("é"), []byte("\u0085"),
		[]byte("\u2028"), []byte("\ufeff"), []byte("日本"), {0xed, 0xa0, 0x80}, {0xc3}}
	for n := 0; n <= 25; n++ {
		for pos := 0; pos <= n; pos++ {
			for _, sp := range specials {
				l := append(append(bytes.Repeat([]byte{'a'}, pos), sp...), bytes.Repeat([]byte{'z'}, n-pos)...)
				if got, want := printable(l), reference(l); got != want {
					t.Errorf("printable(%q) = %v, want %v", l, got, want)
				}
			}
		}
	}
}
