package blockyaml

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// A direct tree builder for the block-YAML subset that Valid accepts. yaml.v3 builds
// its trees through a scanner, a token queue, an event parser and a composer; for the plain
// generated manifests that make up most repositories that machinery costs three quarters of
// a lint run's parsing time and most of its garbage. Build builds the same
// yaml.v3.Node tree (kinds, styles, tags, values, lines and columns) straight from the lines.
// It only runs on text the validator accepted, and it declines (ok=false) whatever it is not
// sure of — multi-line quoted scalars, folded scalars with more-indented lines, keep-chomped
// scalars at the end of the text, deep nesting — so the document takes yaml.v3's path as
// before. Comments are not attached to nodes: nothing reads them from parsed manifests.
// Differential tests over the corpus and a fuzz target hold it to yaml.v3's trees.

// blockLine is one line of a document: its text without the line break, its indentation
// and its 1-based line number in the file.
type blockLine struct {
	text   []byte
	indent int
	num    int
	broken bool // ended by a line break (the last line of a file may not be)
}

type treeBuilder struct {
	lines []blockLine
	i     int // the line being read
	depth int
	slab  []yaml.Node // nodes are carved from slabs: one allocation for many nodes
}

// slabChunk is the size of the slabs carved after the first, when a document turns out to
// hold more nodes than its lines suggested (flow collections).
const slabChunk = 64

// buildMaxDepth bounds nesting; deeper documents take yaml.v3's path with its own limits.
const buildMaxDepth = 200

// linePool recycles the line tables: a skimmed CRD has tens of thousands of lines, and
// fresh memory for each table costs more than reading the lines.
var linePool = sync.Pool{New: func() any { return new([]blockLine) }}

// Build builds the tree of one document whose first line is line firstLine+1 of the
// file. root is nil for a document without content. With skim, the values of the top-level
// skimmedFields are left out (null), as WithoutFields leaves them out of the text.
func Build(text []byte, firstLine int, skim bool) (root *yaml.Node, ok bool) {
	pooled := linePool.Get().(*[]blockLine)
	defer func() {
		clear(*pooled) // drop the references to text
		*pooled = (*pooled)[:0]
		linePool.Put(pooled)
	}()
	b := treeBuilder{lines: (*pooled)[:0]}
	skipping := false
	estimate := 0             // nodes the document probably holds
	scalarIndent := maxIndent // lines indented deeper belong to a block scalar
	for n := firstLine + 1; len(text) > 0; n++ {
		l := blockLine{num: n}
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l.text, text, l.broken = text[:i], text[i+1:], true
		} else {
			l.text, text = text, nil
		}
		if k := len(l.text); k > 0 && l.text[k-1] == '\r' {
			l.text = l.text[:k-1]
			l.broken = true // a CR is a line break too, also on the last line
		}
		if skim {
			if len(l.text) > 0 && l.text[0] != ' ' && l.text[0] != '\t' && l.text[0] != '#' {
				skipping = false
				if f := skimmedField(l.text); f > 0 {
					l.text, skipping = l.text[:f], true
					estimate += 2 // the key and its null value
					b.lines = append(b.lines, l)
					continue
				}
			}
			if skipping {
				continue // a line of a skimmed value: never read
			}
		}
		for l.indent < len(l.text) && l.text[l.indent] == ' ' {
			l.indent++
		}
		switch {
		case l.indent >= len(l.text) || l.text[l.indent] == '#':
		case l.indent > scalarIndent:
			// a line of a block scalar: no nodes (text dashboards and scripts are long)
		default:
			scalarIndent = maxIndent
			estimate += 2 // a key and its value, or a key and the collection under it
			if l.text[l.indent] == '-' {
				estimate++ // a sequence item holding a mapping
			}
			if opensBlockScalar(l.text) {
				scalarIndent = l.indent
			}
		}
		b.lines = append(b.lines, l)
	}
	*pooled = b.lines
	if !b.skip() {
		return nil, true
	}
	// The first slab is sized from the lines: most documents are small, and a fixed slab
	// per document wasted more memory on them than their nodes took.
	b.slab = make([]yaml.Node, estimate+1)
	if b.lines[b.i].indent != 0 {
		return nil, false
	}
	root, ok = b.collection(0)
	if !ok || b.skip() {
		return nil, false // text left after the root node: not something we understood
	}
	return root, true
}

// maxIndent stands for "no block scalar open" when comparing indentation.
const maxIndent = int(^uint(0) >> 1)

// opensBlockScalar reports whether line ends with a block scalar header (| or > with
// optional chomping and indentation indicators). It only feeds the node estimate, so a
// rare miss costs an extra slab, not a wrong tree.
func opensBlockScalar(line []byte) bool {
	line = bytes.TrimRight(line, " ")
	for len(line) > 0 {
		switch c := line[len(line)-1]; {
		case c == '|' || c == '>':
			return len(line) == 1 || line[len(line)-2] == ' '
		case c == '-' || c == '+' || (c >= '1' && c <= '9'):
			line = line[:len(line)-1]
		default:
			return false
		}
	}
	return false
}

// skimmedField returns the length of "field:" when line is the key line of a skimmed field.
func skimmedField(line []byte) int {
	for _, f := range skimmedFields {
		if bytes.HasPrefix(line, f) && len(line) > len(f) && line[len(f)] == ':' {
			return len(f) + 1
		}
	}
	return 0
}

func (b *treeBuilder) node(kind yaml.Kind, tag string, l *blockLine, off int) *yaml.Node {
	if len(b.slab) == 0 {
		b.slab = make([]yaml.Node, slabChunk)
	}
	n := &b.slab[0]
	b.slab = b.slab[1:]
	n.Kind, n.Tag, n.Line, n.Column = kind, tag, l.num, column(l.text, off)
	return n
}

// column is yaml.v3's 1-based column of byte offset off: it counts characters.
func column(text []byte, off int) int {
	for i := 0; i < off; i++ {
		if text[i] >= utf8.RuneSelf {
			return utf8.RuneCount(text[:off]) + 1
		}
	}
	return off + 1
}

// skip moves past blank and comment lines and reports whether a content line follows.
func (b *treeBuilder) skip() bool {
	for ; b.i < len(b.lines); b.i++ {
		l := &b.lines[b.i]
		if l.indent < len(l.text) && l.text[l.indent] != '#' {
			return true
		}
	}
	return false
}

func isItemAt(text []byte, off int) bool {
	return off < len(text) && text[off] == '-' && (off+1 == len(text) || text[off+1] == ' ')
}

// collection reads the block mapping or sequence whose first line is the current one, at
// indentation ind.
func (b *treeBuilder) collection(ind int) (*yaml.Node, bool) {
	if b.depth++; b.depth > buildMaxDepth {
		return nil, false
	}
	defer func() { b.depth-- }()
	if isItemAt(b.lines[b.i].text, ind) {
		return b.sequence(ind)
	}
	return b.mapping(ind)
}

// mapping reads entries at column c; the first starts at byte c of the current line (after
// "- " for a mapping inside a sequence item), the others at indentation c.
func (b *treeBuilder) mapping(c int) (*yaml.Node, bool) {
	m := b.node(yaml.MappingNode, "!!map", &b.lines[b.i], c)
	for {
		if !b.entry(m, c) {
			return nil, false
		}
		if !b.skip() {
			return m, true
		}
		l := &b.lines[b.i]
		if l.indent != c || isItemAt(l.text, c) {
			return m, true
		}
	}
}

// entry reads "key: value" starting at byte c of the current line and leaves the builder
// at the line after the value.
func (b *treeBuilder) entry(m *yaml.Node, c int) bool {
	l := &b.lines[b.i]
	rest := l.text[c:]
	n, ok := splitKey(rest)
	if !ok {
		return false
	}
	key, ok := b.keyNode(l, c, rest[:n-1])
	if !ok {
		return false
	}
	off := c + n
	for off < len(l.text) && l.text[off] == ' ' {
		off++
	}
	var val *yaml.Node
	if off == len(l.text) || l.text[off] == '#' {
		val, ok = b.nested(c, true, l, c+n)
	} else {
		val, ok = b.scalar(off, c)
	}
	if !ok {
		return false
	}
	m.Content = append(m.Content, key, val)
	return true
}

// nested reads the value of a key or item whose line ends after the indicator: a
// collection on the following lines, or an empty (null) value placed right after the
// indicator, at byte empty of line l, as yaml.v3 places it.
func (b *treeBuilder) nested(owner int, isKey bool, l *blockLine, empty int) (*yaml.Node, bool) {
	b.i++
	if b.skip() {
		next := &b.lines[b.i]
		if next.indent > owner || isKey && next.indent == owner && isItemAt(next.text, owner) {
			return b.collection(next.indent)
		}
	}
	return b.node(yaml.ScalarNode, "!!null", l, empty), true
}

// keyNode builds the key node from its text (through the closing quote, without the colon).
func (b *treeBuilder) keyNode(l *blockLine, off int, text []byte) (*yaml.Node, bool) {
	switch text[0] {
	case '"', '\'':
		v, ok := unquote(text)
		if !ok {
			return nil, false
		}
		k := b.node(yaml.ScalarNode, "!!str", l, off)
		k.Value, k.Style = v, quoteStyle(text[0])
		return k, true
	}
	k := b.node(yaml.ScalarNode, "", l, off)
	k.Value = internText(text)
	k.Tag = plainTag(k.Value)
	return k, true
}

// sequence reads items at indentation c.
func (b *treeBuilder) sequence(c int) (*yaml.Node, bool) {
	s := b.node(yaml.SequenceNode, "!!seq", &b.lines[b.i], c)
	for {
		l := &b.lines[b.i]
		off := c + 1
		for off < len(l.text) && l.text[off] == ' ' {
			off++
		}
		var item *yaml.Node
		var ok bool
		switch {
		case off == len(l.text) || l.text[off] == '#':
			item, ok = b.nested(c, false, l, c+1)
		case isItemAt(l.text, off):
			return nil, false // "- - x": the validator refuses it too
		default:
			if _, isKey := splitKey(l.text[off:]); isKey {
				if b.depth++; b.depth > buildMaxDepth {
					return nil, false
				}
				item, ok = b.mapping(off)
				b.depth--
			} else {
				item, ok = b.scalar(off, c)
			}
		}
		if !ok {
			return nil, false
		}
		s.Content = append(s.Content, item)
		if !b.skip() {
			return s, true
		}
		next := &b.lines[b.i]
		if next.indent != c || !isItemAt(next.text, c) {
			return s, true
		}
	}
}

// scalar reads the value starting at byte off of the current line, owned by a key or item
// at indentation owner (its continuation lines are deeper), and leaves the builder at the
// line after it.
func (b *treeBuilder) scalar(off, owner int) (*yaml.Node, bool) {
	l := &b.lines[b.i]
	v := l.text[off:]
	switch v[0] {
	case '|', '>':
		return b.blockScalar(off, owner)
	case '"', '\'':
		end, closed, ok := scanQuoted(v, 1, v[0])
		if !ok || !closed {
			return nil, false // multi-line quoted scalars take yaml.v3's path
		}
		s, ok := unquote(v[:end])
		if !ok {
			return nil, false
		}
		n := b.node(yaml.ScalarNode, "!!str", l, off)
		n.Value, n.Style = s, quoteStyle(v[0])
		b.i++
		return n, true
	case '[', '{':
		kind, tag := yaml.SequenceNode, "!!seq"
		if v[0] == '{' {
			kind, tag = yaml.MappingNode, "!!map"
		}
		n := b.node(kind, tag, l, off)
		n.Style = yaml.FlowStyle
		b.i++
		return n, true
	}
	return b.plain(off, owner)
}

// plain reads a plain scalar and its continuation lines, folded as YAML folds them: one
// line break becomes a space, n empty lines become n line breaks.
func (b *treeBuilder) plain(off, owner int) (*yaml.Node, bool) {
	l := &b.lines[b.i]
	n := b.node(yaml.ScalarNode, "", l, off)
	first, ended := plainText(l.text[off:])
	b.i++
	if ended {
		n.Value = internText(first)
		n.Tag = plainTag(n.Value)
		return n, true
	}
	var buf []byte
	blanks := 0
	for j := b.i; j < len(b.lines); j++ {
		c := &b.lines[j]
		if c.indent == len(c.text) {
			blanks++
			continue
		}
		if c.text[c.indent] == '#' || c.indent <= owner {
			break
		}
		if buf == nil {
			buf = append(make([]byte, 0, 2*len(first)+32), first...)
		}
		if blanks == 0 {
			buf = append(buf, ' ')
		}
		for ; blanks > 0; blanks-- {
			buf = append(buf, '\n')
		}
		part, end := plainText(c.text[c.indent:])
		buf = append(buf, part...)
		b.i = j + 1
		if end {
			break
		}
	}
	if buf == nil {
		n.Value = internText(first)
	} else {
		n.Value = string(buf)
	}
	n.Tag = plainTag(n.Value)
	return n, true
}

// plainText cuts a plain scalar's line at a comment and trailing spaces; ended reports a
// comment, after which the scalar cannot continue.
func plainText(t []byte) (text []byte, ended bool) {
	if i := bytes.Index(t, []byte(" #")); i >= 0 {
		t, ended = t[:i], true
	}
	return bytes.TrimRight(t, " "), ended
}

// blockScalar reads a literal (|) or folded (>) scalar whose header is at byte off.
func (b *treeBuilder) blockScalar(off, owner int) (*yaml.Node, bool) {
	l := &b.lines[b.i]
	n := b.node(yaml.ScalarNode, "!!str", l, off)
	literal := l.text[off] == '|'
	n.Style = yaml.FoldedStyle
	if literal {
		n.Style = yaml.LiteralStyle
	}
	chomp := byte(0)
	if h := l.text[off+1:]; len(h) > 0 && (h[0] == '-' || h[0] == '+') {
		chomp = h[0]
	}
	b.i++
	start := b.i
	indent, last, j, ok := b.blockExtent(owner, literal)
	if !ok {
		return nil, false
	}
	b.i = j
	if last < 0 {
		return nil, false // an empty block scalar: rare, and its value depends on chomping details
	}
	if (chomp == '+' || j-1 > last) && !b.lines[j-1].broken {
		return nil, false // how trailing empty lines count at the end of input: yaml.v3's path
	}
	for k := last + 1; k < j; k++ {
		if len(b.lines[k].text) > indent {
			return nil, false // trailing space-only lines longer than the indentation
		}
	}
	buf, ok := b.blockText(start, last, indent, literal)
	if !ok {
		return nil, false
	}
	switch chomp {
	case 0:
		if b.lines[last].broken {
			buf = append(buf, '\n')
		}
	case '+':
		buf = append(buf, '\n')
		for k := last + 1; k < j; k++ {
			buf = append(buf, '\n')
		}
	}
	n.Value = string(buf)
	return n, true
}

// blockExtent finds the content of a block scalar from line b.i: the lines deeper than its
// indentation, which its first non-empty line sets, and the empty lines among them. last is
// the last line that is not empty (-1: none), end the first line after the scalar; ok is
// false for a more-indented empty line in a folded scalar, which yaml.v3's path reads.
func (b *treeBuilder) blockExtent(owner int, literal bool) (indent, last, end int, ok bool) {
	indent, last = -1, -1
	j := b.i
	for ; j < len(b.lines); j++ {
		c := &b.lines[j]
		if c.indent == len(c.text) {
			if indent >= 0 && c.indent > indent && !literal {
				return 0, 0, 0, false
			}
			continue
		}
		if indent < 0 {
			if c.indent <= owner {
				break
			}
			indent = c.indent
		}
		if c.indent < indent {
			break
		}
		last = j
	}
	return indent, last, j, true
}

// blockText joins the content lines start..last of a block scalar, without the final
// line break (chomping adds it): literal lines keep their breaks, folded ones are joined
// with spaces. ok is false for a folded scalar's more-indented lines, which keep their
// breaks: yaml.v3's path reads those.
func (b *treeBuilder) blockText(start, last, indent int, literal bool) (buf []byte, ok bool) {
	blanks, seen := 0, false // folding: empty lines since the last text line, any text yet
	for k := start; k <= last; k++ {
		c := &b.lines[k]
		var t []byte
		if len(c.text) > indent {
			t = c.text[indent:]
		}
		if literal {
			if k > start {
				buf = append(buf, '\n')
			}
			buf = append(buf, t...)
			continue
		}
		if len(t) == 0 {
			if seen {
				blanks++
			} else {
				buf = append(buf, '\n') // leading empty lines are kept as line breaks
			}
			continue
		}
		if t[0] == ' ' || t[0] == '\t' {
			return nil, false
		}
		if seen && blanks == 0 {
			buf = append(buf, ' ')
		}
		for ; blanks > 0; blanks-- {
			buf = append(buf, '\n')
		}
		seen = true
		buf = append(buf, t...)
	}
	return buf, true
}
