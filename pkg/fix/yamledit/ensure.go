package yamledit

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// PatchStep is one step of a patch path: a mapping key, or a list item named by the fields
// match lists of item (its merge keys), or a scalar item.
type PatchStep struct {
	Key    string
	Item   *yaml.Node
	Match  []string
	Scalar *yaml.Node
	// before names the items the list holds ahead of item. kustomize puts the items of a
	// patch first, in the patch's order (it merges with ListIncreaseDirection prepend): a
	// new item goes in with those before it, or it would move to the front of the list,
	// and initContainers run in list order.
	Before  []PatchStep
	Ordered bool // the item goes after Before; otherwise at the end of the list
}

func (s PatchStep) isKey() bool { return s.Item == nil && s.Scalar == nil }

// matches reports whether a list item is the one s names.
func (s PatchStep) matches(item *yaml.Node) bool {
	item = fieldpath.Deref(item)
	if s.Scalar != nil {
		return item.Kind == yaml.ScalarNode && item.Value == s.Scalar.Value
	}
	if item.Kind != yaml.MappingNode {
		return false
	}
	for _, k := range s.Match {
		a, b := fieldpath.MapGet(item, k), fieldpath.MapGet(s.Item, k)
		if a == nil || b == nil || a.Kind != yaml.ScalarNode || a.Value != b.Value {
			return false
		}
	}
	return true
}

// resolveSteps follows steps from root as far as they exist. It returns the deepest node
// reached, the key node that holds it (nil for list items and the root), the node that
// holds it, and how many steps exist.
func resolveSteps(root *yaml.Node, steps []PatchStep) (n, key, holder *yaml.Node, depth int) {
	n = root
	for i, s := range steps {
		var next, nextKey *yaml.Node
		switch {
		case s.isKey() && n.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if k := n.Content[j]; k.Kind == yaml.ScalarNode && k.Value == s.Key {
					next, nextKey = n.Content[j+1], k
					break
				}
			}
		case !s.isKey() && n.Kind == yaml.SequenceNode:
			for _, item := range n.Content {
				if s.matches(item) {
					next = item
					break
				}
			}
		}
		if next == nil {
			return n, key, holder, i
		}
		holder, n, key = n, next, nextKey
	}
	return n, key, holder, len(steps)
}

// EnsureNode is Ensure on a tree: the expected result of the text edits.
func EnsureNode(root *yaml.Node, steps []PatchStep, leaf *yaml.Node) error {
	n := root
	for i, s := range steps {
		last := i == len(steps)-1
		switch {
		case s.isKey():
			if isNull(n) {
				*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			if n.Kind != yaml.MappingNode {
				return fmt.Errorf("%s: not a mapping", s.Key)
			}
			var next *yaml.Node
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == s.Key {
					if last && leaf != nil {
						n.Content[j+1] = CopyNode(leaf)
					}
					next = n.Content[j+1]
					break
				}
			}
			if next == nil {
				next = NullNode()
				if last && leaf != nil {
					next = CopyNode(leaf)
				} else if !last {
					next = emptyFor(steps[i+1])
				}
				n.Content = append(n.Content, StrNode(s.Key), next)
			}
			n = next
		default:
			if isNull(n) {
				*n = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			if n.Kind != yaml.SequenceNode {
				return fmt.Errorf("not a list")
			}
			var next *yaml.Node
			for _, item := range n.Content {
				if s.matches(item) {
					next = item
					break
				}
			}
			if next == nil {
				next = s.newItem()
				at := 0
				if !s.Ordered {
					at = len(n.Content)
				}
				for _, b := range s.Before {
					j := indexOf(n, b)
					if j < 0 {
						j = at
						n.Content = append(n.Content[:j], append([]*yaml.Node{b.newItem()}, n.Content[j:]...)...)
					}
					at = j + 1
				}
				n.Content = append(n.Content[:at], append([]*yaml.Node{next}, n.Content[at:]...)...)
			}
			n = next
		}
	}
	return nil
}

// indexOf is the index of the item of list s names, or -1.
func indexOf(list *yaml.Node, s PatchStep) int {
	for i, item := range list.Content {
		if s.matches(item) {
			return i
		}
	}
	return -1
}

// emptyFor is the empty collection a step goes into.
func emptyFor(s PatchStep) *yaml.Node {
	if s.isKey() {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
}

// newItem is the list item s names, with only the fields that name it.
func (s PatchStep) newItem() *yaml.Node {
	if s.Scalar != nil {
		return CopyNode(s.Scalar)
	}
	item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, k := range s.Match {
		if v := fieldpath.MapGet(s.Item, k); v != nil {
			item.Content = append(item.Content, StrNode(k), CopyNode(v))
		}
	}
	return item
}

// subtree is what steps[i:] and leaf add below an existing node, as a tree: a mapping for
// a key step, a one-item list for an item step.
func subtree(steps []PatchStep, leaf *yaml.Node) *yaml.Node {
	var holder *yaml.Node
	if steps[0].isKey() {
		holder = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	} else {
		holder = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	_ = EnsureNode(holder, steps, leaf)
	return holder
}

// Ensure returns the edits to src that make steps lead to leaf in root, an object parsed
// from src, or, leaf nil, make steps exist. Missing mappings and list items are created, in
// style st. It is one insertion, or one replacement, at the deepest node that exists.
func Ensure(src []byte, st Style, root *yaml.Node, steps []PatchStep, leaf *yaml.Node) ([]TextEdit, error) {
	e := &editor{t: newText(src), st: st.s}
	if err := e.ensure(root, steps, leaf); err != nil {
		return nil, err
	}
	return e.edits, nil
}

// Follow returns the node steps lead to in root, or false when they do not all exist.
func Follow(root *yaml.Node, steps []PatchStep) (*yaml.Node, bool) {
	n, _, _, depth := resolveSteps(root, steps)
	return n, depth == len(steps)
}

// ensure computes the text edits of Ensure.
func (e *editor) ensure(root *yaml.Node, steps []PatchStep, leaf *yaml.Node) error {
	n, key, holder, depth := resolveSteps(root, steps)
	if depth == len(steps) {
		if leaf == nil {
			return nil
		}
		if key == nil {
			return fmt.Errorf("cannot replace a list item in place")
		}
		return e.replaceValue(key, n, holder, leaf)
	}
	sub := subtree(steps[depth:], leaf)
	n = fieldpath.Deref(n)
	switch {
	case n.Kind == yaml.MappingNode && steps[depth].isKey() || n.Kind == yaml.SequenceNode && !steps[depth].isKey():
		if len(n.Content) == 0 {
			if key == nil {
				return fmt.Errorf("%s is empty and has no key to write under; add the fix by hand", stepsText(steps[:depth]))
			}
			return e.replaceValue(key, n, holder, sub)
		}
		if n.Style&yaml.FlowStyle != 0 {
			if steps[depth].Ordered {
				return fmt.Errorf("%s is written in flow style; add the fix by hand", stepsText(steps[:depth]))
			}
			return e.appendFlow(n, sub)
		}
		if n.Kind == yaml.SequenceNode {
			// The items before it are inserted on their own, where they belong.
			alone := append([]PatchStep{steps[depth]}, steps[depth+1:]...)
			alone[0].Before = nil
			return e.insertItems(n, steps[depth], subtree(alone, leaf))
		}
		end, err := e.t.nodeEnd(n, ctx{parentIndent: n.Column - 1})
		if err != nil {
			return err
		}
		e.insertLinesAfter(e.t.lineOf(end), e.render(sub, n.Content[0].Column-1))
		return nil
	case isNull(n) && key != nil:
		return e.replaceValue(key, n, holder, sub)
	}
	return fmt.Errorf("%s is a %s; cannot add %s below it", stepsText(steps[:depth]), kindName(n), stepsText(steps[depth:depth+1]))
}

func stepsText(steps []PatchStep) string {
	var parts []string
	for _, s := range steps {
		switch {
		case s.isKey():
			parts = append(parts, s.Key)
		case s.Scalar != nil:
			parts = append(parts, "["+s.Scalar.Value+"]")
		default:
			var kv []string
			for _, k := range s.Match {
				v, _ := fieldpath.Str(fieldpath.MapGet(s.Item, k))
				kv = append(kv, k+"="+v)
			}
			parts = append(parts, "["+strings.Join(kv, ",")+"]")
		}
	}
	if len(parts) == 0 {
		return "the document"
	}
	return strings.ReplaceAll(strings.Join(parts, "."), ".[", "[")
}

// replaceValue writes v as the value of key, in place of old.
func (e *editor) replaceValue(key, old, holder, v *yaml.Node) error {
	if old.Anchor != "" {
		return fmt.Errorf("%s carries the YAML anchor &%s; edit it by hand", key.Value, old.Anchor)
	}
	if old.Kind == yaml.AliasNode {
		return fmt.Errorf("%s is the YAML alias *%s; edit it by hand", key.Value, old.Value)
	}
	flow := holder != nil && holder.Style&yaml.FlowStyle != 0
	colon, err := e.t.colonEnd(key, flow)
	if err != nil {
		return err
	}
	end := colon
	if !isEmptyNull(old) {
		parent := 0
		if holder != nil {
			parent = holder.Column - 1
		}
		if end, err = e.t.nodeEnd(old, ctx{parentIndent: parent, flow: flow}); err != nil {
			return err
		}
	}
	if v.Kind == yaml.ScalarNode || len(v.Content) == 0 {
		e.replace(colon, end, " "+e.inline(v))
		return nil
	}
	if flow {
		e.replace(colon, end, " "+e.flow(v))
		return nil
	}
	col := key.Column - 1 + e.st.indent
	if v.Kind == yaml.SequenceNode {
		col = key.Column - 1 + e.st.seqIndent
	}
	lines := e.render(v, col)
	e.replace(colon, end, "\n"+strings.TrimSuffix(lines, "\n"))
	return nil
}

// insertItems adds the item s names (sub holds it with what goes below it) to the block
// list n, after the items that precede it in the built object, adding those that are
// missing, by their merge keys only.
func (e *editor) insertItems(n *yaml.Node, s PatchStep, sub *yaml.Node) error {
	col := n.Column - 1
	anchor := -1
	if !s.Ordered {
		anchor = len(n.Content) - 1
	}
	var pending strings.Builder
	flush := func() error {
		if pending.Len() == 0 {
			return nil
		}
		defer pending.Reset()
		if anchor < 0 {
			off := e.t.lineStart(n.Line - 1)
			e.replace(off, off, pending.String())
			return nil
		}
		end, err := e.t.nodeEnd(n.Content[anchor], ctx{parentIndent: col})
		if err != nil {
			return err
		}
		e.insertLinesAfter(e.t.lineOf(end), pending.String())
		return nil
	}
	for _, b := range s.Before {
		if j := indexOf(n, b); j >= 0 {
			if j < anchor {
				return fmt.Errorf("the list's items are in another order than in the object; add the fix by hand")
			}
			if err := flush(); err != nil {
				return err
			}
			anchor = j
			continue
		}
		pending.WriteString(e.render(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{b.newItem()}}, col))
	}
	pending.WriteString(e.render(sub, col))
	return flush()
}

// appendFlow adds the one entry or item of sub at the end of the flow collection n.
func (e *editor) appendFlow(n, sub *yaml.Node) error {
	last := n.Content[len(n.Content)-1]
	end, err := e.t.nodeEnd(last, ctx{parentIndent: n.Column - 1, flow: true})
	if err != nil {
		return err
	}
	if n.Kind == yaml.MappingNode && isEmptyNull(last) {
		if end, err = e.t.colonEnd(n.Content[len(n.Content)-2], true); err != nil {
			return err
		}
	}
	var entry string
	if sub.Kind == yaml.MappingNode {
		entry = renderKey(sub.Content[0].Value, e.st) + ": " + e.flow(sub.Content[1])
	} else {
		entry = e.flow(sub.Content[0])
	}
	e.replace(end, end, ", "+entry)
	return nil
}

// flow renders a value in flow style.
func (e *editor) flow(v *yaml.Node) string {
	var parts []string
	switch {
	case v.Kind == yaml.MappingNode && len(v.Content) > 0:
		for i := 0; i+1 < len(v.Content); i += 2 {
			parts = append(parts, renderKey(v.Content[i].Value, e.st)+": "+e.flow(v.Content[i+1]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case v.Kind == yaml.SequenceNode && len(v.Content) > 0:
		for _, item := range v.Content {
			parts = append(parts, e.flow(item))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return e.inline(v)
}

// inline renders a scalar or an empty collection.
func (e *editor) inline(v *yaml.Node) string {
	switch {
	case v.Kind == yaml.MappingNode:
		return "{}"
	case v.Kind == yaml.SequenceNode:
		return "[]"
	case v.Tag == "!!null":
		return "null"
	case v.Tag == "!!str":
		s, _ := scalarText(v.Value, e.st.quote, e.st)
		return s
	}
	return v.Value
}

// render writes a mapping's entries, or a list's items, as block lines at column col.
func (e *editor) render(n *yaml.Node, col int) string {
	var b strings.Builder
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			b.WriteString(spaces(col) + renderKey(k, e.st) + ":")
			switch {
			case v.Kind == yaml.ScalarNode || len(v.Content) == 0:
				b.WriteString(" " + e.inline(v) + "\n")
			case v.Kind == yaml.MappingNode:
				b.WriteString("\n" + e.render(v, col+e.st.indent))
			default:
				b.WriteString("\n" + e.render(v, col+e.st.seqIndent))
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			switch {
			case item.Kind == yaml.ScalarNode || len(item.Content) == 0:
				b.WriteString(spaces(col) + "- " + e.inline(item) + "\n")
			default:
				inner := e.render(item, col+2)
				b.WriteString(spaces(col) + "- " + strings.TrimPrefix(inner, spaces(col+2)))
			}
		}
	}
	return b.String()
}

// renderKey writes "$patch" plain, as kustomize's documentation does.
func renderKey(k string, st style) string {
	if k == "$patch" {
		return k
	}
	return keyText(k, 0, st)
}
