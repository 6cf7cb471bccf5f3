package overlay

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// explain names the patch a fix cannot override or edit, when one sets a field it changes.
func (o *overlayFix) explain(err error, built *yaml.Node, fx *finding.Fix) error {
	for _, ch := range fx.Changes {
		if ch.Op == finding.AddObject {
			continue
		}
		if pos := o.obj.Locate(ch.Path); kustomize.IsKustomizationFile(pos.File) && fieldpath.Lookup(built, ch.Path) != nil {
			if !o.inPatch(pos.File, built, ch) {
				return fmt.Errorf("%w; the entry at %s:%d sets it, after every patch: fix it there", err, pos.File, pos.Line)
			}
		}
		pointer := jsonPointer(built, ch.Path)
		for _, p := range o.org.Patches {
			switch {
			case p.JSON:
				for _, op := range fieldpath.Items(p.Root) {
					kind, _ := fieldpath.Str(fieldpath.MapGet(op, "op"))
					path, _ := fieldpath.Str(fieldpath.MapGet(op, "path"))
					if (kind == "add" || kind == "replace") && path != "" && (pointer == path || strings.HasPrefix(pointer, path+"/")) {
						return fmt.Errorf("%w; the JSON 6902 patch %s sets it, and applies last: fix it there", err, p.File)
					}
				}
			case p.Inline || p.Targeted:
				if _, depth := translate(ch.Path, built, fieldpath.Deref(p.Root), o.schema()); depth == len(ch.Path) {
					what := "an inline patch in"
					if p.Targeted {
						what = "a patch that selects objects by target, so edits would reach others too:"
					}
					return fmt.Errorf("%w; %s %s sets it: fix it there", err, what, p.File)
				}
			}
		}
	}
	return err
}

// inPatch reports whether an inline patch of file sets the field: then the locator points
// at the patch, not at an entry such as images:.
func (o *overlayFix) inPatch(file string, built *yaml.Node, ch finding.Change) bool {
	for _, p := range o.org.Patches {
		if p.Inline && p.File == file {
			if _, depth := translate(ch.Path, built, fieldpath.Deref(p.Root), o.schema()); depth == len(ch.Path) {
				return true
			}
		}
	}
	return false
}

// jsonPointer writes a path of the built object as a JSON pointer, selectors as indices.
func jsonPointer(built *yaml.Node, p fieldpath.Path) string {
	var b strings.Builder
	cur := built
	for _, seg := range p {
		b.WriteString("/")
		if seg.IsKey() {
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(seg.Key, "~", "~0"), "/", "~1"))
			cur = fieldpath.MapGet(cur, seg.Key)
			continue
		}
		i := pick(cur, seg)
		fmt.Fprintf(&b, "%d", i)
		cur = itemAt(cur, i)
	}
	return b.String()
}

// applyFix applies the changes of one fix to the workspace and to e. setterFirst sends a
// change to the patch of the overlay that sets the field, when there is one.
func (o *overlayFix) applyFix(fx *finding.Fix, e *expectation, setterFirst bool) (changes int, usedSetter bool, err error) {
	if err := fix.ValidateAdds(fx); err != nil {
		return 0, false, err
	}
	for _, ch := range fx.Changes {
		if ch.Op == finding.AddObject {
			changed, err := o.addResource(ch)
			if err != nil {
				return 0, usedSetter, err
			}
			ref, _ := fix.NewObjectRef(ch)
			e.added = append(e.added, ref)
			if changed {
				changes++
			}
			continue
		}
		pre := e.node
		post := yamledit.CopyNode(pre)
		if err := applyNode(post, ch.Path, ch.Op, ch.Value); err != nil {
			return 0, usedSetter, fmt.Errorf("%s %s: %w", fix.OpName(ch.Op), ch.Path, err)
		}
		if equalNodes(pre, post) {
			continue // already in place in what the overlay builds
		}
		e.node = post
		e.changes = append(e.changes, ch)
		var p kustomize.Patch
		var path fieldpath.Path
		var toSetter, changed bool
		if setterFirst {
			p, path, toSetter = o.setter(pre, ch)
		}
		switch {
		case toSetter:
			usedSetter = true
			changed, err = o.editDoc(p.File, p.Doc, nil, path, ch)
		case o.mode == FixToSource:
			path, _ = translate(ch.Path, pre, o.current(o.org.File, o.org.Doc, o.org.Source), o.schema())
			changed, err = o.editDoc(o.org.File, o.org.Doc, o.org.Source, path, ch)
			if o.mode != o.auto {
				e.shared = append(e.shared, ch)
			}
		default:
			changed, err = o.writePatch(pre, post, ch)
		}
		if err != nil {
			return 0, usedSetter, fmt.Errorf("%s %s: %w", fix.OpName(ch.Op), ch.Path, err)
		}
		if changed {
			changes++
		}
	}
	return changes, usedSetter, nil
}

// setter returns the patch that sets the field the change edits, when the change belongs
// there: a strategic-merge patch file (in overlay mode, one of the overlay's own) that
// applies to this object only. In source mode a field to create goes where its nearest
// parent is written: into the patch that adds a container the resource does not have.
func (o *overlayFix) setter(built *yaml.Node, ch finding.Change) (kustomize.Patch, fieldpath.Path, bool) {
	editable := func(p kustomize.Patch) bool {
		return !p.Inline && !p.Targeted && (o.mode == FixToSource || within(o.org.Dir, p.File))
	}
	var deepest kustomize.Patch
	var deepestPath fieldpath.Path
	best := 0
	for _, p := range o.org.Patches {
		if p.JSON {
			continue
		}
		doc := fieldpath.Deref(p.Root)
		if !p.Inline {
			doc = o.current(p.File, p.Doc, nil) // an earlier fix may have edited it
		}
		path, depth := translate(ch.Path, built, doc, o.schema())
		if depth == len(ch.Path) {
			// The last patch applied that sets the field wins: it is this one or none.
			if !editable(p) {
				return kustomize.Patch{}, nil, false
			}
			return p, path, true
		}
		if depth > best && editable(p) {
			deepest, deepestPath, best = p, path, depth
		}
	}
	if o.mode == FixToSource && ch.Op != finding.Remove && best > 0 {
		if _, inSource := translate(ch.Path, built, o.current(o.org.File, o.org.Doc, o.org.Source), o.schema()); best > inSource {
			return deepest, deepestPath, true
		}
	}
	return kustomize.Patch{}, nil, false
}

// current is document doc of file (the object written like like, in a List) as the
// workspace holds it now, or nil.
func (o *overlayFix) current(file string, doc int, like *yaml.Node) *yaml.Node {
	f, err := o.ws.Open(file)
	if err != nil {
		return nil
	}
	n, err := findObjectIn(f, doc, like)
	if err != nil {
		return nil
	}
	return n
}

// findObjectIn finds in f the object of document doc that was written as like: the
// document itself, or the item of a List document of the same kind and name.
func findObjectIn(f *fix.File, doc int, like *yaml.Node) (*yaml.Node, error) {
	docs, perr := manifest.ParseDocuments(f.Path, f.Data, manifest.DefaultLimits)
	if perr != nil {
		return nil, fmt.Errorf("parsing %s: %s", f.Path, perr.Message)
	}
	for _, d := range docs {
		if d.Index != doc {
			continue
		}
		root := fieldpath.Deref(d.Root)
		if like == nil {
			return root, nil
		}
		want := manifest.RefOf(like)
		if got := manifest.RefOf(root); got.Kind == want.Kind && got.Name == want.Name {
			return root, nil
		}
		for _, item := range fieldpath.Items(fieldpath.MapGet(root, "items")) {
			item = fieldpath.Deref(item)
			if got := manifest.RefOf(item); got.Kind == want.Kind && got.Name == want.Name {
				return item, nil
			}
		}
		return nil, fmt.Errorf("%s: %s is no longer in document %d", f.Path, want, doc+1)
	}
	return nil, fmt.Errorf("%s: document %d is gone", f.Path, doc+1)
}

// editDoc applies ch, at path, to the object in document doc of file (the item written
// like like, for List documents), with the editor plain files get.
func (o *overlayFix) editDoc(file string, doc int, like *yaml.Node, path fieldpath.Path, ch finding.Change) (bool, error) {
	f, err := o.ws.Open(file)
	if err != nil {
		return false, err
	}
	root, err := findObjectIn(f, doc, like)
	if err != nil {
		return false, err
	}
	obj := &manifest.Object{Ref: manifest.RefOf(root), File: f.Path, Doc: doc, Root: root}
	c := ch
	c.Path = path
	return fix.EditObject(f, obj, c)
}
