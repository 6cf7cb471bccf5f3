// Package fieldpath names a field inside a Kubernetes object ("spec.containers[name=app].image")
// and resolves such names against yaml.v3 node trees, so a finding can be located at the
// exact line and column of the node a developer has to change.
package fieldpath

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Segment is one step of a Path: a mapping key, a sequence index, or a sequence element
// selected by the value of one of its fields (containers[name=app]).
type Segment struct {
	Key   string // mapping key; empty for index and selector segments
	Index int    // sequence index when IsIndex
	// SelKey/SelValue select the sequence element whose SelKey field equals SelValue.
	SelKey, SelValue string
	IsIndex          bool
}

// Path is a sequence of segments from an object's root.
type Path []Segment

// Key, Index and Select build segments.
func Key(k string) Segment             { return Segment{Key: k} }
func Index(i int) Segment              { return Segment{Index: i, IsIndex: true} }
func Select(k, v string) Segment       { return Segment{SelKey: k, SelValue: v} }
func (s Segment) IsSelector() bool     { return s.SelKey != "" }
func (s Segment) IsKey() bool          { return !s.IsIndex && s.SelKey == "" }
func New(keys ...string) Path          { return Path(nil).Keys(keys...) }
func (p Path) Child(s ...Segment) Path { return append(p.clone(len(s)), s...) }

// Keys appends mapping keys.
func (p Path) Keys(keys ...string) Path {
	out := p.clone(len(keys))
	for _, k := range keys {
		out = append(out, Key(k))
	}
	return out
}

func (p Path) clone(extra int) Path {
	out := make(Path, len(p), len(p)+extra)
	copy(out, p)
	return out
}

// String renders the path the way findings print it: keys joined by dots, indices and
// selectors in brackets. Keys that contain dots or brackets (annotation keys) are quoted.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.IsIndex:
			b.WriteString("[" + strconv.Itoa(s.Index) + "]")
		case s.IsSelector():
			b.WriteString("[" + s.SelKey + "=" + s.SelValue + "]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			if strings.ContainsAny(s.Key, ".[]=\"") {
				b.WriteString(strconv.Quote(s.Key))
			} else {
				b.WriteString(s.Key)
			}
		}
	}
	return b.String()
}

// Resolve follows p from root. It returns the node at the end of the path, or nil when the
// path does not exist, together with the deepest node that does exist on the way and how
// many segments led to it. A missing field is reported at that deepest existing node.
func Resolve(root *yaml.Node, p Path) (node, deepest *yaml.Node, depth int) {
	cur := Deref(root)
	if cur != nil && cur.Kind == yaml.DocumentNode && len(cur.Content) > 0 {
		cur = Deref(cur.Content[0])
	}
	deepest = cur
	for i, s := range p {
		next := Step(cur, s)
		if next == nil {
			return nil, deepest, i
		}
		cur = next
		deepest = cur
	}
	return cur, deepest, len(p)
}

// Lookup returns the node at p, or nil.
func Lookup(root *yaml.Node, p Path) *yaml.Node {
	n, _, _ := Resolve(root, p)
	return n
}

// LookupKeys returns the node at the mapping keys below n, or nil. Checks look up far more
// fields than they report, and building a Path for each lookup was most of their garbage.
func LookupKeys(n *yaml.Node, keys ...string) *yaml.Node {
	n = Deref(n)
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = Deref(n.Content[0])
	}
	for _, k := range keys {
		if n = MapGet(n, k); n == nil {
			return nil
		}
	}
	return n
}

// Step follows one segment from n.
func Step(n *yaml.Node, s Segment) *yaml.Node {
	n = Deref(n)
	if n == nil {
		return nil
	}
	switch {
	case s.IsIndex:
		if n.Kind != yaml.SequenceNode || s.Index < 0 || s.Index >= len(n.Content) {
			return nil
		}
		return Deref(n.Content[s.Index])
	case s.IsSelector():
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for _, item := range n.Content {
			if v := MapGet(item, s.SelKey); v != nil && v.Kind == yaml.ScalarNode && v.Value == s.SelValue {
				return Deref(item)
			}
		}
		return nil
	default:
		return MapGet(n, s.Key)
	}
}

// Deref follows alias nodes to the node they stand for.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 64; i++ {
		n = n.Alias
	}
	return n
}

// MapGet returns the value of key in mapping n (following YAML merge keys), or nil.
func MapGet(n *yaml.Node, key string) *yaml.Node {
	_, v := MapEntry(n, key)
	return v
}

// MapEntry returns the key and value nodes of key in mapping n, or nils.
func MapEntry(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i].Kind == yaml.ScalarNode {
			return n.Content[i], Deref(n.Content[i+1])
		}
	}
	// Merge keys ("<<: *base") are rare in manifests but Kubernetes' YAML decoder honours them.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "<<" && n.Content[i].Tag == "!!merge" {
			m := Deref(n.Content[i+1])
			if m != nil && m.Kind == yaml.SequenceNode {
				for _, sub := range m.Content {
					if k, v := MapEntry(sub, key); v != nil {
						return k, v
					}
				}
			} else if k, v := MapEntry(m, key); v != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// Pairs calls fn for every key/value pair of mapping n, in document order.
func Pairs(n *yaml.Node, fn func(key string, k, v *yaml.Node)) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i].Value, n.Content[i], Deref(n.Content[i+1]))
	}
}

// Items returns the elements of sequence n, or nil.
func Items(n *yaml.Node) []*yaml.Node {
	n = Deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = Deref(c)
	}
	return out
}

// Str returns the scalar value of n and whether n is a non-null scalar.
func Str(n *yaml.Node) (string, bool) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// Bool reports the boolean value of scalar n. set is false when n is absent, null or not
// a boolean. kubectl decodes manifests as YAML 1.1 (sigs.k8s.io/yaml), where an unquoted
// yes/no/on/off is a boolean too, so they count here as they would on the cluster.
func Bool(n *yaml.Node) (value, set bool) {
	s, ok := Str(n)
	if !ok {
		return false, false
	}
	n = Deref(n)
	switch {
	case n.Tag == "!!bool":
		// Parsed manifests are normalised to what the API server reads: true or false.
	case n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.TaggedStyle) != 0:
		// A quoted or explicitly tagged string is not a boolean, whatever it says.
		return false, false
	}
	switch s {
	case "true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON":
		return true, true
	case "false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return false, true
	}
	return false, false
}

// Int returns the integer value of scalar n.
func Int(n *yaml.Node) (int64, bool) {
	s, ok := Str(n)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}
