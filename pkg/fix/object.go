package fix

import (
	"bytes"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// fileEditor edits the objects of one file. The file is cut into its documents ("units")
// so that each change re-parses one document, not the whole stream; when a stream cannot
// be cut safely (directives, odd markers) the whole file is one unit.
type fileEditor struct {
	path  string
	src   []byte
	units []*unit
	whole bool
}

type unit struct {
	line int    // 0-based line of the original file where the unit starts
	text []byte // current text
}

// target is one object inside a unit.
type target struct {
	u       *unit
	doc     int   // document index in the unit (whole-file mode), or -1: the only document
	items   []int // List item indices from the document root to the object
	ref     finding.ObjectRef
	removed yamledit.Removals
}

func newFileEditor(path string, src []byte, whole bool) *fileEditor {
	fe := &fileEditor{path: path, src: src, whole: whole}
	if whole {
		fe.units = []*unit{{line: 0, text: append([]byte(nil), src...)}}
		return fe
	}
	start, startLine := 0, 0
	for _, c := range yamledit.DocumentCuts(src) {
		if c.Offset > start {
			fe.units = append(fe.units, &unit{line: startLine, text: append([]byte(nil), src[start:c.Offset]...)})
		}
		start, startLine = c.Offset, c.Line
	}
	if start < len(src) || len(fe.units) == 0 {
		fe.units = append(fe.units, &unit{line: startLine, text: append([]byte(nil), src[start:]...)})
	}
	return fe
}

// bytes returns the file as edited so far.
func (fe *fileEditor) bytes() []byte {
	var b bytes.Buffer
	for _, u := range fe.units {
		b.Write(u.text)
	}
	return b.Bytes()
}

// target finds obj (as the loader parsed it) in the file.
func (fe *fileEditor) target(obj *manifest.Object) (*target, error) {
	root := obj.Root
	if root == nil {
		return nil, fmt.Errorf("object has no parsed content")
	}
	var u *unit
	for _, c := range fe.units {
		if c.line < root.Line {
			u = c
		}
	}
	if u == nil {
		return nil, fmt.Errorf("%s: line %d is outside the file", fe.path, root.Line)
	}
	tg := &target{u: u, doc: -1, ref: obj.Ref, removed: yamledit.Removals{}}
	if fe.whole {
		tg.doc = obj.Doc
	}
	docRoot, _, err := fe.docRoot(tg)
	if err != nil {
		return nil, err
	}
	line, col := root.Line-u.line, root.Column
	var find func(n *yaml.Node, path []int) []int
	find = func(n *yaml.Node, path []int) []int {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		if n.Line == line && n.Column == col {
			return append([]int{}, path...)
		}
		if kind := manifest.RefOf(n).Kind; kind != "" && len(kind) >= 4 && kind[len(kind)-4:] == "List" {
			if items := mapValue(n, "items"); items != nil && items.Kind == yaml.SequenceNode {
				for i, it := range items.Content {
					if p := find(it, append(path, i)); p != nil {
						return p
					}
				}
			}
		}
		return nil
	}
	tg.items = find(docRoot, nil)
	if tg.items == nil {
		return nil, fmt.Errorf("%s: %s not found at line %d; was the file changed since it was read?", fe.path, obj.Ref, root.Line)
	}
	n, _, err := fe.objectRoot(tg)
	if err != nil {
		return nil, err
	}
	if got := manifest.RefOf(n); got != obj.Ref {
		return nil, fmt.Errorf("%s: expected %s at line %d, found %s; was the file changed since it was read?", fe.path, obj.Ref, root.Line, got)
	}
	return tg, nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// docRoot parses the target's unit and returns its document's root node and the anchors
// that aliases refer to.
func (fe *fileEditor) docRoot(tg *target) (*yaml.Node, map[string]bool, error) {
	docs, perr := manifest.ParseDocuments(fe.path, tg.u.text, manifest.DefaultLimits)
	if perr != nil {
		return nil, nil, fmt.Errorf("parsing %s: %s", fe.path, perr.Message)
	}
	// The parser keeps the last of two equal keys, as the API server does, but the text
	// holds both and which one a person meant is unknown: such a file is not edited.
	for _, d := range docs {
		if d.Duplicate != nil {
			return nil, nil, fmt.Errorf("%s: %s; remove the duplicate by hand first", fe.path, d.Duplicate.Message)
		}
	}
	var root *yaml.Node
	for _, d := range docs {
		if tg.doc >= 0 {
			if d.Index == tg.doc {
				root = d.Root
			}
			continue
		}
		if yamledit.IsNull(d.Root) {
			continue
		}
		if root != nil {
			return nil, nil, fmt.Errorf("%s: more than one document in one unit", fe.path)
		}
		root = d.Root
	}
	if root == nil {
		return nil, nil, fmt.Errorf("%s: document not found", fe.path)
	}
	shared := map[string]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			shared[n.Alias.Anchor] = true
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return root, shared, nil
}

// objectRoot parses the unit and returns the target object's mapping node.
func (fe *fileEditor) objectRoot(tg *target) (*yaml.Node, map[string]bool, error) {
	n, shared, err := fe.docRoot(tg)
	if err != nil {
		return nil, nil, err
	}
	for _, i := range tg.items {
		items := mapValue(n, "items")
		if items == nil || i >= len(items.Content) {
			return nil, nil, fmt.Errorf("%s: List item %d vanished", fe.path, i)
		}
		n = items.Content[i]
	}
	return n, shared, nil
}

// apply applies one change to the target. It returns false when the change was already in
// place. Every edit is checked: the object is decoded before and after and must differ
// exactly by the change, or the edit is refused.
func (fe *fileEditor) apply(tg *target, ch finding.Change) (bool, error) {
	root, shared, err := fe.objectRoot(tg)
	if err != nil {
		return false, err
	}
	ed, err := fe.document(tg, root).Change(root, ch, yamledit.Context{Removed: tg.removed, Shared: shared})
	if err == yamledit.ErrNoop {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(ed.Edits) == 0 {
		return false, nil
	}
	steps := ed.Steps
	out, err := yamledit.Apply(tg.u.text, ed.Edits)
	if err != nil {
		return false, err
	}
	var before any
	if err := root.Decode(&before); err != nil {
		return false, fmt.Errorf("%s does not decode, so no edit of it can be checked: %w", tg.ref, err)
	}
	want, err := applyDecoded(before, steps, ch.Op, ch.Value)
	if err != nil {
		return false, fmt.Errorf("internal error: %w", err)
	}
	old := tg.u.text
	tg.u.text = out
	same, err := fe.verifyEdited(tg, want)
	if err == nil && !same {
		err = fmt.Errorf("the edit changed more than %s", ch.Path)
	}
	if err != nil {
		tg.u.text = old
		return false, fmt.Errorf("internal error editing %s (edit refused): %w", tg.ref, err)
	}
	tg.recordRemoval(ch, steps)
	return true, nil
}

// document is the target's unit, to edit the object at root in it.
func (fe *fileEditor) document(tg *target, root *yaml.Node) *yamledit.Document {
	d := yamledit.NewDocument(tg.u.text, root)
	if !bytes.Contains(tg.u.text, []byte("\n")) {
		// A one-line document ends as the file does.
		d.UseCRLF(bytes.Contains(fe.src, []byte("\r\n")))
	}
	return d
}

// recordRemoval notes a list element that ch removed, so that later changes that name
// elements of that list by index find them where they moved.
func (tg *target) recordRemoval(ch finding.Change, steps fieldpath.Path) {
	if ch.Op == finding.Remove && len(steps) > 0 && steps[len(steps)-1].IsIndex {
		key := ch.Path[:len(ch.Path)-1].String()
		last := ch.Path[len(ch.Path)-1]
		orig := last.Index
		if !last.IsIndex {
			// A selector names the element by content; later indices into the same list
			// still shift. Record the original position the element had.
			orig = originalIndex(tg.removed[key], steps[len(steps)-1].Index)
		}
		tg.removed[key] = append(tg.removed[key], orig)
	}
}

// originalIndex maps a current index back to the index before earlier removals.
func originalIndex(removed []int, cur int) int {
	for i := cur; ; i++ {
		shift, gone := 0, false
		for _, r := range removed {
			gone = gone || r == i
			if r < i {
				shift++
			}
		}
		if !gone && i-shift == cur {
			return i
		}
	}
}

// verifyEdited reads tg's object again from its edited text and reports whether it
// decodes to want. A fix may move the object to a namespace or API version; kind and name
// must stay, or the edit hit another object.
func (fe *fileEditor) verifyEdited(tg *target, want any) (bool, error) {
	newRoot, _, err := fe.objectRoot(tg)
	if err != nil {
		return false, err
	}
	if got := manifest.RefOf(newRoot); got.Kind != tg.ref.Kind || got.Name != tg.ref.Name {
		return false, fmt.Errorf("object identity changed")
	}
	var after any
	if err := newRoot.Decode(&after); err != nil {
		return false, err
	}
	return reflect.DeepEqual(after, want), nil
}
