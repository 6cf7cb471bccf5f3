package overlay

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// ensureInDoc edits document doc of f (the object written like like, for List
// documents; nil: the document) so that steps lead to leaf, or at least exist when leaf is
// nil. Missing mappings and list items are created, in the style of the document.
func ensureInDoc(f *fix.File, doc int, like *yaml.Node, steps []yamledit.PatchStep, leaf *yaml.Node) (bool, error) {
	root, err := findObjectIn(f, doc, like)
	if err != nil {
		return false, err
	}
	want := yamledit.CopyNode(root)
	if err := yamledit.EnsureNode(want, steps, leaf); err != nil {
		return false, err
	}
	if equalNodes(root, want) && (leaf == nil || !wouldDiffer(root, steps, leaf)) {
		return false, nil
	}
	edits, err := yamledit.Ensure(f.Data, fileStyle(f), root, steps, leaf)
	if err != nil {
		return false, err
	}
	if len(edits) == 0 {
		return false, nil
	}
	out, err := yamledit.Apply(f.Data, edits)
	if err != nil {
		return false, err
	}
	nf := &fix.File{Path: f.Path, Data: out}
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
func wouldDiffer(root *yaml.Node, steps []yamledit.PatchStep, leaf *yaml.Node) bool {
	n, ok := yamledit.Follow(root, steps)
	return !ok || !sameScalar(n, leaf)
}

// sameTags checks that the leaf reads back with its type: null stays null.
func sameTags(root *yaml.Node, steps []yamledit.PatchStep, leaf *yaml.Node) bool {
	if leaf == nil {
		return true
	}
	n, ok := yamledit.Follow(root, steps)
	return ok && sameScalar(n, leaf)
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
func fileStyle(f *fix.File) yamledit.Style {
	docs, _ := manifest.ParseDocuments(f.Path, f.Data, manifest.DefaultLimits)
	roots := make([]*yaml.Node, 0, len(docs))
	for _, d := range docs {
		roots = append(roots, d.Root)
	}
	return yamledit.FileStyle(roots, f.Data)
}

// schemaFor looks up the strategic-merge rules of an object's lists.
type schemaFor struct{ apiVersion, kind string }

// patchSteps turns a change, on the object as built (pre) and as the fix wants it (post),
// into the steps and value of a strategic-merge patch: list items are named by their merge
// keys; a list without merge keys is replaced whole by what the fix makes of it; a removed
// field becomes null and a removed item "$patch: delete".
func patchSteps(pre, post *yaml.Node, ch finding.Change, sf schemaFor) ([]yamledit.PatchStep, *yaml.Node, error) {
	var steps []yamledit.PatchStep
	cur := pre
	sch := sf.root()
	for i, seg := range ch.Path {
		if seg.IsKey() {
			steps = append(steps, yamledit.PatchStep{Key: seg.Key})
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
			return steps, yamledit.CopyNode(list), nil
		}
		step := yamledit.PatchStep{Item: elem, Match: match, Ordered: true}
		for _, prev := range fieldpath.Deref(cur).Content[:j] {
			if ps, ok := itemStep(prev, keys); ok {
				step.Before = append(step.Before, ps)
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
			return steps, yamledit.NullNode(), nil
		}
		return append(steps, yamledit.PatchStep{Key: "$patch"}), yamledit.StrNode("delete"), nil
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
		return steps, yamledit.CopyNode(list), nil
	}
	return nil, nil, fmt.Errorf("change %v is not an edit", ch.Op)
}

// itemStep names a list item by the merge keys it has.
func itemStep(item *yaml.Node, keys []string) (yamledit.PatchStep, bool) {
	item = fieldpath.Deref(item)
	var match []string
	for _, k := range keys {
		if v := fieldpath.MapGet(item, k); v != nil && v.Kind == yaml.ScalarNode && v.Tag != "!!null" {
			match = append(match, k)
		}
	}
	return yamledit.PatchStep{Item: item, Match: match}, item.Kind == yaml.MappingNode && len(match) > 0
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
