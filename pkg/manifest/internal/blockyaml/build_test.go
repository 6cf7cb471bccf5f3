package blockyaml

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/yamltest"
	"gopkg.in/yaml.v3"
)

// buildCases are the shapes Build must get exactly right, and some it must decline.
var buildCases = []string{
	"a: 1\n",
	"a:\nb:\n  # c\n\n  c:\n  d: |\n    x\n\n    y\n\n  e: >-\n    f\n    g\n\n    h\n  l:\n  - x\n  -\n  - - y\nz: \"q\\\"r\"\nk:",
	"a: |\n  x", "a: |\n  x\n\n", "a: |+\n  x\n\n\nb: 1", "a: |+\n  x\n\n", "a: |+\n  x",
	"a: >\n  x\n  y\n\n\n  z\nb: 1", "a: >\n\n  x\n  y\n", "a: >\n  x\n    more\n  y\n", "a: >\n  x\n   \n  y\n",
	"a: plain\n  more\n\n  text # c\nb: 1", "a: plain\n  more\n  # c\n  b: x\n",
	"a:   # c\nb:", "- # c\n- a\n-", "- a: 1\n  b:\n  - x\n- |\n  lit\n- \"q\"",
	"a: x\n\n\n", "a: 'multi\n  line'", "a: |\n\n  x\n", "a: |-\n   x\n  # not\nb: 1",
	"a: \"x\\ty\\0\\e\\ z\\a\\b\\f\\v\\r\\n\\\\\"\n", "a: 'it''s'\n", "'k y': 1\n\"q\": 2\n",
	"ü: [] # c\nx: {}\n", "a: ü x\nb: 'ü' # ü\n", "'ü': x\n\"é k\": 'y'\n", "- '日本': z\n",
	"a: 012\nb: 0x1F\nc: 1e3\nd: .inf\ne: yes\nf: ~\ng: Null\nh: TRUE\ni: -1\nj: +.5\nk: 2001-12-14\nl: <<\nm: on\n",
	"true: 1\n1: 2\nnull: 3\n",
	"a:\n  - name: x\n    env:\n      - name: y\n        value: \"1\"\n  - name: z\n",
	"list:\n- a\n- b\nnext: 1\n",
	"kind: CustomResourceDefinition\nspec:\n  a: |\n    x\n# top comment\n  b: 1\nstatus: {}\nmetadata:\n  name: x\n", "a:\r\n  b: c\r\n  d: |\r\n    e\r\n",
	"# only a comment\n", "", "a: b\n  c\n  d: e\n", "- x\n  y\n- z\n",
	"a: |\n  x\n b\n", "a:\n  b: 1\n c: 2\n", "a: |\n    x\n  y\n",
}

func yamlTree(t *testing.T, text []byte) (*yaml.Node, bool) {
	t.Helper()
	var n yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&n); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		return nil, false
	}
	if len(n.Content) == 0 {
		return nil, true
	}
	return n.Content[0], true
}

// checkBuild holds Build to yaml.v3 for text the validator accepts: when it builds
// a tree, yaml.v3 builds the same one.
func checkBuild(t *testing.T, text []byte) (built bool) {
	t.Helper()
	if !Valid(text) {
		return false
	}
	// Skimming builds what yaml.v3 builds from the text without the skimmed values.
	if got, ok := Build(text, 0, true); ok {
		sameAsYAMLv3(t, WithoutFields(text), got)
	}
	got, ok := Build(text, 0, false)
	if !ok {
		return false
	}
	sameAsYAMLv3(t, text, got)
	return true
}

func sameAsYAMLv3(t *testing.T, text []byte, got *yaml.Node) {
	t.Helper()
	want, ok := yamlTree(t, text)
	switch {
	case !ok:
		t.Fatalf("built a tree for %q, which yaml.v3 refuses", text)
	case (got == nil) != (want == nil):
		t.Fatalf("%q: built %v, yaml.v3 %v", text, got, want)
	case got != nil:
		if d := yamltest.SameTree(want, got); d != "" {
			t.Fatalf("%q: %s", text, d)
		}
	}
}

func TestBuildBlockYAMLMatchesYAMLv3(t *testing.T) {
	built := 0
	for _, c := range buildCases {
		if checkBuild(t, []byte(c)) {
			built++
		}
	}
	// Most shapes are built; the rest must be declined, not guessed.
	if built < len(buildCases)/2 {
		t.Errorf("only %d of %d cases built", built, len(buildCases))
	}
	t.Logf("%d of %d cases built directly", built, len(buildCases))
}

func TestBuildBlockYAMLPositionsInFile(t *testing.T) {
	root, ok := Build([]byte("a:\n  b: ü\n"), 9, false)
	if !ok || root.Line != 10 || root.Content[1].Content[1].Line != 11 || root.Content[1].Content[1].Column != 6 {
		t.Fatalf("positions not shifted to the file: %+v", root)
	}
}

// FuzzBuildBlockYAML: whatever tree the builder builds, yaml.v3 builds too.
func FuzzBuildBlockYAML(f *testing.F) {
	for _, c := range buildCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkBuild(t, b)
	})
}

func TestPlainTagAgreesWithYAMLv3(t *testing.T) {
	for _, v := range []string{"", "~", "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "false", "no", "yes",
		"on", "off", "y", "n", "0", "00", "007", "08", "8080", "-1", "+1", "1_000", "0x1F", "0o17", "0b101", "1e3",
		".5", ".inf", "-.inf", ".nan", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "123456789012345678",
		"1234567890123456789", "99999999999999999999", "1.0", "1.", "abc", "Zed", "x1", "@x", "_x", "/a", "1a", "1 2"} {
		n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
		if got, want := plainTag(v), n.ShortTag(); got != want {
			t.Errorf("plainTag(%q) = %s, yaml.v3 resolves %s", v, got, want)
		}
	}
	// The parser, not the resolver, makes a plain << a merge key.
	if tree, _ := yamlTree(t, []byte("<<: x\n")); tree.Content[0].Tag != plainTag("<<") {
		t.Errorf("plainTag(<<) = %s, yaml.v3's parser gives %s", plainTag("<<"), tree.Content[0].Tag)
	}
}
