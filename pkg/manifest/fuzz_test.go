package manifest

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/blockyaml"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/yamltest"
	"gopkg.in/yaml.v3"
)

// slowParse is far beyond what a fuzz input (at most a few hundred KB) should cost even on
// a loaded machine.
const slowParse = 3 * time.Second

// FuzzParse feeds arbitrary bytes to Parse with the limits the CLI uses. Whatever the input,
// Parse must return (not panic), place every node it keeps inside the file, explain every
// error, give the same answer twice, and the skimming path must agree with the full parse.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n  - name: c\n    image: x\n",
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n",
		"a: &x {b: 1}\nc: *x\n<<: *x\napiVersion: v1\nkind: ConfigMap\n",
		"---\n---\napiVersion: v1\nkind: Pod\n...\n%YAML 1.2\n---\n",
		"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n  group: g\n  names: {}\nstatus: |\n  x\n",
		"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"j\"}}",
		"a: [[[[{}]]]]\n",
		"a: 'x\n  y'\nb: \"\\u0041\"\n",
		"apiVersion: v1\r\nkind: Pod\r\n",
		"apiVersion: v1\rkind: Pod\rmetadata:\r  name: cr\r",
		"# pasted\u2028text\u0085\napiVersion: v1\nkind: Pod\nmetadata:\n  name: \"a\u2029b\"\n  labels: {x: y}\n",
		"\ufeffapiVersion: v1\nkind: Pod\n",
	} {
		f.Add([]byte(s))
	}
	for _, seed := range seedFiles(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		lines := bytes.Count(data, []byte("\n")) + 1
		src := sourceLines(data)
		start := time.Now()
		res := Parse(file, data, DefaultLimits)
		// Hostile input must fail fast, not hang a CI job: parsing is meant to be about
		// linear in the input, and fuzz inputs are small.
		if d := time.Since(start); d > slowParse {
			t.Fatalf("parsing %d bytes took %v", len(data), d)
		}
		if e := res.Err; e != nil {
			if e.Message == "" {
				t.Errorf("error without a message: %+v", e)
			}
			if e.File != file {
				t.Errorf("error names file %q, want %q", e.File, file)
			}
			if e.Line < 0 || e.Line > lines {
				t.Errorf("error at line %d of a %d-line input: %v", e.Line, lines, e)
			}
		}
		for i, o := range res.Objects {
			if o.File != file {
				t.Fatalf("object %d: File %q, want %q", i, o.File, file)
			}
			if o.Root == nil {
				t.Fatalf("object %d (%v): nil Root", i, o.Ref)
			}
			if o.Root.Kind != yaml.MappingNode {
				t.Errorf("object %d (%v): root is not a mapping (kind %d)", i, o.Ref, o.Root.Kind)
			}
			if o.Ref.Kind == "" || o.Ref.APIVersion == "" {
				t.Errorf("object %d: kept without kind or apiVersion: %+v", i, o.Ref)
			}
			if bad := checkPositions(o.Root, lines); bad != nil {
				t.Fatalf("object %d (%v): node %q at %d:%d, outside the %d-line input", i, o.Ref, bad.Value, bad.Line, bad.Column, lines)
			}
			if bad, got := checkPlainScalars(o.Root, src); bad != nil {
				t.Fatalf("object %d (%v): plain scalar %q at %d:%d, where the file has %q", i, o.Ref, bad.Value, bad.Line, bad.Column, got)
			}
			if pos := o.Locate(nil); pos.File != file || pos.Line != o.Root.Line || pos.Column != o.Root.Column {
				t.Errorf("object %d: Locate(nil) = %+v, want the root at %d:%d", i, pos, o.Root.Line, o.Root.Column)
			}
		}
		if again := dumpResult(Parse(file, data, DefaultLimits)); again != dumpResult(res) {
			t.Fatalf("parse is not deterministic:\nfirst:\n%s\nsecond:\n%s", dumpResult(res), again)
		}
		compareSkim(t, file, data)
	})
}

// compareSkim checks that the per-document path (taken when a file mentions a skimmed kind)
// sees what the one-decoder path sees. It is run on every input the splitter accepts, not
// only those naming a CRD, because a comment is enough to send any file down that path.
func compareSkim(t *testing.T, file string, data []byte) {
	if !withinLimits(data) {
		return
	}
	segs := blockyaml.Split(data)
	if segs == nil {
		return
	}
	full, fullErr := parseStream(file, data, DefaultLimits)
	fast, fastErr, ok := parseSegments(file, segs, DefaultLimits, nil)
	if !ok {
		return // ParseDocuments falls back to the full parse
	}
	if (fullErr == nil) != (fastErr == nil) {
		t.Fatalf("errors differ: full parse %v, per document %v", fullErr, fastErr)
	}
	if fullErr != nil {
		if fullErr.Line != fastErr.Line {
			t.Fatalf("error lines differ: full parse %v, per document %v", fullErr, fastErr)
		}
		// The documents before the error are kept; a stream decoder may or may not have
		// read ahead, so only a prefix can be compared.
		n := min(len(full), len(fast))
		full, fast = full[:n], fast[:n]
	}
	a, b := objectsOf(file, full), objectsOf(file, fast)
	if len(a) != len(b) {
		t.Fatalf("full parse has %d objects, per document %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Ref != b[i].Ref || a[i].Doc != b[i].Doc || a[i].Root.Line != b[i].Root.Line {
			t.Fatalf("object %d: full %v doc %d line %d, per document %v doc %d line %d",
				i, a[i].Ref, a[i].Doc, a[i].Root.Line, b[i].Ref, b[i].Doc, b[i].Root.Line)
		}
		if blockyaml.SkimmedKind(a[i].Ref.Kind) {
			continue
		}
		if d := yamltest.SameTree(a[i].Root, b[i].Root); d != "" {
			t.Fatalf("object %d (%v): %s", i, a[i].Ref, d)
		}
	}
}

// withinLimits repeats the checks ParseDocuments makes before choosing a path; the two
// paths are only compared on input that reaches them.
func withinLimits(data []byte) bool {
	lim := DefaultLimits
	if looksBinary(data) || bytes.Count(data, []byte("\n---")) >= lim.MaxDocuments || longLine(data, lim.MaxLineBytes) > 0 {
		return false
	}
	_, depth := nestingDepth(data, lim.MaxDepth)
	return depth <= lim.MaxDepth
}

// checkPositions returns the first node of the tree whose position lies outside a file of
// the given number of lines. Aliases are not followed: their targets are in the tree too.
func checkPositions(n *yaml.Node, lines int) *yaml.Node {
	if n.Line < 1 || n.Line > lines || n.Column < 1 {
		return n
	}
	for _, c := range n.Content {
		if c == nil {
			return n
		}
		if bad := checkPositions(c, lines); bad != nil {
			return bad
		}
	}
	return nil
}

// sourceLines splits data into '\n' lines of characters, as an editor shows them.
func sourceLines(data []byte) [][]rune {
	var out [][]rune
	// Editors hide a byte-order mark, and yaml.v3 does not count it as a column.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	for _, l := range bytes.Split(data, []byte("\n")) {
		out = append(out, []rune(string(l)))
	}
	return out
}

// checkPlainScalars checks positions against the text: a plain scalar (no quotes, tag or
// anchor in front of it) is written at its position as its first word. It returns the first
// node that is not, with the text found there.
func checkPlainScalars(n *yaml.Node, src [][]rune) (*yaml.Node, string) {
	// Booleans and numbers are normalised to their JSON form ("yes" is "true"); strings
	// keep their text.
	if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Anchor == "" && n.Value != "" && n.Tag == "!!str" {
		word := n.Value
		if i := strings.IndexAny(word, " \t\n\r\u0085\u2028\u2029"); i >= 0 {
			word = word[:i]
		}
		var got string
		if n.Line <= len(src) && n.Column <= len(src[n.Line-1])+1 {
			got = string(src[n.Line-1][n.Column-1:])
		}
		// A node starts at its properties: a tag (a bare "!" leaves no trace in the node).
		if word != "" && !strings.HasPrefix(got, word) && !strings.HasPrefix(got, "!") && !keyReadAs(got, n.Value) {
			return n, got
		}
	}
	for _, c := range n.Content {
		if bad, got := checkPlainScalars(c, src); bad != nil {
			return bad, got
		}
	}
	return nil, ""
}

// keyReadAs reports a mapping key written as a YAML 1.1 boolean, number or null (`Y:`,
// `0x1:`), which the API server's decoder turns into the string of its value ("true").
func keyReadAs(text, value string) bool {
	token := text
	if i := strings.IndexAny(token, ": \t"); i >= 0 {
		token = token[:i]
	}
	r, _ := resolvePlain("", token)
	return r.keyString() == value
}

// dumpResult renders everything Parse returns that a later stage reads.
func dumpResult(r Result) string {
	var b strings.Builder
	for _, o := range r.Objects {
		fmt.Fprintf(&b, "%s doc %d %+v\n", o.File, o.Doc, o.Ref)
		dumpNode(&b, o.Root, 1)
	}
	if r.Err != nil {
		fmt.Fprintf(&b, "error %+v\n", *r.Err)
	}
	return b.String()
}

func dumpNode(b *strings.Builder, n *yaml.Node, depth int) {
	fmt.Fprintf(b, "%s%d %q %q %d:%d &%s", strings.Repeat(" ", depth), n.Kind, n.Tag, n.Value, n.Line, n.Column, n.Anchor)
	if n.Alias != nil {
		fmt.Fprintf(b, " *%d:%d", n.Alias.Line, n.Alias.Column)
	}
	b.WriteByte('\n')
	for _, c := range n.Content {
		dumpNode(b, c, depth+1)
	}
}

// seedFiles returns the repository's example manifests and, when the real-world corpus is
// beside the repository, a sample of its small files. The committed seeds under
// testdata/fuzz/FuzzParse hold a few corpus files so the fuzzer starts from real manifests
// without it.
func seedFiles(tb testing.TB) [][]byte {
	var out [][]byte
	add := func(root string, maxBytes int64, every int) {
		var names []string
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			switch filepath.Ext(p) {
			case ".yaml", ".yml", ".json":
			default:
				return nil
			}
			if info, err := d.Info(); err != nil || info.Size() > maxBytes {
				return nil
			}
			names = append(names, p)
			return nil
		})
		sort.Strings(names)
		for i, p := range names {
			if i%every != 0 {
				continue
			}
			if data, err := os.ReadFile(p); err == nil {
				out = append(out, data)
			}
		}
	}
	add(filepath.Join("..", "..", "testdata"), 64<<10, 1)
	corpus := os.Getenv("KUBECTL_SECURE_CORPUS")
	if corpus == "" {
		corpus = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(corpus); err == nil {
		// Small files only: the fuzzer mutates every seed, and big ones slow each run.
		add(filepath.Join(corpus, "manifests"), 4<<10, 25)
		add(filepath.Join(corpus, "kustomize"), 4<<10, 25)
	} else {
		tb.Logf("corpus not found at %s: seeding from testdata only", corpus)
	}
	return out
}
