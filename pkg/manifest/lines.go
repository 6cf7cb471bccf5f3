package manifest

import (
	"bytes"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// YAML counts a lone CR and the Unicode breaks NEL, LS and PS as line breaks, and yaml.v3
// numbers lines and columns accordingly. Editors, diffs, `grep -n` and CI annotations count
// only '\n'. One LS pasted into a comment would shift every later finding by a line (and
// could place it past the end of the file), so positions are translated to '\n' lines.

// lineMap gives, for each 0-based yaml.v3 line, the 1-based '\n' line it lies on and the
// number of characters of that line before it.
type lineMap struct {
	line   []int
	offset []int
}

// unusualBreaks are the UTF-8 forms of NEL, LS and PS.
var unusualBreaks = [][]byte{{0xc2, 0x85}, {0xe2, 0x80, 0xa8}, {0xe2, 0x80, 0xa9}}

// newLineMap returns nil when yaml.v3's lines are already '\n' lines: for nearly every file.
func newLineMap(data []byte) *lineMap {
	if !hasUnusualBreak(data) {
		return nil
	}
	m := &lineMap{line: []int{1}, offset: []int{0}}
	line, chars := 1, 0
	// yaml.v3 does not count a byte-order mark as a column, and editors do not show it.
	i := 0
	if bytes.HasPrefix(data, []byte("\ufeff")) {
		i = len("\ufeff")
	}
	for i < len(data) {
		c := data[i]
		switch {
		case c == '\n' || c == '\r' && i+1 < len(data) && data[i+1] == '\n':
			if c == '\r' {
				i++
			}
			i++
			line, chars = line+1, 0
			m.line, m.offset = append(m.line, line), append(m.offset, 0)
			continue
		case c == '\r':
			i++
		case c < utf8.RuneSelf:
			i++
			chars++
			continue
		default:
			r, size := utf8.DecodeRune(data[i:])
			i += size
			if r != 0x85 && r != 0x2028 && r != 0x2029 {
				chars++
				continue
			}
		}
		// A break only YAML sees: the next YAML line continues this '\n' line after it.
		chars++
		m.line, m.offset = append(m.line, line), append(m.offset, chars)
	}
	return m
}

func hasUnusualBreak(data []byte) bool {
	for _, b := range unusualBreaks {
		if bytes.Contains(data, b) {
			return true
		}
	}
	for i := bytes.IndexByte(data, '\r'); i >= 0; {
		if i+1 == len(data) || data[i+1] != '\n' {
			return true
		}
		next := bytes.IndexByte(data[i+1:], '\r')
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return false
}

// lineOf translates a 1-based yaml.v3 line; 0 (unknown) stays 0.
func (m *lineMap) lineOf(yamlLine int) int {
	if m == nil || yamlLine < 1 {
		return yamlLine
	}
	if yamlLine > len(m.line) {
		// Past the last break, where yaml.v3 reports errors at the end of input.
		return m.line[len(m.line)-1]
	}
	return m.line[yamlLine-1]
}

// apply translates the position of every node of the tree.
func (m *lineMap) apply(n *yaml.Node) {
	if m == nil || n == nil {
		return
	}
	if n.Line >= 1 && n.Line <= len(m.line) {
		if n.Column >= 1 {
			n.Column += m.offset[n.Line-1]
		}
		n.Line = m.line[n.Line-1]
	}
	for _, c := range n.Content {
		m.apply(c)
	}
}

// clampToEnd moves nodes that yaml.v3 places on the line after the last one back to the
// end of the file. When the input does not end with a line break, yaml.v3 ends the stream
// on a line of its own, and an empty node there (the missing value of a final `? key`)
// would be reported past the end of the file. tail is the end of the file, from the
// 0-based line tailLine on.
func clampToEnd(docs []Document, tail []byte, tailLine int) {
	if len(docs) == 0 || len(tail) == 0 || tail[len(tail)-1] == '\n' {
		return
	}
	lastLine := tailLine + bytes.Count(tail, []byte("\n")) + 1
	last := tail[bytes.LastIndexByte(tail, '\n')+1:]
	if lastLine == 1 {
		last = bytes.TrimPrefix(last, []byte("\ufeff"))
	}
	endCol := utf8.RuneCount(last) + 1
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Line > lastLine {
			n.Line, n.Column = lastLine, endCol
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(docs[len(docs)-1].Root)
}
