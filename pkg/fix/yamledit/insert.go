package yamledit

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// blockEntry renders "key: value" lines at column col, creating nested mappings.
func (e *editor) blockEntry(key string, nv nested, col int, keyQuote byte, quote byte) (string, error) {
	var b strings.Builder
	b.WriteString(spaces(col) + keyText(key, keyQuote, e.st) + ":")
	if len(nv.keys) == 0 && !nv.seq {
		s, err := scalarText(nv.leaf, quote, e.st)
		if err != nil {
			return "", err
		}
		b.WriteString(" " + s + "\n")
		return b.String(), nil
	}
	b.WriteString("\n")
	rest, err := e.blockValue(nv, col, keyQuote, quote)
	if err != nil {
		return "", err
	}
	b.WriteString(rest)
	return b.String(), nil
}

// blockValue renders the lines of a new collection value held by a key at column col.
func (e *editor) blockValue(nv nested, col int, keyQuote byte, quote byte) (string, error) {
	if len(nv.keys) == 0 {
		s, err := scalarText(nv.leaf, quote, e.st)
		if err != nil {
			return "", err
		}
		return spaces(col+e.st.seqIndent) + "- " + s + "\n", nil
	}
	return e.blockEntry(nv.keys[0], nv.rest(), col+e.st.indent, keyQuote, quote)
}

// flowValue renders a new value in flow style. pretty lays it out over lines as
// pretty-printed JSON is; col is the column of the key that holds the value.
func (e *editor) flowValue(nv nested, pretty bool, col int, keyQuote byte, quote byte) (string, error) {
	if len(nv.keys) == 0 {
		s, err := scalarText(nv.leaf, quote, e.st)
		if err != nil || !nv.seq {
			return s, err
		}
		if pretty {
			return "[\n" + spaces(col+e.st.indent) + s + "\n" + spaces(col) + "]", nil
		}
		return "[" + s + "]", nil
	}
	inner, err := e.flowValue(nv.rest(), pretty, col+e.st.indent, keyQuote, quote)
	if err != nil {
		return "", err
	}
	k := keyText(nv.keys[0], keyQuote, e.st)
	if pretty {
		return "{\n" + spaces(col+e.st.indent) + k + ": " + inner + "\n" + spaces(col) + "}", nil
	}
	return "{" + k + ": " + inner + "}", nil
}

// insertKey adds nv.keys[0] (and what lies below it) to the mapping r.nodes[i].
func (e *editor) insertKey(r *resolved, i int, nv nested) error {
	m := r.nodes[i]
	var mKey *yaml.Node
	if i > 0 {
		mKey = r.keys[i-1]
	}
	kq := keyQuote(m)
	quote := neighbourQuote(m, e.st.quote)
	key := nv.keys[0]
	flow := m.Style&yaml.FlowStyle != 0 || len(m.Content) == 0
	if flow && len(m.Content) == 0 && mKey != nil && !r.inFlow(i) && !e.st.json {
		// "securityContext: {}" in a block document becomes a block mapping: that is how
		// a person would fill it in.
		return e.blockFromEmpty(mKey, m, func(col int) (string, error) {
			return e.blockEntry(key, nv.rest(), col+e.st.indent, 0, quote)
		})
	}
	if flow {
		start := e.t.skipProps(e.t.pos(m))
		end, err := e.t.flowEnd(start)
		if err != nil {
			return err
		}
		closing := end - 1
		if len(m.Content) == 0 {
			v, err := e.flowValue(nv.rest(), false, 0, kq, quote)
			if err != nil {
				return err
			}
			e.replace(start+1, closing, keyText(key, kq, e.st)+": "+v)
			return nil
		}
		lastKey, lastVal := m.Content[len(m.Content)-2], m.Content[len(m.Content)-1]
		lastEnd, err := e.t.nodeEnd(lastVal, ctx{parentIndent: m.Column - 1, flow: true})
		if err != nil {
			return err
		}
		if isEmptyNull(lastVal) {
			if lastEnd, err = e.t.colonEnd(lastKey, true); err != nil {
				return err
			}
		}
		pretty := e.t.lineOf(closing) > e.t.lineOf(lastEnd) && e.t.lineOf(e.t.pos(lastKey)) > e.t.lineOf(start)
		col := lastKey.Column - 1
		v, err := e.flowValue(nv.rest(), pretty, col, kq, quote)
		if err != nil {
			return err
		}
		entry := keyText(key, kq, e.st) + ": " + v
		if pretty {
			e.replace(lastEnd, lastEnd, ",\n"+spaces(col)+entry)
		} else {
			e.replace(lastEnd, lastEnd, ", "+entry)
		}
		return nil
	}
	end, err := e.t.nodeEnd(m, ctx{parentIndent: m.Column - 1})
	if err != nil {
		return err
	}
	lines, err := e.blockEntry(key, nv.rest(), m.Column-1, kq, quote)
	if err != nil {
		return err
	}
	e.insertLinesAfter(e.t.lineOf(end), lines)
	return nil
}

// blockFromEmpty turns "key: {}" or "key: []" into "key:" followed by block lines.
func (e *editor) blockFromEmpty(key, empty *yaml.Node, render func(keyCol int) (string, error)) error {
	colon, err := e.t.colonEnd(key, false)
	if err != nil {
		return err
	}
	end, err := e.t.flowEnd(e.t.skipProps(e.t.pos(empty)))
	if err != nil {
		return err
	}
	lines, err := render(key.Column - 1)
	if err != nil {
		return err
	}
	e.replace(colon, end, "")
	e.insertLinesAfter(e.t.lineOf(end), lines)
	return nil
}

// fillNull writes a value where r.nodes[i] is null ("key:", "key: null", "key: ~").
func (e *editor) fillNull(r *resolved, i int, nv nested) error {
	n := r.nodes[i]
	key := r.keys[i-1]
	if key == nil {
		return fmt.Errorf("cannot fill the null list item at %s", pathOf(r))
	}
	holder := r.holder(i)
	quote := neighbourQuote(holder, e.st.quote)
	colon, err := e.t.colonEnd(key, r.inFlow(i))
	if err != nil {
		return err
	}
	end := colon
	if !isEmptyNull(n) {
		if end, err = e.t.nodeEnd(n, ctx{parentIndent: holder.Column - 1, flow: r.inFlow(i)}); err != nil {
			return err
		}
	}
	if r.inFlow(i) || (len(nv.keys) == 0 && !nv.seq) {
		v, err := e.flowValue(nv, false, key.Column-1, keyQuote(holder), quote)
		if err != nil {
			return err
		}
		e.replace(colon, end, " "+v)
		return nil
	}
	lines, err := e.blockValue(nv, key.Column-1, 0, quote)
	if err != nil {
		return err
	}
	e.replace(colon, end, "")
	e.insertLinesAfter(e.t.lineOf(end), lines)
	return nil
}

// appendItem adds scalar v at the end of the sequence r.nodes[i].
func (e *editor) appendItem(r *resolved, i int, v any) error {
	seq := r.nodes[i]
	key := r.keys[i-1]
	s, err := scalarText(v, seqQuote(seq, e.st), e.st)
	if err != nil {
		return err
	}
	flow := seq.Style&yaml.FlowStyle != 0 || len(seq.Content) == 0
	if flow && len(seq.Content) == 0 && key != nil && !r.inFlow(i) && !e.st.json {
		return e.blockFromEmpty(key, seq, func(col int) (string, error) {
			return spaces(col+e.st.seqIndent) + "- " + s + "\n", nil
		})
	}
	if flow {
		start := e.t.skipProps(e.t.pos(seq))
		end, err := e.t.flowEnd(start)
		if err != nil {
			return err
		}
		closing := end - 1
		if len(seq.Content) == 0 {
			e.replace(start+1, closing, s)
			return nil
		}
		last := seq.Content[len(seq.Content)-1]
		lastEnd, err := e.t.nodeEnd(last, ctx{parentIndent: seq.Column - 1, flow: true})
		if err != nil {
			return err
		}
		if e.t.lineOf(closing) > e.t.lineOf(lastEnd) && e.t.lineOf(e.t.pos(last)) > e.t.lineOf(start) {
			e.replace(lastEnd, lastEnd, ",\n"+spaces(last.Column-1)+s)
		} else {
			e.replace(lastEnd, lastEnd, ", "+s)
		}
		return nil
	}
	end, err := e.t.nodeEnd(seq, ctx{parentIndent: seq.Column - 1})
	if err != nil {
		return err
	}
	e.insertLinesAfter(e.t.lineOf(end), spaces(seq.Column-1)+"- "+s+"\n")
	return nil
}

// seqQuote is the quote a new item of seq takes: that of its string items when they agree.
func seqQuote(seq *yaml.Node, st style) byte {
	var q byte
	seen := false
	for _, item := range seq.Content {
		if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
			continue
		}
		var this byte
		switch {
		case item.Style&yaml.DoubleQuotedStyle != 0:
			this = '"'
		case item.Style&yaml.SingleQuotedStyle != 0:
			this = '\''
		}
		if seen && this != q {
			return 0
		}
		q, seen = this, true
	}
	if !seen {
		return st.quote
	}
	return q
}
