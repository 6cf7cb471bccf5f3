package manifest

import (
	"fmt"
	"math"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/blockyaml"
)

// kubectl, Argo CD and Flux read a manifest with sigs.k8s.io/yaml: go-yaml v2 (YAML 1.1
// rules) decodes it, the result is turned into JSON, and the API server decodes that JSON.
// yaml.v3, which builds our trees, reads YAML 1.2 and keeps what it is given: the first of
// two equal keys, `yes` as a string, `0.0` as a float, an alias as a key. normalize rewrites
// a document's tree to what the API server receives, so every check reads the value that
// is deployed, and reports what kubectl would refuse or silently change:
//
//   - duplicate keys: the API server keeps the last value; the earlier pairs are dropped
//     from the tree and each duplicate is an error at its line;
//   - scalars (values and keys) get the canonical tag and value of their JSON form (their
//     style stays as written, so readers that must tell a string apart look at the tag):
//     `yes`/`on` and `!!bool "true"` are !!bool "true", `0.0`, `0e0`, `0x1F`, `!!int "0"`
//     and `1_000` are !!int in decimal, `!!str 1` is a !!str; keys become JSON's strings;
//   - alias keys are replaced by the scalar they stand for; merge keys (`<<`) stay, and a
//     key before a merge that replaces it (go-yaml v2 keeps the merged value) is an error;
//   - what sigs.k8s.io/yaml refuses (a null or collection key, NaN or infinity, a value its
//     tag cannot hold) is an error at its line.
//
// It does work only on nodes that need it: a plain word or a decimal number costs a few
// comparisons, and a mapping is rebuilt only when it holds a duplicate, alias or merge key.
type normalizer struct {
	file string
	errs []finding.InputError
	dup  int // index in errs of the first duplicate key, or -1
}

// normalize rewrites root in place and returns the problems found, in document order, and
// the index of the first duplicate key among them (-1 when there is none).
func normalize(file string, root *yaml.Node) ([]finding.InputError, int) {
	z := normalizer{file: file, dup: -1}
	z.node(root, 0)
	return z.errs, z.dup
}

func (z *normalizer) fail(n *yaml.Node, format string, args ...any) {
	z.errs = append(z.errs, finding.InputError{File: z.file, Line: n.Line, Message: fmt.Sprintf(format, args...)})
}

// invalidTag marks a scalar already reported as refused, so that no later check reports it
// again.
const invalidTag = "!kubectl-secure/invalid"

// normalizeMaxDepth bounds the recursion; the parsers bound nesting well below it.
const normalizeMaxDepth = 10000

func (z *normalizer) node(n *yaml.Node, depth int) {
	if n == nil || depth > normalizeMaxDepth {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			z.node(c, depth+1)
		}
	case yaml.MappingNode:
		z.mapping(n, depth)
	case yaml.ScalarNode:
		z.scalar(n, false)
	}
	// Alias nodes stand for a node defined earlier in the document, normalised there.
}

// mapping normalises keys and values, resolves alias keys and drops the earlier of
// duplicate keys. Merge keys stay in the tree (fieldpath follows them, and the autofix
// refuses to edit through them); where go-yaml v2 reads them differently from fieldpath (a
// key before the merge that the merge replaces) the key is reported and dropped.
func (z *normalizer) mapping(m *yaml.Node, depth int) {
	merges := false
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		switch {
		case k.Kind == yaml.AliasNode:
			t := deref(k)
			if t == nil || t.Kind != yaml.ScalarNode {
				z.fail(k, "a mapping key must be a scalar; kubectl refuses an alias to a collection as a key")
				break
			}
			c := *t // the key keeps the alias's position: that is where it is written
			c.Line, c.Column, c.Anchor = k.Line, k.Column, ""
			z.scalar(&c, true)
			m.Content[i] = &c
		case k.Kind == yaml.ScalarNode:
			if isMergeKey(k) {
				merges = true
			} else {
				z.scalar(k, true)
			}
		default:
			z.fail(k, "a mapping key must be a scalar; kubectl refuses a %s key", kindName(k.Kind))
		}
		z.node(m.Content[i+1], depth+1)
	}
	if merges {
		z.mergeOverrides(m)
	}
	z.dedupe(m)
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && (k.Tag == "!!merge" || k.Style == 0 && k.Tag == "")
}

// mergeOverrides handles keys written before a merge key that merges the same key: go-yaml
// v2 applies a merge at its place, so the merged value replaces the earlier one, where
// fieldpath (like yaml.v3) lets the explicit key win. Such a key is reported and dropped.
func (z *normalizer) mergeOverrides(m *yaml.Node) {
	var drop map[int]bool
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMergeKey(m.Content[i]) {
			continue
		}
		src := deref(m.Content[i+1])
		srcs := []*yaml.Node{src}
		if src != nil && src.Kind == yaml.SequenceNode {
			srcs = src.Content
		}
		for _, s := range srcs {
			if s = deref(s); s == nil || s.Kind != yaml.MappingNode {
				z.fail(m.Content[i+1], "a merge key (<<) needs a mapping or a list of mappings; kubectl refuses it")
				continue
			}
			for j := 0; j < i; j += 2 {
				k := m.Content[j]
				if isMergeKey(k) || drop[j] {
					continue
				}
				if _, v := mapEntry(s, k.Value); v != nil {
					z.fail(k, "key %q is replaced by the merge key (<<) at line %d; kubectl keeps the merged value", k.Value, m.Content[i].Line)
					if drop == nil {
						drop = map[int]bool{}
					}
					drop[j] = true
				}
			}
		}
	}
	if drop == nil {
		return
	}
	out := make([]*yaml.Node, 0, len(m.Content))
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !drop[i] {
			out = append(out, m.Content[i], m.Content[i+1])
		}
	}
	m.Content = out
}

// mapEntry finds key in mapping m, following its merge keys.
func mapEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	return fieldpath.MapEntry(m, key)
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// dedupeQuadratic is the mapping size up to which keys are compared pairwise; above it a
// map is cheaper.
const dedupeQuadratic = 16

// dedupe drops all but the last pair of each key, reporting each dropped key's successor.
func (z *normalizer) dedupe(m *yaml.Node) {
	n := len(m.Content) / 2
	if n < 2 {
		return
	}
	var drop []int // pair indexes to drop: every pair a later one of its key replaces
	if n <= dedupeQuadratic {
		for i := 1; i < n; i++ {
			ki := m.Content[2*i]
			if ki.Kind != yaml.ScalarNode || isMergeKey(ki) {
				continue
			}
			first, last := -1, -1
			for j := 0; j < i; j++ {
				if kj := m.Content[2*j]; kj.Kind == yaml.ScalarNode && kj.Value == ki.Value {
					if first < 0 {
						first = j
					}
					last = j
				}
			}
			if last >= 0 {
				z.duplicate(ki, m.Content[2*first])
				drop = append(drop, last)
			}
		}
	} else {
		seen := make(map[string]int, n) // key -> its latest pair
		var first map[string]int        // key -> its first pair, for keys seen twice
		for i := 0; i < n; i++ {
			k := m.Content[2*i]
			if k.Kind != yaml.ScalarNode || isMergeKey(k) {
				continue
			}
			if j, ok := seen[k.Value]; ok {
				if first == nil {
					first = map[string]int{}
				}
				f, ok := first[k.Value]
				if !ok {
					f = j
					first[k.Value] = j
				}
				z.duplicate(k, m.Content[2*f])
				drop = append(drop, j)
			}
			seen[k.Value] = i
		}
	}
	if drop == nil {
		return
	}
	dropped := make(map[int]bool, len(drop))
	for _, j := range drop {
		dropped[j] = true
	}
	out := make([]*yaml.Node, 0, len(m.Content)-2*len(dropped))
	for i := 0; i < n; i++ {
		if !dropped[i] {
			out = append(out, m.Content[2*i], m.Content[2*i+1])
		}
	}
	m.Content = out
}

func (z *normalizer) duplicate(k, first *yaml.Node) {
	if z.dup < 0 {
		z.dup = len(z.errs)
	}
	z.fail(k, "duplicate key %q (first at line %d); the API server keeps the last value", k.Value, first.Line)
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

// scalar gives n the tag and value of its JSON form. isKey: n is a mapping key, whose JSON
// form is a string.
func (z *normalizer) scalar(n *yaml.Node, isKey bool) {
	tagged := n.Style&yaml.TaggedStyle != 0
	if !tagged {
		if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
			n.Tag = "!!str" // quoted and block scalars are strings, whatever their text
			return
		}
		if plainCanonical(n) && !(isKey && n.Tag == "!!null") {
			return
		}
	}
	tag := ""
	if tagged {
		tag = n.Tag
	}
	r, err := resolveV2(tag, n.Value)
	if err != "" {
		z.fail(n, "%s; kubectl refuses it", err)
		n.Tag = invalidTag
		return
	}
	if isKey {
		switch r.kind {
		case v2Null:
			z.fail(n, "a null mapping key; kubectl refuses it")
			return
		case v2Merge:
			return
		}
		n.Value, n.Tag = r.keyString(), "!!str"
		return
	}
	// Styles stay as written: the autofix finds a scalar's text by its style.
	switch r.kind {
	case v2Str:
		n.Tag, n.Value = "!!str", r.str
	case v2Null:
		n.Tag = "!!null"
	case v2Bool:
		n.Tag, n.Value = "!!bool", strconv.FormatBool(r.b)
	case v2Int:
		n.Tag, n.Value = "!!int", r.str
	case v2Float:
		if math.IsNaN(r.f) || math.IsInf(r.f, 0) {
			z.fail(n, "%s is not a JSON number; kubectl refuses it", n.Value)
			n.Tag = invalidTag
			return
		}
		// JSON has one number type: an integral float is the integer the API server reads.
		if r.f == math.Trunc(r.f) && math.Abs(r.f) < 1<<63 {
			n.Tag, n.Value = "!!int", strconv.FormatInt(int64(r.f), 10)
		} else {
			n.Tag, n.Value = "!!float", strconv.FormatFloat(r.f, 'g', -1, 64)
		}
	case v2Merge:
		n.Tag = "!!str" // a plain "<<" value: go-yaml v2 reads it as the string
	}
}

// plainCanonical reports whether an untagged plain scalar already has the tag go-yaml v2
// gives it and the value JSON gives it: words and decimal integers, the common case.
func plainCanonical(n *yaml.Node) bool {
	v := n.Value
	if v == "" {
		return n.Tag == "!!null"
	}
	switch v2Hint[v[0]] {
	case 0:
		return n.Tag == "!!str" // a word v2 cannot read as anything but a string
	case 'M':
		if len(v) > 5 {
			return n.Tag == "!!str"
		}
		switch v {
		case "true", "false":
			return n.Tag == "!!bool"
		case "null", "~":
			return n.Tag == "!!null"
		}
		if _, ok := v2Words[v]; ok {
			return false
		}
		return n.Tag == "!!str"
	case 'D':
		if n.Tag == "!!int" && blockyaml.Decimal(v) {
			return true
		}
	}
	// Signed, dotted and digit-led text that cannot be a number is a string to go-yaml v2
	// (a plain timestamp stays a string too): command-line flags, versions, dates.
	return !mayBeNumber(v) && n.Tag == "!!str"
}

// mayBeNumber reports whether every byte of v can occur in a number go-yaml v2 reads.
func mayBeNumber(v string) bool {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		case c == 'x' || c == 'X' || c == 'o' || c == 'O' || c == '_' || c == '+' || c == '-' || c == '.':
		default:
			return false
		}
	}
	return true
}
