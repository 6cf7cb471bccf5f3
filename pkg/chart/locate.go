package chart

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// templateLocator locates the fields of the objects one template rendered.
type templateLocator struct {
	t        *Template
	rendered *Rendered
	values   *valuesFiles
	partials partialIndex
	req      Request // the render, for rendering again with edited values (fixes)

	once   sync.Once
	lines  []int        // rendered line (0-based) -> template line (1-based), 0 when none
	marked []*yaml.Node // the marked documents, paired by order with realDocs
	real   []int        // the line of each real document's root
}

func newTemplateLocator(t *Template, r *Rendered, v *valuesFiles) *templateLocator {
	return &templateLocator{t: t, rendered: r, values: v}
}

func (tl *templateLocator) prepare() {
	tl.once.Do(func() {
		tl.lines = align(tl.t.Source, tl.t.Output, tl.partials)
		real, err := decodeAll(tl.t.Output)
		if err != nil {
			return
		}
		for _, text := range []string{tl.t.Marked, tl.t.MarkedFallback} {
			if marked, err := decodeAll(text); text != "" && err == nil && len(marked) == len(real) {
				tl.marked = marked
				break
			}
		}
		for _, d := range real {
			tl.real = append(tl.real, d.Line)
		}
	})
}

// decodeAll reads every document of a stream, their root nodes (nil for an empty one).
func decodeAll(text string) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var out []*yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var root *yaml.Node
		if len(doc.Content) > 0 {
			root = doc.Content[0]
		}
		if root == nil {
			root = &yaml.Node{Line: -1}
		}
		out = append(out, root)
	}
}

// object returns the locator of the object whose tree is root.
func (tl *templateLocator) object(root *yaml.Node) manifest.Locator {
	return &objectLocator{tl: tl, root: root}
}

// objectLocator locates one rendered object's fields (see the package doc).
type objectLocator struct {
	tl   *templateLocator
	root *yaml.Node

	once   sync.Once
	pair   map[*yaml.Node]*yaml.Node // real node -> its marked twin
	parent map[*yaml.Node]*yaml.Node // real node -> the collection holding it
	key    map[*yaml.Node]string     // real value node -> its key in the parent mapping
	index  fieldpath.StepIndex
	mu     sync.Mutex
}

func (l *objectLocator) prepare() {
	l.once.Do(func() {
		l.tl.prepare()
		l.pair, l.parent, l.key = map[*yaml.Node]*yaml.Node{}, map[*yaml.Node]*yaml.Node{}, map[*yaml.Node]string{}
		var twin *yaml.Node
		for i, line := range l.tl.real {
			if line == l.root.Line && i < len(l.tl.marked) {
				twin = l.tl.marked[i]
			}
		}
		l.walk(l.root, twin)
	})
}

// walk records parents and keys below n, and pairs n with its marked twin m where the
// two agree: same kind, mapping entries by key, sequences of the same length, and equal
// scalars once marks are removed.
func (l *objectLocator) walk(n, m *yaml.Node) {
	if m != nil && (m.Kind != n.Kind || n.Kind == yaml.SequenceNode && len(m.Content) != len(n.Content) ||
		n.Kind == yaml.ScalarNode && unmark(m.Value) != n.Value) {
		m = nil
	}
	if m != nil {
		l.pair[n] = m
	}
	switch n.Kind {
	case yaml.MappingNode:
		// Keys pair by name: a key only one render writes (an `if` on a marked false)
		// spoils nothing else.
		var twins map[string]*yaml.Node
		if m != nil {
			twins = make(map[string]*yaml.Node, len(m.Content)/2)
			for i := 0; i+1 < len(m.Content); i += 2 {
				twins[unmark(m.Content[i].Value)] = m.Content[i+1]
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			l.parent[k], l.parent[v], l.key[v] = n, n, k.Value
			l.walk(v, twins[k.Value])
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			var mc *yaml.Node
			if m != nil {
				mc = m.Content[i]
			}
			l.parent[c] = n
			l.walk(c, mc)
		}
	}
}

// Locate places the field at p, or its nearest existing parent, by the package's rules.
func (l *objectLocator) Locate(p fieldpath.Path) manifest.Position {
	l.prepare()
	l.mu.Lock()
	_, n, _ := l.index.Resolve(l.root, p)
	l.mu.Unlock()
	if n == nil {
		n = l.root
	}
	if pos, ok := l.inValues(n); ok {
		return pos
	}
	return l.inTemplate(n)
}

// inValues applies rules 1 to 3.
func (l *objectLocator) inValues(n *yaml.Node) (manifest.Position, bool) {
	origins := l.tl.rendered.Origins
	if m := l.pair[n]; m != nil && n.Kind == yaml.ScalarNode {
		if ms := marks(m.Value); len(ms) > 0 && ms[len(ms)-1] < len(origins) {
			return l.tl.values.position(origins[ms[len(ms)-1]], l.tl.rendered.Sources)
		}
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if o, ok := l.subtree(n); ok {
			return l.tl.values.position(o, l.tl.rendered.Sources)
		}
		return manifest.Position{}, false
	}
	parent := l.parent[n]
	key, hasKey := l.key[n]
	if parent == nil || !hasKey || parent.Kind != yaml.MappingNode {
		return manifest.Position{}, false
	}
	o, ok := l.subtree(parent)
	if !ok {
		return manifest.Position{}, false
	}
	o.Path = append(o.Path[:len(o.Path):len(o.Path)], key)
	if !l.tl.values.has(o, l.tl.rendered.Sources) {
		return manifest.Position{}, false
	}
	return l.tl.values.position(o, l.tl.rendered.Sources)
}

// subtree finds the values subtree a collection was rendered from (rule 2): every marked
// descendant's origin ends with the descendant's path below n, all name the same source
// and prefix, and the paths below n add up to at least two steps.
func (l *objectLocator) subtree(n *yaml.Node) (Origin, bool) {
	origins := l.tl.rendered.Origins
	var found *Origin
	evidence, agree := 0, true
	var visit func(c *yaml.Node, rel []any)
	visit = func(c *yaml.Node, rel []any) {
		if !agree {
			return
		}
		switch c.Kind {
		case yaml.ScalarNode:
			m := l.pair[c]
			if m == nil {
				return
			}
			for _, id := range marks(m.Value) {
				if id >= len(origins) {
					continue
				}
				o := origins[id]
				prefix, ok := cutSuffix(o.Path, rel)
				if !ok || len(prefix) == 0 || len(rel) == 0 {
					agree = false
					return
				}
				if found == nil {
					found = &Origin{Source: o.Source, Path: prefix}
				} else if found.Source != o.Source || !samePath(found.Path, prefix) {
					agree = false
					return
				}
				evidence += len(rel)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(c.Content); i += 2 {
				visit(c.Content[i+1], append(rel[:len(rel):len(rel)], c.Content[i].Value))
			}
		case yaml.SequenceNode:
			for i, e := range c.Content {
				visit(e, append(rel[:len(rel):len(rel)], i))
			}
		}
	}
	visit(n, nil)
	if !agree || found == nil || evidence < 2 {
		return Origin{}, false
	}
	return *found, true
}

// cutSuffix returns path without its suffix rel, when it ends with rel.
func cutSuffix(path, rel []any) ([]any, bool) {
	if len(rel) > len(path) {
		return nil, false
	}
	cut := len(path) - len(rel)
	if !samePath(path[cut:], rel) {
		return nil, false
	}
	return path[:cut], true
}

func samePath(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// inTemplate applies rule 4: the template line that wrote n or its nearest parent.
func (l *objectLocator) inTemplate(n *yaml.Node) manifest.Position {
	t := l.tl.t
	if t.InArchive {
		return manifest.Position{File: t.File, Line: 1, Column: 1}
	}
	for c := n; c != nil; c = l.parent[c] {
		if c.Line < 1 || c.Line > len(l.tl.lines) {
			continue
		}
		if line := l.tl.lines[c.Line-1]; line > 0 {
			return manifest.Position{File: t.File, Line: line, Column: l.tl.column(c, line)}
		}
		out := lineOf(t.Output, c.Line)
		if p, ok := l.tl.partials[strings.TrimSpace(out)]; ok {
			if p.inArchive {
				return manifest.Position{File: p.file, Line: 1, Column: 1}
			}
			col := p.indent + 1 + c.Column - 1 - (len(out) - len(strings.TrimLeft(out, " \t")))
			return manifest.Position{File: p.file, Line: p.line, Column: max(col, p.indent+1)}
		}
	}
	return manifest.Position{File: t.File, Line: 1, Column: 1}
}

// column is n's column when the template line reads as the rendered one up to n, else
// the template line's first non-blank column.
func (tl *templateLocator) column(n *yaml.Node, line int) int {
	src := lineOf(tl.t.Source, line)
	out := lineOf(tl.t.Output, n.Line)
	if n.Column-1 <= len(src) && n.Column-1 <= len(out) && src[:n.Column-1] == out[:n.Column-1] {
		return n.Column
	}
	return len(src) - len(strings.TrimLeft(src, " \t")) + 1
}

// lineOf returns the 1-based line n of text.
func lineOf(text string, n int) string {
	for i := 1; i < n; i++ {
		j := strings.IndexByte(text, '\n')
		if j < 0 {
			return ""
		}
		text = text[j+1:]
	}
	if j := strings.IndexByte(text, '\n'); j >= 0 {
		return text[:j]
	}
	return text
}

// valuesFiles reads the values files of a render once each, for the lines of their keys.
type valuesFiles struct {
	mu    sync.Mutex
	trees map[string][]*yaml.Node
}

func newValuesFiles([]Source) *valuesFiles { return &valuesFiles{trees: map[string][]*yaml.Node{}} }

func (v *valuesFiles) docs(file string) []*yaml.Node {
	v.mu.Lock()
	defer v.mu.Unlock()
	if docs, ok := v.trees[file]; ok {
		return docs
	}
	var docs []*yaml.Node
	if data, err := os.ReadFile(file); err == nil {
		docs, _ = decodeAll(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	}
	v.trees[file] = docs
	return docs
}

// lookup returns the key node (for a mapping entry) or the item at o's path in its file,
// from the last document that has it, and the deepest node found when none has it.
func (v *valuesFiles) lookup(o Origin, srcs []Source) (n *yaml.Node, found bool) {
	src := srcs[o.Source]
	docs := v.docs(src.File)
	var deepest *yaml.Node
	for i := len(docs) - 1; i >= 0; i-- {
		cur := docs[i]
		var at *yaml.Node = cur
		ok := true
		for _, step := range o.Path {
			cur = fieldpath.Deref(cur)
			switch s := step.(type) {
			case string:
				k, val := fieldpath.MapEntry(cur, s)
				if k == nil {
					ok = false
				} else {
					at, cur = k, val
				}
			case int:
				if cur == nil || cur.Kind != yaml.SequenceNode || s >= len(cur.Content) {
					ok = false
				} else {
					at, cur = cur.Content[s], cur.Content[s]
				}
			}
			if !ok {
				break
			}
		}
		if ok {
			if c := fieldpath.Deref(cur); c != nil && c.Kind == yaml.ScalarNode {
				return c, true // the value, where a fix edits
			}
			return at, true
		}
		if deepest == nil {
			deepest = at
		}
	}
	return deepest, false
}

func (v *valuesFiles) has(o Origin, srcs []Source) bool {
	_, ok := v.lookup(o, srcs)
	return ok
}

// position is where o is written: its key in the values file (the file's start when the
// file does not write it, as when a value was imported), the archive, or the --set.
func (v *valuesFiles) position(o Origin, srcs []Source) (manifest.Position, bool) {
	if o.Source < 0 || o.Source >= len(srcs) {
		return manifest.Position{}, false
	}
	src := srcs[o.Source]
	switch {
	case src.InArchive:
		return manifest.Position{File: src.File, Line: 1, Column: 1}, true
	case strings.HasPrefix(src.File, "--set"):
		return manifest.Position{File: src.File, Line: src.Line, Column: 1}, true
	}
	n, found := v.lookup(o, srcs)
	if !found || n == nil {
		return manifest.Position{}, false
	}
	return manifest.Position{File: src.File, Line: n.Line, Column: n.Column}, true
}
