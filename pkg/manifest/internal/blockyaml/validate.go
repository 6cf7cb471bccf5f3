package blockyaml

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// Validation of the block-YAML subset that generated manifests use. Valid returns
// true only for text yaml.v3 parses without error; anything it does not fully understand
// (anchors, tags, flow collections other than [] and {}, explicit keys, escapes, tabs)
// makes it return false. A fuzz test checks the one-way implication against yaml.v3.

type levelKind uint8

const (
	mapLevel levelKind = iota
	seqLevel
)

type level struct {
	indent int
	kind   levelKind
}

type blockValidator struct {
	stack []level
	// pendingIndent >= 0: the previous line opened a node (`key:` or `- `) whose value may
	// follow on deeper lines; pendingMap says it was a mapping key, whose sequence value
	// may sit at the key's own indentation.
	pendingIndent int
	pendingMap    bool
	// Block scalar state: parent indentation, content indentation once known, and the
	// longest leading whitespace-only line.
	inBlock                  bool
	blockParent, blockIndent int
	blockLeadingSpaces       int
	// Plain scalar continuation: lines deeper than ownerIndent continue the scalar.
	inPlain    bool
	plainOwner int
	// A quoted scalar that has not closed yet; its lines must be deeper than quoteOwner.
	inQuote    byte
	quoteOwner int
}

func Valid(text []byte) bool {
	v := blockValidator{pendingIndent: -1}
	for len(text) > 0 {
		var l []byte
		l, text = cutLine(text)
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		if !v.line(l) {
			return false
		}
	}
	return v.inQuote == 0
}

func (v *blockValidator) line(l []byte) bool {
	indent := 0
	for indent < len(l) && l[indent] == ' ' {
		indent++
	}
	rest := l[indent:]
	blank := true
	for _, c := range rest {
		if c != ' ' && c != '\t' {
			blank = false
			break
		}
	}
	if bytes.IndexByte(l, '\t') >= 0 && !v.inBlock {
		return false
	}
	if !printable(l) {
		return false // yaml.v3 refuses these characters; let it say where
	}

	if v.inQuote != 0 {
		return v.quotedLine(indent, rest, blank)
	}
	if v.inBlock {
		if ok, inside := v.blockScalarLine(l, indent, rest, blank); inside {
			return ok
		}
	}
	if bytes.IndexByte(l, '\t') >= 0 {
		return false
	}
	if blank {
		return true
	}
	if rest[0] == '#' {
		if v.inPlain {
			// A comment ends a plain scalar; a deeper line after it is an error, which the
			// normal rules reject (no pending node to hold it).
			v.inPlain = false
		}
		return true
	}
	if v.inPlain {
		if indent > v.plainOwner {
			if bytes.Contains(rest, []byte(" #")) {
				// A trailing comment ends the scalar too: a deeper line after it is an error.
				v.inPlain = false
			}
			return plainContinuation(rest)
		}
		v.inPlain = false
	}

	return v.nodeLine(indent, rest)
}

// quotedLine checks a line inside a quoted scalar that opened on an earlier line.
func (v *blockValidator) quotedLine(indent int, rest []byte, blank bool) bool {
	if blank {
		return true
	}
	if indent <= v.quoteOwner {
		return false
	}
	end, closed, ok := scanQuoted(rest, 0, v.inQuote)
	if !ok {
		return false
	}
	if closed {
		v.inQuote = 0
		return onlyComment(rest[end:])
	}
	return true
}

// blockScalarLine checks a line after a block scalar's header: inside reports whether the
// line belongs to the scalar (and ok whether it is valid there); a line that does not ends
// the scalar and is checked as a node line.
func (v *blockValidator) blockScalarLine(l []byte, indent int, rest []byte, blank bool) (ok, inside bool) {
	if blank {
		if bytes.IndexByte(l, '\t') >= 0 {
			return false, true
		}
		if v.blockIndent == 0 && len(l) > v.blockLeadingSpaces {
			v.blockLeadingSpaces = len(l)
		}
		return true, true
	}
	if rest[0] == '\t' {
		return false, true // libyaml refuses tabs next to indentation
	}
	if indent > v.blockParent {
		if v.blockIndent == 0 {
			if v.blockLeadingSpaces > indent || bytes.IndexByte(l[:indent], '\t') >= 0 {
				return false, true
			}
			v.blockIndent = indent
		} else if indent < v.blockIndent {
			return false, true
		}
		return true, true
	}
	v.inBlock = false
	return false, false
}

// nodeLine checks a line that starts a node (a mapping entry or a sequence item) against
// the open collections: its indentation must close some and continue one, or open one
// under the node of the line before.
func (v *blockValidator) nodeLine(indent int, rest []byte) bool {
	isItem := rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ')
	if v.pendingIndent >= 0 {
		p, pm := v.pendingIndent, v.pendingMap
		v.pendingIndent = -1
		switch {
		case indent > p:
			kind := mapLevel
			if isItem {
				kind = seqLevel
			}
			v.stack = append(v.stack, level{indent, kind})
		case indent == p && pm && isItem:
			v.stack = append(v.stack, level{indent, seqLevel})
		}
	}
	for len(v.stack) > 0 && v.stack[len(v.stack)-1].indent > indent {
		v.stack = v.stack[:len(v.stack)-1]
	}
	if len(v.stack) == 0 {
		if indent != 0 {
			return false
		}
		kind := mapLevel
		if isItem {
			kind = seqLevel
		}
		v.stack = append(v.stack, level{0, kind})
	}
	top := v.stack[len(v.stack)-1]
	if top.indent != indent {
		return false
	}
	if top.kind == seqLevel && !isItem {
		// The end of a sequence written at its key's indentation.
		v.stack = v.stack[:len(v.stack)-1]
		if len(v.stack) == 0 {
			return false
		}
		top = v.stack[len(v.stack)-1]
		if top.indent != indent || top.kind != mapLevel {
			return false
		}
	}
	if top.kind == seqLevel {
		return v.item(indent, rest)
	}
	if isItem {
		return false
	}
	return v.entry(indent, rest)
}

// item handles "- ..." at indent.
func (v *blockValidator) item(indent int, rest []byte) bool {
	body := rest[1:]
	col := indent + 1
	for len(body) > 0 && body[0] == ' ' {
		body = body[1:]
		col++
	}
	if len(body) == 0 || body[0] == '#' {
		v.pendingIndent, v.pendingMap = indent, false
		return true
	}
	if body[0] == '-' && (len(body) == 1 || body[1] == ' ') {
		return false // nested compact sequence
	}
	if _, ok := splitKey(body); ok {
		// A compact mapping: its entries sit at the column of its first key.
		v.stack = append(v.stack, level{col, mapLevel})
		return v.entry(col, body)
	}
	return v.value(indent, body, false)
}

// entry handles "key: value" at indent.
func (v *blockValidator) entry(indent int, rest []byte) bool {
	n, ok := splitKey(rest)
	if !ok {
		return false
	}
	val := rest[n:]
	for len(val) > 0 && val[0] == ' ' {
		val = val[1:]
	}
	if len(val) == 0 || val[0] == '#' {
		v.pendingIndent, v.pendingMap = indent, true
		return true
	}
	return v.value(indent, val, true)
}

// value checks a scalar (or empty flow collection, or block scalar header) that a node at
// indent holds on its own line.
func (v *blockValidator) value(indent int, val []byte, inMap bool) bool {
	switch val[0] {
	case '|', '>':
		h := val[1:]
		if len(h) > 0 && (h[0] == '-' || h[0] == '+') {
			h = h[1:]
		}
		if !onlyComment(h) {
			return false // explicit indentation indicators and anything else
		}
		v.inBlock, v.blockParent, v.blockIndent, v.blockLeadingSpaces = true, indent, 0, 0
		return true
	case '"', '\'':
		end, closed, ok := scanQuoted(val, 1, val[0])
		if !ok {
			return false
		}
		if !closed {
			v.inQuote, v.quoteOwner = val[0], indent
			return true
		}
		return onlyComment(val[end:])
	case '[', '{':
		if len(val) >= 2 && (val[0] == '[' && val[1] == ']' || val[0] == '{' && val[1] == '}') {
			return onlyComment(val[2:])
		}
		return false
	}
	if !plainStart(val) {
		return false
	}
	if !plainContinuation(val) {
		return false
	}
	if bytes.Contains(val, []byte(" #")) {
		return true // a comment ends the scalar; no continuation
	}
	v.inPlain, v.plainOwner = true, indent
	if !inMap {
		// An item's scalar continues on lines deeper than the dash.
		v.plainOwner = indent
	}
	return true
}

// splitKey returns the length of "key:" (through the colon) when line starts with a simple
// key followed by ": " or ":" at the end.
func splitKey(line []byte) (int, bool) {
	var n int
	switch line[0] {
	case '"':
		q, ok := doubleQuoted(line)
		if !ok {
			return 0, false
		}
		n = q
	case '\'':
		q, ok := singleQuoted(line)
		if !ok {
			return 0, false
		}
		n = q
	default:
		for n < len(line) && keyChar(line[n]) {
			n++
		}
		if n == 0 || !keyStart(line[0]) {
			return 0, false
		}
	}
	// yaml.v3 limits simple keys to 1024 characters.
	if n >= len(line) || line[n] != ':' || n > 1000 {
		return 0, false
	}
	if n+1 < len(line) && line[n+1] != ' ' {
		return 0, false
	}
	return n + 1, true
}

// keyStart: a plain key may not begin with an indicator character.
func keyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '.' || c == '/'
}

func keyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == '/' || c == '$' || c == '+' || c == '~' || c == '@'
}

// plainStart rejects the indicator characters a plain scalar cannot begin with.
func plainStart(val []byte) bool {
	switch val[0] {
	case '-', '?', ':':
		return len(val) > 1 && val[1] != ' '
	case ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

// plainContinuation checks text that is (part of) a plain scalar in block context.
func plainContinuation(val []byte) bool {
	if i := bytes.Index(val, []byte(" #")); i >= 0 {
		val = val[:i]
	}
	val = bytes.TrimRight(val, " ")
	if len(val) == 0 {
		return false
	}
	if val[len(val)-1] == ':' || bytes.Contains(val, []byte(": ")) {
		return false
	}
	switch val[0] {
	case '#':
		return false
	case '-', '?', ':':
		if len(val) == 1 || val[1] == ' ' {
			return false
		}
	}
	return true
}

// scanQuoted scans a quoted scalar's text on one line from b[from:]: it returns the index
// just past the closing quote when the scalar closes on this line, and ok=false for
// anything the validator does not accept (unusual escapes, text glued to the close).
func scanQuoted(b []byte, from int, quote byte) (end int, closed, ok bool) {
	for i := from; i < len(b); i++ {
		c := b[i]
		if quote == '\'' {
			if c != '\'' {
				continue
			}
			if i+1 < len(b) && b[i+1] == '\'' {
				i++
				continue
			}
		} else {
			if c == '\\' {
				if i+1 == len(b) {
					return 0, false, true // an escaped line break
				}
				if _, ok := simpleEscape(b[i+1]); ok {
					i++
					continue
				}
				return 0, false, false
			}
			if c != '"' {
				continue
			}
		}
		if i+1 < len(b) && b[i+1] != ' ' && b[i+1] != ':' {
			return 0, false, false
		}
		return i + 1, true, true
	}
	return 0, false, true
}

// printable reports whether every character of l is one YAML allows in a stream.
func printable(l []byte) bool {
	// Eight bytes at a time first: a word with no byte below 0x20, none at 0x7f and none
	// at or above 0x80 is printable ASCII. The validator looks at every line of every file.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(l) >= 8 {
		w := binary.LittleEndian.Uint64(l)
		del := w ^ (0x7f * ones)
		if w&highs != 0 || (w-0x20*ones)&highs != 0 || (del-ones)&^del&highs != 0 {
			break // a tab, a control, DEL or non-ASCII somewhere: look byte by byte
		}
		l = l[8:]
	}
	high := false
	for _, c := range l {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			high = true
		}
	}
	if !high {
		return true
	}
	for len(l) > 0 {
		r, size := utf8.DecodeRune(l)
		if r == utf8.RuneError && size <= 1 {
			return false
		}
		// NEL, LS and PS are allowed but break the line for yaml.v3, which this line-based
		// validator cannot follow.
		if r >= 0x80 && r < 0xA0 || r == 0x2028 || r == 0x2029 || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF || r == 0xFEFF {
			return false
		}
		l = l[size:]
	}
	return true
}

func onlyComment(b []byte) bool {
	b = bytes.TrimLeft(b, " ")
	return len(b) == 0 || b[0] == '#'
}

// doubleQuoted returns the length of a double-quoted scalar that closes on this line and
// uses only common escapes.
func doubleQuoted(b []byte) (int, bool) {
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '"':
			if i+1 < len(b) && b[i+1] != ' ' && b[i+1] != ':' {
				return 0, false
			}
			return i + 1, true
		case '\\':
			if i+1 >= len(b) {
				return 0, false
			}
			if _, ok := simpleEscape(b[i+1]); !ok {
				return 0, false
			}
			i++
		}
	}
	return 0, false
}

// singleQuoted returns the length of a single-quoted scalar that closes on this line.
func singleQuoted(b []byte) (int, bool) {
	for i := 1; i < len(b); i++ {
		if b[i] == '\'' {
			if i+1 < len(b) && b[i+1] == '\'' {
				i++
				continue
			}
			if i+1 < len(b) && b[i+1] != ' ' && b[i+1] != ':' {
				return 0, false
			}
			return i + 1, true
		}
	}
	return 0, false
}

// simpleEscape returns the byte a one-letter escape of a double-quoted scalar stands for,
// for the escapes the validator accepts (the \x, \u, \U and line-folding forms are not).
func simpleEscape(c byte) (byte, bool) {
	switch c {
	case '\\', '"', ' ':
		return c, true
	case 'n':
		return '\n', true
	case 't':
		return '\t', true
	case 'r':
		return '\r', true
	case '0':
		return 0, true
	case 'a':
		return 7, true
	case 'b':
		return 8, true
	case 'e':
		return 0x1b, true
	case 'f':
		return 0x0c, true
	case 'v':
		return 0x0b, true
	}
	return 0, false
}
