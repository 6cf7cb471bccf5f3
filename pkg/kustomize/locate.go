package kustomize

import (
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/resource"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// locator maps a field of a built object to the place that set it: an overlay patch that
// sets it, an entry of a kustomization (images:, namespace:, ...) that changed it, or the
// resource in the file it came from; a missing field goes to the deepest existing parent.
type locator struct {
	file      string // display path of the source file
	doc       int
	generator string // configMapGenerator or secretGenerator, for generated objects
	genName   string // the generator entry's name
	built     *yaml.Node
	source    *yaml.Node // the object as written in file, or the generator entry
	chain     []*kustomization
	names     []string // the object's name as written and as built
	patches   []patchDoc
	b         *builder
	// sx indexes the lists and mappings of built, source and patches, so that locating
	// a finding per container of a large pod is linear overall.
	sx *fieldpath.StepIndex
}

func (b *builder) locator(obj *manifest.Object, origin *resource.Origin) *locator {
	g := b.graph
	l := &locator{b: b, built: obj.Root, names: []string{obj.Ref.Name}, sx: &fieldpath.StepIndex{}}
	rootFile := g.nodes[g.root].file
	l.file = b.display(rootFile)
	var owners []string
	switch {
	case origin == nil:
		owners = []string{g.root}
	case origin.ConfiguredIn != "":
		kfile := ResolveDirLinks(filepath.Join(g.root, origin.ConfiguredIn))
		owners = []string{filepath.Dir(kfile)}
		l.file = b.display(kfile)
		if k := g.nodes[filepath.Dir(kfile)]; k != nil {
			l.generatorEntry(k, origin.ConfiguredBy.Kind, obj.Ref.Name)
		}
	case origin.Path != "":
		abs := ResolveDirLinks(filepath.Join(g.root, origin.Path))
		owners = g.owners[abs]
		l.file = b.display(abs)
		sf := b.cache.file(abs)
		l.doc, l.source = findObject(sf.docs, obj)
		if l.source != nil {
			if n, ok := fieldpath.Str(fieldpath.LookupKeys(l.source, "metadata", "name")); ok {
				l.names = append(l.names, n)
			}
		}
	}
	l.chain = g.chain(owners)
	l.collectPatches(obj)
	return l
}

// findObject picks the document of a source file the built object came from: same kind,
// and the name as written (kustomize may have added a prefix, suffix or namespace). The
// items of a List document (kind: ConfigMapList, List, ...) are objects of their own, as
// kustomize expands them.
func findObject(docs []manifest.Document, obj *manifest.Object) (int, *yaml.Node) {
	type candidate struct {
		doc  int
		root *yaml.Node
	}
	var all []candidate
	for _, d := range docs {
		root := fieldpath.Deref(d.Root)
		all = append(all, candidate{d.Index, root})
		if kind, _ := fieldpath.Str(fieldpath.MapGet(root, "kind")); strings.HasSuffix(kind, "List") {
			for _, item := range fieldpath.Items(fieldpath.MapGet(root, "items")) {
				all = append(all, candidate{d.Index, fieldpath.Deref(item)})
			}
		}
	}
	var fallback, best *candidate
	bestLen := -1
	for i := range all {
		c := &all[i]
		ref := manifest.RefOf(c.root)
		if ref.Kind != obj.Ref.Kind {
			continue
		}
		if fallback == nil {
			fallback = c
		}
		if ref.Name == obj.Ref.Name && (ref.Namespace == "" || ref.Namespace == obj.Ref.Namespace) {
			return c.doc, c.root
		}
		if ref.Name != "" && strings.Contains(obj.Ref.Name, ref.Name) && len(ref.Name) > bestLen {
			best, bestLen = c, len(ref.Name)
		}
	}
	if best == nil {
		best = fallback
	}
	if best == nil {
		return 0, nil
	}
	return best.doc, best.root
}

// Locate implements manifest.Locator.
func (l *locator) Locate(p fieldpath.Path) manifest.Position {
	if l.generator != "" {
		return l.locateGenerated(p)
	}
	if pos, ok := l.locateEntry(p); ok {
		return pos
	}
	// The merge key of a list item (containers[name=app].name) only names the item in a
	// strategic-merge patch; it is set where the item was written.
	if n := len(p); n >= 2 && p[n-2].IsSelector() && p[n-1].IsKey() && p[n-1].Key == p[n-2].SelKey {
		if src, _, _ := l.resolveSource(p); src != nil {
			return manifest.NodePosition(l.file, src)
		}
	}
	if pos, ok := l.locatePatch(p); ok {
		return pos
	}
	if pos, ok := l.locateRemoval(p); ok {
		return pos
	}
	// Otherwise the deepest existing parent, the source file on a tie: it is where the
	// object is defined.
	best, depth := l.source, -1
	bestFile := l.file
	if l.source != nil {
		_, best, depth = l.resolveSource(p)
	}
	for _, d := range l.patches {
		if n, dd := d.resolve(l.built, p, l.sx); n != nil && dd > depth {
			best, depth, bestFile = n, dd, d.file
		}
	}
	return manifest.NodePosition(bestFile, best)
}

// resolveSource follows the built object's path p in the source as written: list
// indices moved by JSON 6902 insertions are moved back, and an item selected by its built
// name is found under the name written, which a prefix or suffix extended.
func (l *locator) resolveSource(p fieldpath.Path) (node, deepest *yaml.Node, depth int) {
	p = l.sourcePath(p)
	cur := fieldpath.Deref(l.source)
	if cur == nil {
		return nil, nil, 0
	}
	deepest = cur
	for i, seg := range p {
		next := l.sx.Step(cur, seg)
		if next == nil && seg.IsSelector() {
			next = looseSelect(cur, seg)
		}
		if next == nil {
			return nil, deepest, i
		}
		cur, deepest = next, next
	}
	return cur, deepest, len(p)
}

// looseSelect picks the item of a list whose key holds the longest part of the selected
// value: subjects[name=prod-app] is the subject written as app.
func looseSelect(list *yaml.Node, seg fieldpath.Segment) *yaml.Node {
	var best *yaml.Node
	bestLen := 0
	for _, item := range fieldpath.Items(list) {
		if v, ok := fieldpath.Str(fieldpath.MapGet(item, seg.SelKey)); ok && len(v) > bestLen && strings.Contains(seg.SelValue, v) {
			best, bestLen = fieldpath.Deref(item), len(v)
		}
	}
	return best
}

// sourceValue is the scalar at p in the source as written, after the patches that set it.
func (l *locator) sourceValue(p fieldpath.Path) (string, bool) {
	for _, d := range l.patches {
		if n, depth := d.resolve(l.built, p, l.sx); len(p) > 0 && depth == len(p) {
			return fieldpath.Str(n)
		}
	}
	src, _, _ := l.resolveSource(p)
	return fieldpath.Str(src)
}
