package chart

import (
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// ValuesTarget is the values leaf a change of a rendered field translates to: setting
// path P of the object to V is setting Path in File to V, when the field was rendered
// from that leaf (a scalar that is exactly one values leaf, or a key under a mapping
// rendered whole from a values subtree, rule 2 of the package doc).
type ValuesTarget struct {
	File string
	Path []any
	// Written says that File writes the leaf (a change of it changes what the user wrote);
	// false for a key added under the values mapping.
	Written bool
}

// RequestOf returns the render that made obj (the variant values file first among its
// ValuesFiles), for rendering it again with edited values.
func RequestOf(obj *manifest.Object) (Request, bool) {
	l, ok := obj.Locator.(*objectLocator)
	if !ok {
		return Request{}, false
	}
	return l.tl.req, true
}

// ValuesTargetOf finds the values leaf that wrote the field at p of obj, or that a missing
// field at p belongs under (its nearest existing parent rendered from a values subtree).
// It answers false for a field of template text, of a --set argument, of a chart archive,
// or of a value the template computed with (a scalar that is more than one leaf's text).
func ValuesTargetOf(obj *manifest.Object, p fieldpath.Path) (ValuesTarget, bool) {
	l, ok := obj.Locator.(*objectLocator)
	if !ok {
		return ValuesTarget{}, false
	}
	l.prepare()
	l.mu.Lock()
	n, deepest, depth := l.index.Resolve(l.root, p)
	l.mu.Unlock()
	var o Origin
	switch {
	case n != nil && n.Kind == yaml.ScalarNode:
		if o, ok = l.scalarOrigin(n); !ok {
			return ValuesTarget{}, false
		}
	case n == nil && deepest != nil && deepest.Kind == yaml.MappingNode:
		if o, ok = l.subtree(deepest); !ok {
			return ValuesTarget{}, false
		}
		o.Path = append([]any(nil), o.Path...)
		for _, s := range p[depth:] {
			if !s.IsKey() {
				return ValuesTarget{}, false
			}
			o.Path = append(o.Path, s.Key)
		}
	default:
		return ValuesTarget{}, false
	}
	srcs := l.tl.rendered.Sources
	if o.Source < 0 || o.Source >= len(srcs) {
		return ValuesTarget{}, false
	}
	src := srcs[o.Source]
	if src.InArchive || strings.HasPrefix(src.File, "--set") {
		return ValuesTarget{}, false
	}
	written := l.tl.values.has(o, srcs)
	if n != nil && !written {
		return ValuesTarget{}, false // a value the file does not write (imported, defaulted)
	}
	return ValuesTarget{File: filepath.Clean(src.File), Path: o.Path, Written: written}, true
}

// scalarOrigin is the values leaf a rendered scalar is exactly: its marked twin is the
// scalar's text followed by one mark (rule 1), or it is an unmarked scalar under a
// mapping rendered from a values subtree (rule 3).
func (l *objectLocator) scalarOrigin(n *yaml.Node) (Origin, bool) {
	origins := l.tl.rendered.Origins
	if m := l.pair[n]; m != nil {
		if ms := marks(m.Value); len(ms) == 1 && ms[0] < len(origins) && m.Value == n.Value+Mark(ms[0]) {
			return origins[ms[0]], true
		} else if len(ms) > 0 {
			return Origin{}, false
		}
	}
	parent := l.parent[n]
	key, hasKey := l.key[n]
	if parent == nil || !hasKey || parent.Kind != yaml.MappingNode {
		return Origin{}, false
	}
	o, ok := l.subtree(parent)
	if !ok {
		return Origin{}, false
	}
	o.Path = append(o.Path[:len(o.Path):len(o.Path)], key)
	return o, true
}

// TemplateText is a rendered template: the file the object obj came from, its source, and
// the text it rendered (obj's node lines count in Output).
type TemplateText struct {
	File, Source, Output string
	InArchive            bool
	// Lines maps each rendered line (0-based) to the template line (1-based) that wrote it,
	// 0 for none (rule 4 of the package doc).
	Lines []int
}

// TemplateOf returns the template that rendered obj.
func TemplateOf(obj *manifest.Object) (TemplateText, bool) {
	l, ok := obj.Locator.(*objectLocator)
	if !ok {
		return TemplateText{}, false
	}
	l.tl.prepare()
	t := l.tl.t
	return TemplateText{File: t.File, Source: t.Source, Output: t.Output, InArchive: t.InArchive, Lines: l.tl.lines}, true
}
