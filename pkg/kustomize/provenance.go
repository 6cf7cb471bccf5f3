// Which patch set a field of a built object.

package kustomize

import (
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// patchDoc is one document of a patch that applies to the object: a strategic-merge
// patch (root is a mapping mirroring the object) or a JSON 6902 op list.
type patchDoc struct {
	file string
	root *yaml.Node
	ops  bool
	// jsonOps are the operations of a JSON 6902 patch, in order, with their paths also
	// translated to the indices of the built object.
	jsonOps []jsonOp
}

// locatePatch finds the patch that sets the field itself, the last applied first. A
// strategic-merge patch merges a mapping or a list of mappings into what the source
// already has; there the source is where the field is defined.
func (l *locator) locatePatch(p fieldpath.Path) (manifest.Position, bool) {
	if len(p) == 0 {
		return manifest.Position{}, false
	}
	for _, d := range l.patches {
		n, depth := d.resolve(l.built, p, l.sx)
		if depth != len(p) {
			continue
		}
		if src, _, _ := l.resolveSource(p); !d.ops && mergesIntoSource(n) && src != nil {
			continue
		}
		return manifest.NodePosition(d.file, n), true
	}
	return manifest.Position{}, false
}

// locateRemoval finds the JSON 6902 `op: remove` that removed a field the built object
// lacks, or one of its parents: the overlay that deletes `allowPrivilegeEscalation: false`
// is what the user edits, not the base line that still sets it. The last applied wins. A
// removal counts only when what it names is missing from the built object, so a remove of
// a list item whose index a later item now fills is not taken for the field's.
func (l *locator) locateRemoval(p fieldpath.Path) (manifest.Position, bool) {
	if len(p) == 0 {
		return manifest.Position{}, false
	}
	if _, _, depth := fieldpath.Resolve(l.built, p); depth == len(p) {
		return manifest.Position{}, false
	}
	pointer := pointerTokens(l.built, p, l.sx)
	for _, d := range l.patches {
		for i := len(d.jsonOps) - 1; i >= 0; i-- {
			op := d.jsonOps[i]
			tokens := op.tokens
			if op.op != "remove" || op.item == nil || len(tokens) == 0 || len(tokens) > len(pointer) || !hasTokenPrefix(tokens, pointer) {
				continue
			}
			if existsAt(l.built, tokens) {
				continue
			}
			return manifest.NodePosition(d.file, op.item), true
		}
	}
	return manifest.Position{}, false
}

// mergesIntoSource reports whether a strategic-merge patch node merges into what the
// source has rather than replacing it: a mapping, or a list of mappings (merged by key).
func mergesIntoSource(n *yaml.Node) bool {
	n = fieldpath.Deref(n)
	switch {
	case n == nil:
		return false
	case n.Kind == yaml.MappingNode:
		return true
	case n.Kind == yaml.SequenceNode:
		return len(n.Content) > 0 && fieldpath.Deref(n.Content[0]).Kind == yaml.MappingNode
	}
	return false
}

// smpSelectors lists the fields by which a strategic-merge patch selects its object: they
// are in the patch but do not set anything.
var smpSelectors = map[string]bool{"apiVersion": true, "kind": true, "metadata.name": true, "metadata.namespace": true}

// resolve follows p in a patch and returns the deepest node there and how many segments
// of p it covers.
func (d patchDoc) resolve(built *yaml.Node, p fieldpath.Path, sx *fieldpath.StepIndex) (*yaml.Node, int) {
	if !d.ops {
		if smpSelectors[p.String()] {
			return nil, 0
		}
		_, n, depth := sx.Resolve(d.root, p)
		if depth == 0 {
			return nil, 0
		}
		return n, depth
	}
	pointer := pointerTokens(built, p, sx)
	var best *yaml.Node
	bestDepth := 0
	// The last operation applied wins a tie.
	for i := len(d.jsonOps) - 1; i >= 0; i-- {
		op := d.jsonOps[i]
		if op.dead || op.op != "add" && op.op != "replace" {
			continue
		}
		tokens := op.tokens
		if len(tokens) == 0 || len(tokens) > len(pointer) || !hasTokenPrefix(tokens, pointer) {
			continue
		}
		_, n, depth := sx.Resolve(op.value, p[len(tokens):])
		if total := len(tokens) + depth; total > bestDepth {
			best, bestDepth = n, total
		}
	}
	return best, bestDepth
}
