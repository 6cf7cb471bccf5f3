package yamledit

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// text indexes a YAML text by line so that yaml.v3 positions (1-based lines, columns
// counted in characters) can be turned into byte offsets, and node extents computed.
type text struct {
	src   []byte
	lines []int // byte offset where each line starts
	bom   int   // length of a leading byte-order mark, which yaml.v3 does not count
}

func newText(src []byte) *text {
	t := &text{src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			t.lines = append(t.lines, i+1)
		}
	}
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		t.bom = 3
	}
	return t
}

func (t *text) nlines() int { return len(t.lines) }

// offset converts a yaml.v3 position to a byte offset.
func (t *text) offset(line, col int) int {
	l := line - 1
	if l < 0 {
		return 0
	}
	if l >= len(t.lines) {
		return len(t.src)
	}
	off := t.lines[l]
	if l == 0 {
		off += t.bom
	}
	end := t.lineEnd(l)
	for c := 1; c < col && off < end; c++ {
		_, size := utf8.DecodeRune(t.src[off:end])
		off += size
	}
	return off
}

// pos returns the offset of node n.
func (t *text) pos(n *yaml.Node) int { return t.offset(n.Line, n.Column) }

// lineOf returns the 0-based line holding offset off.
func (t *text) lineOf(off int) int {
	lo, hi := 0, len(t.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if t.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// lineStart is the offset of line l's first byte; past the last line it is len(src).
func (t *text) lineStart(l int) int {
	if l >= len(t.lines) {
		return len(t.src)
	}
	return t.lines[l]
}

// lineEnd is the offset of line l's terminator ("\n" or "\r\n"), or len(src).
func (t *text) lineEnd(l int) int {
	end := len(t.src)
	if l+1 < len(t.lines) {
		end = t.lines[l+1] - 1
	}
	if end > t.lines[l] && t.src[end-1] == '\r' {
		end--
	}
	return end
}

// nextLineStart is where a line inserted after line l begins. ok is false when l is the
// last line and has no terminator: the caller must add one first.
func (t *text) nextLineStart(l int) (off int, ok bool) {
	if l+1 < len(t.lines) {
		return t.lines[l+1], true
	}
	return len(t.src), false
}

// indent returns the number of leading spaces of line l and whether the line holds
// anything but whitespace.
func (t *text) indent(l int) (n int, content bool) {
	start, end := t.lines[l], t.lineEnd(l)
	if l == 0 {
		start += t.bom
	}
	for i := start; i < end; i++ {
		switch t.src[i] {
		case ' ':
			n++
		case '\t':
			n++
		default:
			return n, true
		}
	}
	return n, false
}

// isComment reports whether line l holds only a comment.
func (t *text) isComment(l int) bool {
	n, content := t.indent(l)
	if !content {
		return false
	}
	start := t.lines[l]
	if l == 0 {
		start += t.bom
	}
	return t.src[start+n] == '#'
}

// isDocMarker reports a "---" or "..." line, which ends any scalar or collection.
func (t *text) isDocMarker(l int) bool {
	start, end := t.lines[l], t.lineEnd(l)
	s := t.src[start:end]
	if !bytes.HasPrefix(s, []byte("---")) && !bytes.HasPrefix(s, []byte("...")) {
		return false
	}
	return len(s) == 3 || s[3] == ' ' || s[3] == '\t'
}

// onlySpaceBefore reports whether nothing but indentation precedes off on its line.
func (t *text) onlySpaceBefore(off int) bool {
	start := t.lines[t.lineOf(off)]
	if start == 0 {
		start = t.bom
	}
	for i := start; i < off; i++ {
		if t.src[i] != ' ' && t.src[i] != '\t' {
			return false
		}
	}
	return true
}

// skipProps skips a node's anchor and tag ("&a !!str ") starting at off.
func (t *text) skipProps(off int) int {
	for off < len(t.src) && (t.src[off] == '&' || t.src[off] == '!') {
		for off < len(t.src) && !isSpace(t.src[off]) && t.src[off] != '\n' && t.src[off] != '\r' {
			off++
		}
		for off < len(t.src) && isSpace(t.src[off]) {
			off++
		}
	}
	return off
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// ctx is what the end of a node depends on: the indentation of the block structure that
// holds it (content of a block or multi-line scalar is indented deeper) and whether it
// sits inside a flow collection.
type ctx struct {
	parentIndent int // 0-based column; -1 at a document's root
	flow         bool
}

// nodeEnd returns the offset just past the last character of n.
func (t *text) nodeEnd(n *yaml.Node, c ctx) (int, error) {
	start := t.pos(n)
	switch n.Kind {
	case yaml.AliasNode:
		p := start + 1
		for p < len(t.src) && !isSpace(t.src[p]) && !bytes.ContainsRune([]byte(",[]{}\r\n"), rune(t.src[p])) {
			p++
		}
		return p, nil
	case yaml.ScalarNode:
		return t.scalarEnd(n, start, c)
	case yaml.MappingNode, yaml.SequenceNode:
		if n.Style&yaml.FlowStyle != 0 || (len(n.Content) == 0) {
			return t.flowEnd(t.skipProps(start))
		}
		col := n.Column - 1
		last := n.Content[len(n.Content)-1]
		if n.Kind == yaml.MappingNode && isEmptyNull(last) {
			// "key:" with nothing after it ends at the colon.
			return t.colonEnd(n.Content[len(n.Content)-2], false)
		}
		return t.nodeEnd(last, ctx{parentIndent: col})
	}
	return 0, fmt.Errorf("unexpected node kind %v at line %d", n.Kind, n.Line)
}

// isEmptyNull is a value written as nothing at all ("key:").
func isEmptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Style == 0
}

// colonEnd returns the offset just past the ':' that follows mapping key k.
func (t *text) colonEnd(k *yaml.Node, flow bool) (int, error) {
	end, err := t.nodeEnd(k, ctx{parentIndent: k.Column - 1, flow: flow})
	if err != nil {
		return 0, err
	}
	for p := end; p < len(t.src); p++ {
		switch t.src[p] {
		case ':':
			return p + 1, nil
		case ' ', '\t':
		default:
			return 0, fmt.Errorf("no ':' after key %q at line %d", k.Value, k.Line)
		}
	}
	return 0, fmt.Errorf("no ':' after key %q at line %d", k.Value, k.Line)
}

func (t *text) scalarEnd(n *yaml.Node, start int, c ctx) (int, error) {
	if isEmptyNull(n) {
		return start, nil
	}
	p := t.skipProps(start)
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		for i := p + 1; i < len(t.src); i++ {
			switch t.src[i] {
			case '\\':
				i++
			case '"':
				return i + 1, nil
			}
		}
		return 0, fmt.Errorf("unterminated double-quoted scalar at line %d", n.Line)
	case n.Style&yaml.SingleQuotedStyle != 0:
		for i := p + 1; i < len(t.src); i++ {
			if t.src[i] == '\'' {
				if i+1 < len(t.src) && t.src[i+1] == '\'' {
					i++
					continue
				}
				return i + 1, nil
			}
		}
		return 0, fmt.Errorf("unterminated single-quoted scalar at line %d", n.Line)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		// Header line, then every line indented deeper than the parent, blank lines
		// included only when more content follows.
		l := t.lineOf(p)
		end := t.lineEnd(l)
		for k := l + 1; k < t.nlines(); k++ {
			if t.isDocMarker(k) {
				break
			}
			ind, content := t.indent(k)
			if !content {
				continue
			}
			if ind <= c.parentIndent {
				break
			}
			end = t.lineEnd(k)
		}
		return end, nil
	}
	// Plain scalar: the first line, then continuation lines if the value is longer.
	end := t.plainLineEnd(p, c.flow)
	if string(t.src[p:end]) == n.Value {
		return end, nil
	}
	for k := t.lineOf(p) + 1; k < t.nlines(); k++ {
		if t.isDocMarker(k) || t.isComment(k) {
			break
		}
		ind, content := t.indent(k)
		if !content {
			continue
		}
		if !c.flow && ind <= c.parentIndent {
			break
		}
		s := t.lines[k] + ind
		e := t.plainLineEnd(s, c.flow)
		end = e
		if e < t.lineEnd(k) && c.flow {
			break
		}
	}
	return end, nil
}

// plainLineEnd returns where a plain scalar starting at p stops on its line: at a comment,
// at the end of the line, or (in flow context) at an indicator; trailing spaces excluded.
func (t *text) plainLineEnd(p int, flow bool) int {
	l := t.lineOf(p)
	end := t.lineEnd(l)
	i := p
	for ; i < end; i++ {
		c := t.src[i]
		if c == '#' && i > p && isSpace(t.src[i-1]) {
			break
		}
		if flow && (c == ',' || c == ']' || c == '}' || c == '[' || c == '{') {
			break
		}
		if c == ':' && (i+1 == end || isSpace(t.src[i+1]) || flow && i+1 < end && bytes.IndexByte([]byte(",]}"), t.src[i+1]) >= 0) {
			break
		}
	}
	for i > p && isSpace(t.src[i-1]) {
		i--
	}
	return i
}

// flowEnd returns the offset past the bracket that closes the flow collection at p.
func (t *text) flowEnd(p int) (int, error) {
	if p >= len(t.src) || (t.src[p] != '{' && t.src[p] != '[') {
		return 0, fmt.Errorf("no flow collection at offset %d", p)
	}
	depth := 0
	for i := p; i < len(t.src); i++ {
		switch c := t.src[i]; c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		case '"':
			for i++; i < len(t.src) && t.src[i] != '"'; i++ {
				if t.src[i] == '\\' {
					i++
				}
			}
		case '\'':
			if i > 0 && !isSpace(t.src[i-1]) && bytes.IndexByte([]byte("[{,:\n"), t.src[i-1]) < 0 {
				continue // an apostrophe inside a plain scalar
			}
			for i++; i < len(t.src); i++ {
				if t.src[i] == '\'' {
					if i+1 < len(t.src) && t.src[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case '#':
			if i > 0 && (isSpace(t.src[i-1]) || t.src[i-1] == '\n') {
				for i < len(t.src) && t.src[i] != '\n' {
					i++
				}
			}
		}
	}
	return 0, fmt.Errorf("unterminated flow collection at offset %d", p)
}
