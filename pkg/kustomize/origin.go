package kustomize

import (
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Origin is what the writer of fixes needs to know about an object Build built: the
// kustomization that built it, the document it was read from, and the patches that change
// it. Paths are display paths, as Build shows them in objects and positions.
type Origin struct {
	Dir           string // the directory that was built (manifest.Object.Overlay)
	Kustomization string // its kustomization file
	// File and Doc are the resource file and document the object was read from, and Source
	// the object as written there (positions in File); File is "" and Source nil when the
	// object was generated or its origin is unknown.
	File   string
	Doc    int
	Source *yaml.Node
	// Patches are the patch documents that apply to the object, the last applied first.
	Patches []Patch
}

// Patch is one document of a patch that applies to an object.
type Patch struct {
	File string     // the patch file, or the kustomization that holds an inline patch
	Doc  int        // document index within File; -1 for an inline patch
	Root *yaml.Node // the document (positions in File)
	// Inline: the patch is text inside a kustomization. JSON: a JSON 6902 operation list.
	// Targeted: a target selector chooses the objects, so the patch may change others too.
	Inline, JSON, Targeted bool
}

// OriginOf returns where obj was written; false when Build did not build it.
func OriginOf(obj *manifest.Object) (Origin, bool) {
	l, ok := obj.Locator.(*locator)
	if !ok || l == nil || l.b == nil {
		return Origin{}, false
	}
	g := l.b.graph
	o := Origin{Dir: l.b.dir, Kustomization: l.b.display(g.nodes[g.root].file)}
	if l.generator == "" && l.source != nil {
		o.File, o.Doc, o.Source = l.file, l.doc, l.source
	}
	for ki, k := range l.chain {
		ps := k.patches()
		for i := len(ps) - 1; i >= 0; i-- {
			p := ps[i]
			docs := l.indexedPatchDocs(k, p)
			for j := len(docs) - 1; j >= 0; j-- {
				d := docs[j]
				if !l.applies(obj, ki, p, d.Root) {
					continue
				}
				d.JSON = fieldpath.Deref(d.Root).Kind == yaml.SequenceNode
				d.Targeted = p.target != nil
				o.Patches = append(o.Patches, d)
			}
		}
	}
	return o, true
}

// indexedPatchDocs is patchDocs with each document's index in its file.
func (l *locator) indexedPatchDocs(k *kustomization, p patch) []Patch {
	if p.path.value == "" {
		var out []Patch
		for _, d := range l.patchDocs(k, p) {
			out = append(out, Patch{File: d.file, Doc: -1, Root: d.root, Inline: true})
		}
		return out
	}
	abs := k.abs(p.path.value)
	display := l.b.display(abs)
	var out []Patch
	for _, d := range l.b.cache.file(abs).docs {
		out = append(out, Patch{File: display, Doc: d.Index, Root: d.Root})
	}
	return out
}

// SourceRef is the object as its source names it: the resource as written in its file, or
// the generator entry's kind and name (without the hash suffix of the built name), so that
// a finding in a base has one identity whatever names and namespaces overlays give it
// (package fingerprint).
func (l *locator) SourceRef() (finding.ObjectRef, bool) {
	switch {
	case l.generator != "" && l.genName != "":
		ref := manifest.RefOf(l.built)
		ref.Name, ref.Namespace = l.genName, ""
		if l.source != nil { // the entry's own namespace, not the one an overlay sets
			ref.Namespace, _ = fieldpath.Str(fieldpath.MapGet(l.source, "namespace"))
		}
		return ref, true
	case l.source != nil:
		return manifest.RefOf(l.source), true
	}
	return finding.ObjectRef{}, false
}
