// Which patches of a kustomization apply to an object: the patch documents of the chain,
// chosen by their target selector (kustomize's own matching) or by the object they name.

package kustomize

import (
	"bytes"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// collectPatches finds the patch documents of the chain that target the object, in the
// order in which a later one wins: the root's first, and within a kustomization the
// last patch first.
func (l *locator) collectPatches(obj *manifest.Object) {
	for ki, k := range l.chain {
		ps := k.patches()
		for i := len(ps) - 1; i >= 0; i-- {
			p := ps[i]
			docs := l.patchDocs(k, p)
			for j := len(docs) - 1; j >= 0; j-- {
				d := docs[j]
				if !l.applies(obj, ki, p, d.root) {
					continue
				}
				d.ops = fieldpath.Deref(d.root).Kind == yaml.SequenceNode
				l.patches = append(l.patches, d)
			}
		}
	}
	l.translateOps()
}

func (l *locator) patchDocs(k *kustomization, p patch) []patchDoc {
	if p.path.value != "" {
		abs := ResolveDirLinks(k.abs(p.path.value))
		display := l.b.display(abs)
		sf := l.b.cache.file(abs)
		var out []patchDoc
		for _, d := range sf.docs {
			out = append(out, patchDoc{file: display, root: d.Root})
		}
		return out
	}
	if p.inline == nil {
		return nil
	}
	text, _ := fieldpath.Str(p.inline)
	docs, _ := manifest.ParseDocuments("", []byte(text), manifest.DefaultLimits)
	line, col := inlineOrigin(k.data, p.inline)
	display := l.b.display(k.file)
	var out []patchDoc
	for _, d := range docs {
		shiftInline(d.Root, p.inline, line, col)
		out = append(out, patchDoc{file: display, root: d.Root})
	}
	return out
}

// inlineOrigin is where the text of an inline patch starts: for a block scalar the line
// after the indicator, at the block's indentation.
func inlineOrigin(data []byte, n *yaml.Node) (line, col int) {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return n.Line, n.Column
	}
	lines := bytes.Split(data, []byte("\n"))
	for i := n.Line; i < len(lines); i++ { // lines[i] is line i+1
		t := bytes.TrimLeft(lines[i], " ")
		if len(bytes.TrimSpace(t)) == 0 {
			continue
		}
		return i + 1, len(lines[i]) - len(t) + 1
	}
	return n.Line, n.Column
}

// shiftInline moves the positions of a parsed inline patch into the kustomization file. A
// quoted or plain scalar cannot be mapped line by line; all of it points at the scalar.
func shiftInline(n, scalar *yaml.Node, line, col int) {
	block := scalar.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	var walk func(*yaml.Node)
	seen := map[*yaml.Node]bool{}
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if block {
			n.Column += col - 1
			n.Line += line - 1
		} else {
			n.Line, n.Column = line, col
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
}

// nameMatches reports whether a patch or entry naming name applies to the object. A
// patch may name the object as it was when the patch ran: after the prefixes and suffixes
// of the kustomizations below, before those above. That name lies between the name as
// written and the name as built.
func (l *locator) nameMatches(name string) bool {
	if slices.Contains(l.names, name) {
		return true
	}
	if name == "" || !strings.Contains(l.names[0], name) {
		return false
	}
	for _, n := range l.names[1:] {
		if strings.Contains(name, n) {
			return true
		}
	}
	return false
}

// applies reports whether document root of patch p of l.chain[ki] applies to obj: a patch
// with a target applies to the objects the target selects; one without names its object in
// the document, as a strategic-merge patch does (a JSON 6902 list without a target applies
// to none).
func (l *locator) applies(obj *manifest.Object, ki int, p patch, root *yaml.Node) bool {
	if p.target != nil {
		return l.matchesTarget(obj, ki, p.target)
	}
	if fieldpath.Deref(root).Kind == yaml.SequenceNode {
		return false
	}
	ref := manifest.RefOf(fieldpath.Deref(root))
	return ref.Kind == obj.Ref.Kind && l.nameMatches(ref.Name)
}

// matchesTarget reports whether the target of a patch of l.chain[ki] selects the object, as
// kustomize's resmap Select does, with its own matching (types.SelectorRegex: group,
// version, kind, name and namespace are anchored regular expressions). As there, the name
// and namespace may match the object as written or as the patch saw it (kustomize's
// EffectiveNamespace: "default" when unset; a cluster-scoped object is in no namespace).
// The name the patch saw lies among l.names; the namespace is the one the last
// kustomization applied before set. The label and annotation selectors are matched
// against the built object.
func (l *locator) matchesTarget(obj *manifest.Object, ki int, t *yaml.Node) bool {
	sel := targetSelector(t)
	re, err := types.NewSelectorRegex(&sel)
	if err != nil {
		return false // kustomize refuses such a target: the build failed before locating
	}
	group, version := resid.ParseGroupVersion(obj.Ref.APIVersion)
	gvk := resid.Gvk{Group: group, Version: version, Kind: obj.Ref.Kind}
	if !re.MatchGvk(gvk) || !slices.ContainsFunc(l.names, re.MatchName) {
		return false
	}
	if sel.Namespace != "" {
		written := resid.ResId{Gvk: gvk, Namespace: l.writtenNamespace()}
		seen := resid.ResId{Gvk: gvk, Namespace: l.namespaceBefore(ki, written.Namespace)}
		if !re.MatchNamespace(written.EffectiveNamespace()) && !re.MatchNamespace(seen.EffectiveNamespace()) {
			return false
		}
	}
	return matchesLabels(sel.LabelSelector, fieldpath.LookupKeys(l.built, "metadata", "labels")) &&
		matchesLabels(sel.AnnotationSelector, fieldpath.LookupKeys(l.built, "metadata", "annotations"))
}

// targetSelector reads a patch target the way kustomize's types.Patch does.
func targetSelector(t *yaml.Node) types.Selector {
	get := func(k string) string { s, _ := fieldpath.Str(fieldpath.MapGet(t, k)); return s }
	return types.Selector{
		ResId: resid.ResId{
			Gvk:       resid.Gvk{Group: get("group"), Version: get("version"), Kind: get("kind")},
			Name:      get("name"),
			Namespace: get("namespace"),
		},
		LabelSelector:      get("labelSelector"),
		AnnotationSelector: get("annotationSelector"),
	}
}

// writtenNamespace is the object's namespace as its source wrote it: the resource's
// metadata.namespace, or a generator entry's namespace.
func (l *locator) writtenNamespace() string {
	n := fieldpath.LookupKeys(l.source, "metadata", "namespace")
	if l.generator != "" {
		n = fieldpath.MapGet(l.source, "namespace")
	}
	s, _ := fieldpath.Str(n)
	return s
}

// namespaceBefore is the object's namespace when the patches of l.chain[ki] ran: the one
// set by the last kustomization it includes (directly or through others) that was applied
// before it, else written. A kustomization's own namespace: applies after its patches; one
// that includes the same base beside it (later in the chain too) does not apply to it.
func (l *locator) namespaceBefore(ki int, written string) string {
	below := l.b.graph.includedBy(l.chain[ki].dir)
	for _, k := range l.chain[ki+1:] {
		if ns, _ := fieldpath.Str(fieldpath.MapGet(k.root, "namespace")); ns != "" && below[k.dir] {
			return ns
		}
	}
	return written
}

// matchesLabels applies a label selector, as kustomize's MatchesLabelSelector does, to the
// labels or annotations in meta; an empty selector matches everything.
func matchesLabels(selector string, meta *yaml.Node) bool {
	if selector == "" {
		return true
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return false
	}
	set := labels.Set{}
	fieldpath.Pairs(meta, func(k string, _, v *yaml.Node) {
		set[k], _ = fieldpath.Str(v)
	})
	return sel.Matches(set)
}
