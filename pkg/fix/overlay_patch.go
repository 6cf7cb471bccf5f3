package fix

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// ensureInDoc edits document doc of f (the object written like like, for List
// documents; nil: the document) so that steps lead to leaf, or at least exist when leaf is
// nil. Missing mappings and list items are created, in the style of the document.
func ensureInDoc(f *File, doc int, like *yaml.Node, steps []pstep, leaf *yaml.Node) (bool, error) {
	root, err := findObjectIn(f, doc, like)
	if err != nil {
		return false, err
	}
	want := deepCopy(root)
	if err := ensureNode(want, steps, leaf); err != nil {
		return false, err
	}
	if equalNodes(root, want) && (leaf == nil || !wouldDiffer(root, steps, leaf)) {
		return false, nil
	}
	t := newText(f.Data)
	st := fileStyle(f)
	e := &editor{t: t, st: st}
	if err := e.ensure(root, steps, leaf); err != nil {
		return false, err
	}
	if len(e.edits) == 0 {
		return false, nil
	}
	out, err := ApplyEdits(f.Data, e.edits)
	if err != nil {
		return false, err
	}
	nf := &File{Path: f.Path, Data: out}
	got, err := findObjectIn(nf, doc, like)
	if err != nil {
		return false, fmt.Errorf("internal error (edit refused): %w", err)
	}
	if !equalNodes(got, want) || !sameTags(got, steps, leaf) {
		return false, fmt.Errorf("internal error (edit refused): the edit did not produce the patch")
	}
	f.Data = out
	return true, nil
}

// wouldDiffer reports a leaf that is there with the same meaning but written otherwise
// (null versus absent): a delete directive must be written even where equalNodes sees
// nothing to change.
func wouldDiffer(root *yaml.Node, steps []pstep, leaf *yaml.Node) bool {
	n, _, _, depth := resolveSteps(root, steps)
	if depth < len(steps) {
		return true
	}
	return !sameScalar(n, leaf)
}

// sameTags checks that the leaf reads back with its type: null stays null.
func sameTags(root *yaml.Node, steps []pstep, leaf *yaml.Node) bool {
	if leaf == nil {
		return true
	}
	n, _, _, depth := resolveSteps(root, steps)
	return depth == len(steps) && sameScalar(n, leaf)
}

func sameScalar(n, leaf *yaml.Node) bool {
	n = fieldpath.Deref(n)
	if n == nil {
		return false
	}
	if leaf.Kind != yaml.ScalarNode {
		return equalNodes(n, leaf)
	}
	return n.Kind == yaml.ScalarNode && n.Tag == leaf.Tag && (leaf.Tag == "!!null" || n.Value == leaf.Value)
}

// fileStyle votes over every document of f, so a new document looks like the others.
func fileStyle(f *File) style {
	docs, _ := manifest.ParseDocuments(f.Path, f.Data, manifest.DefaultLimits)
	all := &yaml.Node{Kind: yaml.SequenceNode}
	for _, d := range docs {
		all.Content = append(all.Content, d.Root)
	}
	st := detectStyle(all, f.Data)
	st.json = false
	return st
}

// pstep is one step of a patch path: a mapping key, or a list item named by the fields
// match lists of item (its merge keys), or a scalar item.
type pstep struct {
	key    string
	item   *yaml.Node
	match  []string
	scalar *yaml.Node
	// before names the items the list holds ahead of item. kustomize puts the items of a
	// patch first, in the patch's order (it merges with ListIncreaseDirection prepend): a
	// new item goes in with those before it, or it would move to the front of the list,
	// and initContainers run in list order.
	before  []pstep
	ordered bool // the item goes after before; otherwise at the end of the list
}

func (s pstep) isKey() bool { return s.item == nil && s.scalar == nil }

// matches reports whether a list item is the one s names.
func (s pstep) matches(item *yaml.Node) bool {
	item = fieldpath.Deref(item)
	if s.scalar != nil {
		return item.Kind == yaml.ScalarNode && item.Value == s.scalar.Value
	}
	if item.Kind != yaml.MappingNode {
		return false
	}
	for _, k := range s.match {
		a, b := fieldpath.MapGet(item, k), fieldpath.MapGet(s.item, k)
		if a == nil || b == nil || a.Kind != yaml.ScalarNode || a.Value != b.Value {
			return false
		}
	}
	return true
}

// resolveSteps follows steps from root as far as they exist. It returns the deepest node
// reached, the key node that holds it (nil for list items and the root), the node that
// holds it, and how many steps exist.
func resolveSteps(root *yaml.Node, steps []pstep) (n, key, holder *yaml.Node, depth int) {
	n = root
	for i, s := range steps {
		var next, nextKey *yaml.Node
		switch {
		case s.isKey() && n.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(n.Content); j += 2 {
				if k := n.Content[j]; k.Kind == yaml.ScalarNode && k.Value == s.key {
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

// ensureNode is ensureInDoc on a tree: the expected result.
func ensureNode(root *yaml.Node, steps []pstep, leaf *yaml.Node) error {
	n := root
	for i, s := range steps {
		last := i == len(steps)-1
		switch {
		case s.isKey():
			if isNull(n) {
				*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			}
			if n.Kind != yaml.MappingNode {
				return fmt.Errorf("%s: not a mapping", s.key)
			}
			var next *yaml.Node
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == s.key {
					if last && leaf != nil {
						n.Content[j+1] = deepCopy(leaf)
					}
					next = n.Content[j+1]
					break
				}
			}
			if next == nil {
				next = nullNode()
				if last && leaf != nil {
					next = deepCopy(leaf)
				} else if !last {
					next = emptyFor(steps[i+1])
				}
				n.Content = append(n.Content, strNode(s.key), next)
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
				if !s.ordered {
					at = len(n.Content)
				}
				for _, b := range s.before {
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
func indexOf(list *yaml.Node, s pstep) int {
	for i, item := range list.Content {
		if s.matches(item) {
			return i
		}
	}
	return -1
}

// emptyFor is the empty collection a step goes into.
func emptyFor(s pstep) *yaml.Node {
	if s.isKey() {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	}
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
}

// newItem is the list item s names, with only the fields that name it.
func (s pstep) newItem() *yaml.Node {
	if s.scalar != nil {
		return deepCopy(s.scalar)
	}
	item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, k := range s.match {
		if v := fieldpath.MapGet(s.item, k); v != nil {
			item.Content = append(item.Content, strNode(k), deepCopy(v))
		}
	}
	return item
}

// subtree is what steps[i:] and leaf add below an existing node, as a tree: a mapping for
// a key step, a one-item list for an item step.
func subtree(steps []pstep, leaf *yaml.Node) *yaml.Node {
	var holder *yaml.Node
	if steps[0].isKey() {
		holder = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	} else {
		holder = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	_ = ensureNode(holder, steps, leaf)
	return holder
}

// ensure computes the text edits of ensureInDoc: one insertion, or one replacement, at
// the deepest node that exists.
func (e *editor) ensure(root *yaml.Node, steps []pstep, leaf *yaml.Node) error {
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
			if steps[depth].ordered {
				return fmt.Errorf("%s is written in flow style; add the fix by hand", stepsText(steps[:depth]))
			}
			return e.appendFlow(n, sub)
		}
		if n.Kind == yaml.SequenceNode {
			// The items before it are inserted on their own, where they belong.
			alone := append([]pstep{steps[depth]}, steps[depth+1:]...)
			alone[0].before = nil
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

func stepsText(steps []pstep) string {
	var parts []string
	for _, s := range steps {
		switch {
		case s.isKey():
			parts = append(parts, s.key)
		case s.scalar != nil:
			parts = append(parts, "["+s.scalar.Value+"]")
		default:
			var kv []string
			for _, k := range s.match {
				v, _ := fieldpath.Str(fieldpath.MapGet(s.item, k))
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
func (e *editor) insertItems(n *yaml.Node, s pstep, sub *yaml.Node) error {
	col := n.Column - 1
	anchor := -1
	if !s.ordered {
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
	for _, b := range s.before {
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

// schemaFor looks up the strategic-merge rules of an object's lists.
type schemaFor struct{ apiVersion, kind string }

// patchSteps turns a change, on the object as built (pre) and as the fix wants it (post),
// into the steps and value of a strategic-merge patch: list items are named by their merge
// keys; a list without merge keys is replaced whole by what the fix makes of it; a removed
// field becomes null and a removed item "$patch: delete".
func patchSteps(pre, post *yaml.Node, ch finding.Change, sf schemaFor) ([]pstep, *yaml.Node, error) {
	var steps []pstep
	cur := pre
	sch := sf.root()
	for i, seg := range ch.Path {
		if seg.IsKey() {
			steps = append(steps, pstep{key: seg.Key})
			cur = fieldpath.MapGet(cur, seg.Key)
			sch = sch.field(seg.Key)
			continue
		}
		keys, assoc := sch.listKeys()
		j := pick(cur, seg)
		if j < 0 {
			return nil, nil, fmt.Errorf("no element matches %s", ch.Path[:i+1])
		}
		elem := fieldpath.Deref(cur).Content[j]
		var match []string
		for _, k := range keys {
			if v := fieldpath.MapGet(elem, k); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
				match = append(match, k)
			}
		}
		if !assoc || elem.Kind != yaml.MappingNode || len(match) == 0 {
			// The patch replaces the whole list with its fixed content.
			list := fieldpath.Lookup(post, ch.Path[:i])
			if list == nil {
				list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			}
			return steps, deepCopy(list), nil
		}
		step := pstep{item: elem, match: match, ordered: true}
		for _, prev := range fieldpath.Deref(cur).Content[:j] {
			if ps, ok := itemStep(prev, keys); ok {
				step.before = append(step.before, ps)
			}
		}
		steps = append(steps, step)
		cur = elem
		sch = sch.elements()
	}
	last := ch.Path[len(ch.Path)-1]
	switch ch.Op {
	case finding.Set:
		v, err := valueNode(ch.Value)
		return steps, v, err
	case finding.Remove:
		if last.IsKey() {
			return steps, nullNode(), nil
		}
		return append(steps, pstep{key: "$patch"}), strNode("delete"), nil
	case finding.Append:
		if _, assoc := sch.listKeys(); assoc {
			// A merged list of scalars (finalizers): the patch's items are added.
			v, err := valueNode(ch.Value)
			return steps, &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{v}}, err
		}
		list := fieldpath.Lookup(post, ch.Path)
		if list == nil {
			return nil, nil, fmt.Errorf("internal error: %s missing after the change", ch.Path)
		}
		return steps, deepCopy(list), nil
	}
	return nil, nil, fmt.Errorf("change %v is not an edit", ch.Op)
}

// itemStep names a list item by the merge keys it has.
func itemStep(item *yaml.Node, keys []string) (pstep, bool) {
	item = fieldpath.Deref(item)
	var match []string
	for _, k := range keys {
		if v := fieldpath.MapGet(item, k); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			match = append(match, k)
		}
	}
	return pstep{item: item, match: match}, item.Kind == yaml.MappingNode && len(match) > 0
}

// translate maps a path of the built object onto a document that mirrors it (a patch, or
// the resource as written), whose lists may hold other items in another order: an index
// becomes the index of the item with the same merge keys (or the same value). It returns
// the mapped path and how many segments exist in the document.
func translate(p fieldpath.Path, built, doc *yaml.Node, sf schemaFor) (fieldpath.Path, int) {
	out := make(fieldpath.Path, 0, len(p))
	b, d := built, doc
	sch := sf.root()
	depth := -1
	for i, seg := range p {
		if depth >= 0 {
			out = append(out, seg)
			continue
		}
		switch {
		case seg.IsKey():
			b, d = fieldpath.MapGet(b, seg.Key), fieldpath.MapGet(d, seg.Key)
			sch = sch.field(seg.Key)
			out = append(out, seg)
		case !seg.IsIndex:
			bi, di := pick(b, seg), pick(d, seg)
			b, d = itemAt(b, bi), itemAt(d, di)
			sch = sch.elements()
			out = append(out, seg)
		default:
			bi := pick(b, seg)
			keys, _ := sch.listKeys()
			di := matchItem(d, itemAt(b, bi), keys)
			b, d = itemAt(b, bi), itemAt(d, di)
			sch = sch.elements()
			if di >= 0 {
				seg = fieldpath.Index(di)
			}
			out = append(out, seg)
		}
		if d == nil {
			depth = i
		}
	}
	if depth < 0 {
		depth = len(p)
	}
	return out, depth
}

func itemAt(list *yaml.Node, i int) *yaml.Node {
	list = fieldpath.Deref(list)
	if list == nil || i < 0 || i >= len(list.Content) {
		return nil
	}
	return fieldpath.Deref(list.Content[i])
}

// matchItem finds the item of list that is want: the same merge keys, else the same value.
func matchItem(list, want *yaml.Node, keys []string) int {
	list = fieldpath.Deref(list)
	if list == nil || want == nil || list.Kind != yaml.SequenceNode {
		return -1
	}
	for i, item := range list.Content {
		item = fieldpath.Deref(item)
		if want.Kind == yaml.MappingNode && item.Kind == yaml.MappingNode && len(keys) > 0 {
			ok, any := true, false
			for _, k := range keys {
				a, b := fieldpath.MapGet(item, k), fieldpath.MapGet(want, k)
				if a == nil && b == nil {
					continue
				}
				any = true
				ok = ok && a != nil && b != nil && a.Value == b.Value
			}
			if ok && any {
				return i
			}
			continue
		}
		if equalNodes(item, want) {
			return i
		}
	}
	return -1
}
