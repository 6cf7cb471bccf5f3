package blockyaml

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/yamltest"
)

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
			got := Valid([]byte(tc.src))
			if got != tc.want {
				t.Errorf("Valid = %v, want %v", got, tc.want)
			}
			if got && !yamltest.Accepts([]byte(tc.src)) {
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
		for _, s := range Split([]byte(tc.src)) {
			got = append(got, s.StartLine)
		}
		if len(got) != len(tc.lines) || len(got) > 0 && !equalInts(got, tc.lines) {
			t.Errorf("Split(%q) starts %v, want %v", tc.src, got, tc.lines)
		}
	}
	for _, src := range []string{"%YAML 1.2\n---\na: 1\n", "a: 1\n...\n", "--- {a: 1}\n"} {
		if Split([]byte(src)) != nil {
			t.Errorf("Split(%q) should refuse", src)
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

// FuzzValidBlockYAML checks the validator's promise: whatever it accepts, yaml.v3 accepts.
func FuzzValidBlockYAML(f *testing.F) {
	for _, s := range []string{"a: 1\n", "a:\n- x\n", "a: |\n  x\n", "a: b\n  c\n", "a: 'x'\n", "- a: 1\n  b: [] \n", "a: \"\\n\"\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if Valid(b) && !yamltest.Accepts(b) {
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
