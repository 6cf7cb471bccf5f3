package yamledit

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// resolved is a path followed as far as it exists in a document.
type resolved struct {
	nodes []*yaml.Node   // nodes[0] is the object; nodes[i+1] is reached by segment i
	keys  []*yaml.Node   // keys[i] is the mapping key of segment i (nil for sequence steps)
	steps fieldpath.Path // concrete steps taken (keys and indices), for the semantic check
	depth int            // how many segments exist
}

// Removals maps an index as the finding saw it to the index in the edited text: removing
// a sequence element shifts the ones after it, and several fixes may name them by index.
type Removals map[string][]int

func (m Removals) current(seqKey string, i int) (int, bool) {
	shift := 0
	for _, r := range m[seqKey] {
		switch {
		case r == i:
			return 0, false
		case r < i:
			shift++
		}
	}
	return i - shift, true
}

// Clone returns a copy, to restore when a fix is undone.
func (m Removals) Clone() Removals {
	out := make(Removals, len(m))
	for k, v := range m {
		out[k] = append([]int(nil), v...)
	}
	return out
}

// resolve follows p from the object's root without looking through YAML merge keys or
// aliases: text reached that way is shared with other places and must not be edited here.
// sx, when not nil, indexes root's large lists and mappings (the batch of a large object).
func resolve(root *yaml.Node, p fieldpath.Path, removed Removals, shared map[string]bool, sx *fieldpath.StepIndex) (*resolved, error) {
	r := &resolved{nodes: []*yaml.Node{root}}
	cur := root
	for i, seg := range p {
		if cur.Kind == yaml.AliasNode {
			return nil, fmt.Errorf("%s goes through the YAML alias *%s; edit the anchor instead", p[:i], cur.Value)
		}
		if cur.Anchor != "" && shared[cur.Anchor] {
			return nil, fmt.Errorf("%s is the YAML anchor &%s, shared with other places", p[:i], cur.Anchor)
		}
		var next, key *yaml.Node
		var st fieldpath.Segment
		switch {
		case seg.IsKey():
			if cur.Kind != yaml.MappingNode {
				return r, nil
			}
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if k := cur.Content[j]; k.Kind == yaml.ScalarNode && k.Value == seg.Key && k.Tag != "!!merge" {
					key, next = k, cur.Content[j+1]
					break
				}
			}
			if next == nil && fieldpath.MapGet(cur, seg.Key) != nil {
				return nil, fmt.Errorf("%s comes from a YAML merge key (<<); edit the merged mapping instead", p[:i+1])
			}
			st = fieldpath.Key(seg.Key)
		case seg.IsIndex:
			if cur.Kind != yaml.SequenceNode {
				return r, nil
			}
			idx, ok := removed.current(p[:i].String(), seg.Index)
			if ok && idx >= 0 && idx < len(cur.Content) {
				next = cur.Content[idx]
			}
			st = fieldpath.Index(idx)
		default: // selector
			if cur.Kind != yaml.SequenceNode {
				return r, nil
			}
			if j := sx.SelectIndex(cur, seg.SelKey, seg.SelValue); j >= 0 {
				item := cur.Content[j]
				if item.Kind == yaml.AliasNode {
					return nil, fmt.Errorf("%s is the YAML alias *%s; edit the anchor instead", p[:i+1], item.Value)
				}
				next = item
				st = fieldpath.Index(j)
			}
		}
		if next == nil {
			return r, nil
		}
		r.nodes = append(r.nodes, next)
		r.keys = append(r.keys, key)
		r.steps = append(r.steps, st)
		r.depth = i + 1
		cur = next
	}
	return r, nil
}

// holder returns the collection that holds node i of the chain.
func (r *resolved) holder(i int) *yaml.Node {
	if i < 1 {
		return nil
	}
	return r.nodes[i-1]
}

// inFlow reports whether node i of the chain sits inside a flow collection.
func (r *resolved) inFlow(i int) bool {
	for j := i - 1; j >= 0; j-- {
		if r.nodes[j].Style&yaml.FlowStyle != 0 {
			return true
		}
	}
	return false
}

func pathOf(r *resolved) string {
	var p fieldpath.Path
	for i, s := range r.steps {
		if s.IsIndex {
			if k := r.nodes[i+1]; k != nil {
				if name := fieldpath.MapGet(k, "name"); name != nil {
					p = append(p, fieldpath.Select("name", name.Value))
					continue
				}
			}
		}
		p = append(p, s)
	}
	if len(p) == 0 {
		return "the object"
	}
	return p.String()
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "YAML alias"
	}
	if isNull(n) {
		return "null"
	}
	return "scalar"
}
