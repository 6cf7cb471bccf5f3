package fieldpath_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"

	fp "github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// FuzzLocate resolves field paths built from the fuzz bytes against parsed objects, the
// way the lint engine locates every finding. Paths mix what checks ask for (keys, indexes
// and name selectors that exist in the document, one step off the end, missing fields
// under existing ones) with arbitrary keys. Locating must not panic and must point into
// the file: at the field, or at its nearest existing parent.
func FuzzLocate(f *testing.F) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  annotations:\n    a.b/c[d]: \"x\"\nspec:\n" +
		"  containers:\n  - name: app\n    image: busybox\n    securityContext:\n      privileged: true\n" +
		"  - name: side\n    ports: [{containerPort: 80}]\n"
	aliased := "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\n  labels: {a: b}\ndata:\n  <<: *m\n  k: *m\n"
	for _, s := range []struct {
		yaml  string
		steps []byte
	}{
		{pod, []byte{0, 5, 0, 0, 2, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 3, 4, 'a', '.', 'b', '['}},
		{pod, []byte{0, 2, 0, 2, 1, 0, 2, 1, 1, 4, 0, 0, 1, 200, 3, 3, 0xff, 0, 0}},
		{aliased, []byte{0, 3, 0, 0, 0, 1, 4, 0, 3, 0, 1, 0, 0}},
		{"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n", []byte{1, 0, 0, 1}},
	} {
		f.Add([]byte(s.yaml), s.steps)
	}
	for _, name := range []string{"inputs/pod.yaml", "inputs/multi.yaml", "example/base/deployment.yaml", "example/standalone/redis.yaml"} {
		if data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name)); err == nil {
			f.Add(data, []byte{0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 1, 0, 0, 4, 0, 9, 0, 9, 0, 9, 2, 1, 1})
		}
	}
	f.Fuzz(func(t *testing.T, data, steps []byte) {
		const file = "fuzz.yaml"
		lines := bytes.Count(data, []byte("\n")) + 1
		res := manifest.Parse(file, data, manifest.DefaultLimits)
		for i, obj := range res.Objects {
			if i == 8 {
				break // enough objects; the steps are shared by all of them
			}
			own := obj.Locate(nil)
			if own.File != file || own.Line < 1 || own.Line > lines || own.Column < 1 {
				t.Fatalf("object %v located at %+v, outside the %d-line file", obj.Ref, own, lines)
			}
			for _, p := range buildPaths(obj.Root, steps) {
				_ = p.String()
				pos := obj.Locate(p)
				if pos.File != file {
					t.Fatalf("%s located in %q", p, pos.File)
				}
				if (pos.Line < 1 || pos.Line > lines || pos.Column < 1) && pos != own {
					t.Fatalf("%s located at %d:%d, outside the %d-line file and not the object's %d:%d",
						p, pos.Line, pos.Column, lines, own.Line, own.Column)
				}
				checkResolve(t, obj, p, pos)
			}
		}
	})
}

// checkResolve checks that Locate reports the field when it exists, and otherwise the node
// Resolve names as the deepest existing one: reached by the first depth segments, with the
// next segment missing.
func checkResolve(t *testing.T, obj *manifest.Object, p fp.Path, pos manifest.Position) {
	t.Helper()
	node, deepest, depth := fp.Resolve(obj.Root, p)
	if depth < 0 || depth > len(p) {
		t.Fatalf("%s: depth %d of a %d-segment path", p, depth, len(p))
	}
	if node != nil {
		if depth != len(p) || deepest != node {
			t.Fatalf("%s: found, but depth %d of %d", p, depth, len(p))
		}
	} else {
		if depth == len(p) {
			t.Fatalf("%s: not found, yet every segment resolved", p)
		}
		if fp.Lookup(obj.Root, p[:depth+1]) != nil {
			t.Fatalf("%s: segment %d reported missing but resolves", p, depth)
		}
	}
	if depth > 0 && fp.Lookup(obj.Root, p[:depth]) != deepest {
		t.Fatalf("%s: deepest node is not the one the first %d segments reach", p, depth)
	}
	if deepest == nil {
		t.Fatalf("%s: no deepest node for an object with a root", p)
	}
	// Paths of keys alone resolve to the same node through LookupKeys, which checks use for
	// lookups that build no path.
	keys := make([]string, 0, len(p))
	for _, s := range p {
		if s.IsKey() {
			keys = append(keys, s.Key)
		}
	}
	if len(keys) == len(p) && fp.LookupKeys(obj.Root, keys...) != node {
		t.Fatalf("%s: LookupKeys finds another node than Resolve", p)
	}
	if pos.Line != deepest.Line || pos.Column != deepest.Column {
		t.Fatalf("%s: located at %d:%d, but the nearest existing node is at %d:%d", p, pos.Line, pos.Column, deepest.Line, deepest.Column)
	}
}

// buildPaths turns steps into paths over root. Each step is an opcode byte and its operands:
//
//	0 k      a key of the current mapping (or of any mapping in the object when off the tree)
//	1 i      an index: into the current sequence, up to one past its end; else any int8
//	2 i k    a selector [key=value] naming item i of the current sequence by one of its fields
//	3 n ...  a key of n arbitrary bytes (dots, brackets, quotes, invalid UTF-8)
//	4        end of this path, start another one from the root
func buildPaths(root *yaml.Node, steps []byte) []fp.Path {
	keys, values := collect(root)
	var paths []fp.Path
	var p fp.Path
	cur := root
	next := func() int {
		if len(steps) == 0 {
			return 0
		}
		b := steps[0]
		steps = steps[1:]
		return int(b)
	}
	for len(steps) > 0 && len(paths) < 32 {
		var seg fp.Segment
		switch next() % 5 {
		case 0:
			if ks := mapKeys(cur); len(ks) > 0 {
				seg = fp.Key(ks[next()%len(ks)])
			} else {
				seg = fp.Key(pick(keys, next()))
			}
		case 1:
			if items := fp.Items(cur); cur != nil && cur.Kind == yaml.SequenceNode {
				seg = fp.Index(next() % (len(items) + 1))
			} else {
				seg = fp.Index(int(int8(next())))
			}
		case 2:
			items := fp.Items(cur)
			if len(items) > 0 {
				item := items[next()%len(items)]
				if ks := mapKeys(item); len(ks) > 0 {
					k := ks[next()%len(ks)]
					v, _ := fp.Str(fp.MapGet(item, k))
					seg = fp.Select(k, v)
					break
				}
			}
			seg = fp.Select(pick(keys, next()), pick(values, next()))
		case 3:
			n := next() % 8
			if n > len(steps) {
				n = len(steps)
			}
			seg = fp.Key(string(steps[:n]))
			steps = steps[n:]
		case 4:
			paths = append(paths, p)
			p, cur = nil, root
			continue
		}
		p = p.Child(seg)
		cur = fp.Step(cur, seg)
	}
	return append(paths, p)
}

func pick(list []string, i int) string {
	if len(list) == 0 {
		return ""
	}
	return list[i%len(list)]
}

// mapKeys lists the keys of mapping n in document order, merge keys included.
func mapKeys(n *yaml.Node) []string {
	var ks []string
	fp.Pairs(n, func(key string, _, _ *yaml.Node) { ks = append(ks, key) })
	return ks
}

// collect returns the distinct mapping keys and scalar values of the tree, sorted so the
// same steps build the same paths.
func collect(root *yaml.Node) (keys, values []string) {
	seenK, seenV := map[string]bool{}, map[string]bool{}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 100 {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				seenK[n.Content[i].Value] = true
			}
		}
		if n.Kind == yaml.ScalarNode {
			seenV[n.Value] = true
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	for k := range seenK {
		keys = append(keys, k)
	}
	for v := range seenV {
		values = append(values, v)
	}
	sort.Strings(keys)
	sort.Strings(values)
	return keys, values
}
