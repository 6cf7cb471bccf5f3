package fieldpath

import (
	"sync"

	"gopkg.in/yaml.v3"
)

// indexMin is the size from which a StepIndex builds a table for a node. Below it a scan is
// faster than a map lookup and allocates nothing; manifests are mostly made of such nodes.
const indexMin = 32

// StepIndex makes Step linear in the input overall: a selector step (containers[name=app]) or
// a key step on a large node scans that node once to build a table, and every later step
// on the same node is a map lookup. Without it, a pod with n containers and a finding per
// container costs n² (20,000 containers took 26 s). A StepIndex belongs to one or more trees
// that are not edited while it is in use: it remembers node pointers. It is safe for
// concurrent use, and a nil *StepIndex steps without memory, as Step does.
//
// It answers exactly what Step and MapEntry answer: the first matching item or key, with
// merge keys ("<<") consulted only when the direct keys do not hold the key.
type StepIndex struct {
	mu   sync.Mutex
	seqs map[seqKey]map[string]int
	maps map[*yaml.Node]*mapIndex
	// examined counts the items and keys looked at, for the test that holds the
	// lookups linear without timing them.
	examined int
}

type seqKey struct {
	seq *yaml.Node
	key string
}

type mapIndex struct {
	at    map[string]int // key → index of the key node in Content
	merge bool           // the mapping has a merge key, so a miss must look there too
}

// Step follows one segment from n.
func (x *StepIndex) Step(n *yaml.Node, s Segment) *yaml.Node {
	if x == nil {
		return Step(n, s)
	}
	n = Deref(n)
	if n == nil {
		return nil
	}
	switch {
	case s.IsSelector():
		if i := x.SelectIndex(n, s.SelKey, s.SelValue); i >= 0 {
			return Deref(n.Content[i])
		}
		return nil
	case s.IsKey():
		_, v := x.MapEntry(n, s.Key)
		return v
	}
	return Step(n, s)
}

// Resolve is Resolve with the steps taken through x.
func (x *StepIndex) Resolve(root *yaml.Node, p Path) (node, deepest *yaml.Node, depth int) {
	if x == nil {
		return Resolve(root, p)
	}
	cur := Deref(root)
	if cur != nil && cur.Kind == yaml.DocumentNode && len(cur.Content) > 0 {
		cur = Deref(cur.Content[0])
	}
	deepest = cur
	for i, s := range p {
		next := x.Step(cur, s)
		if next == nil {
			return nil, deepest, i
		}
		cur, deepest = next, next
	}
	return cur, deepest, len(p)
}

// Lookup returns the node at p, or nil.
func (x *StepIndex) Lookup(root *yaml.Node, p Path) *yaml.Node {
	n, _, _ := x.Resolve(root, p)
	return n
}

// SelectIndex returns the position in sequence seq of the first item whose field key is
// the scalar value, or -1.
func (x *StepIndex) SelectIndex(seq *yaml.Node, key, value string) int {
	seq = Deref(seq)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return -1
	}
	if x == nil || len(seq.Content) < indexMin {
		if x != nil {
			x.mu.Lock()
			x.examined += len(seq.Content)
			x.mu.Unlock()
		}
		return selectScan(seq, key, value)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.examined++
	k := seqKey{seq, key}
	table, ok := x.seqs[k]
	if !ok {
		table = make(map[string]int, len(seq.Content))
		x.examined += len(seq.Content)
		for i, item := range seq.Content {
			if v := MapGet(item, key); v != nil && v.Kind == yaml.ScalarNode {
				if _, dup := table[v.Value]; !dup {
					table[v.Value] = i
				}
			}
		}
		if x.seqs == nil {
			x.seqs = map[seqKey]map[string]int{}
		}
		x.seqs[k] = table
	}
	if i, ok := table[value]; ok {
		return i
	}
	return -1
}

func selectScan(seq *yaml.Node, key, value string) int {
	for i, item := range seq.Content {
		if v := MapGet(item, key); v != nil && v.Kind == yaml.ScalarNode && v.Value == value {
			return i
		}
	}
	return -1
}

// MapEntry is MapEntry with a table for large mappings.
func (x *StepIndex) MapEntry(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = Deref(n)
	if x == nil || n == nil || n.Kind != yaml.MappingNode || len(n.Content) < 2*indexMin {
		return MapEntry(n, key)
	}
	x.mu.Lock()
	x.examined++
	m, ok := x.maps[n]
	if !ok {
		m = &mapIndex{at: make(map[string]int, len(n.Content)/2)}
		x.examined += len(n.Content) / 2
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn := n.Content[i]
			if kn.Value == "<<" && kn.Tag == "!!merge" {
				m.merge = true
			}
			if kn.Kind != yaml.ScalarNode {
				continue
			}
			if _, dup := m.at[kn.Value]; !dup {
				m.at[kn.Value] = i
			}
		}
		if x.maps == nil {
			x.maps = map[*yaml.Node]*mapIndex{}
		}
		x.maps[n] = m
	}
	x.mu.Unlock()
	if i, ok := m.at[key]; ok {
		return n.Content[i], Deref(n.Content[i+1])
	}
	if m.merge {
		return MapEntry(n, key)
	}
	return nil, nil
}
