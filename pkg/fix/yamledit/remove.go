package yamledit

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// remove deletes the mapping entry or sequence item at the end of r.
func (e *editor) remove(r *resolved) error {
	i := len(r.nodes) - 1
	n := r.nodes[i]
	holder := r.nodes[i-1]
	var holderKey *yaml.Node
	if i >= 2 {
		holderKey = r.keys[i-2]
	}
	flow := holder.Style&yaml.FlowStyle != 0
	entries, idx, err := e.entriesOf(holder, n, r.keys[i-1])
	if err != nil {
		return err
	}
	if idx < 0 {
		return fmt.Errorf("cannot find %s in its parent", pathOf(r))
	}
	if n.Anchor != "" {
		return fmt.Errorf("%s carries the YAML anchor &%s; remove it by hand", pathOf(r), n.Anchor)
	}
	empty := "{}"
	if holder.Kind == yaml.SequenceNode {
		empty = "[]"
	}
	cur := entries[idx]
	if flow {
		return e.removeFromFlow(holder, entries, idx)
	}
	if len(entries) == 1 {
		if holderKey != nil && e.t.onlySpaceBefore(cur.start) {
			colon, err := e.t.colonEnd(holderKey, r.inFlow(i-1))
			if err != nil {
				return err
			}
			e.deleteLines(e.t.lineOf(cur.start), e.t.lineOf(cur.end), r.keys[i-1], n, holder.Column-1)
			e.replace(colon, colon, " "+empty)
			return nil
		}
		e.replace(cur.start, cur.end, empty)
		return nil
	}
	if e.t.onlySpaceBefore(cur.start) {
		e.deleteLines(e.t.lineOf(cur.start), e.t.lineOf(cur.end), r.keys[i-1], n, holder.Column-1)
		return nil
	}
	if holder.Kind == yaml.MappingNode && idx == 0 {
		// "- name: a" with more keys below: the next key moves up beside the dash.
		e.replace(cur.start, entries[1].start, "")
		return nil
	}
	return fmt.Errorf("cannot remove %s: unsupported layout", pathOf(r))
}

// span is the text of one entry of a collection: [start, end).
type span struct{ start, end int }

// entriesOf returns the text of every entry of holder (key through value, or dash through
// item) and the index of the one whose value is n (under key, in a mapping), or -1.
func (e *editor) entriesOf(holder, n, key *yaml.Node) ([]span, int, error) {
	flow := holder.Style&yaml.FlowStyle != 0
	ctxIn := ctx{parentIndent: holder.Column - 1, flow: flow}
	var entries []span
	idx := -1
	switch holder.Kind {
	case yaml.MappingNode:
		for j := 0; j+1 < len(holder.Content); j += 2 {
			k, v := holder.Content[j], holder.Content[j+1]
			end, err := e.t.nodeEnd(v, ctxIn)
			if err != nil {
				return nil, -1, err
			}
			if isEmptyNull(v) {
				if end, err = e.t.colonEnd(k, flow); err != nil {
					return nil, -1, err
				}
			}
			entries = append(entries, span{e.t.pos(k), end})
			if v == n && k == key {
				idx = len(entries) - 1
			}
		}
	case yaml.SequenceNode:
		for j, item := range holder.Content {
			end, err := e.t.nodeEnd(item, ctxIn)
			if err != nil {
				return nil, -1, err
			}
			start := e.t.pos(item)
			if !flow {
				if start, err = e.dashBefore(item); err != nil {
					return nil, -1, err
				}
			}
			entries = append(entries, span{start, end})
			if item == n {
				idx = j
			}
		}
	}
	return entries, idx, nil
}

// removeFromFlow removes entry idx of the flow collection holder with the comma that
// separates it from its neighbour; the last entry leaves the brackets empty.
func (e *editor) removeFromFlow(holder *yaml.Node, entries []span, idx int) error {
	cur := entries[idx]
	switch {
	case len(entries) == 1:
		start := e.t.skipProps(e.t.pos(holder))
		end, err := e.t.flowEnd(start)
		if err != nil {
			return err
		}
		e.replace(start+1, end-1, "")
	case idx < len(entries)-1:
		e.replace(cur.start, entries[idx+1].start, "")
	default:
		e.replace(entries[idx-1].end, cur.end, "")
	}
	return nil
}

// dashBefore finds the "-" that introduces a block sequence item.
func (e *editor) dashBefore(item *yaml.Node) (int, error) {
	for p := e.t.pos(item) - 1; p >= 0; p-- {
		switch e.t.src[p] {
		case ' ', '\t', '\n', '\r':
		case '-':
			return p, nil
		default:
			return 0, fmt.Errorf("no '-' before the list item at line %d", item.Line)
		}
	}
	return 0, fmt.Errorf("no '-' before the list item at line %d", item.Line)
}

// deleteLines deletes lines l0..l1 but keeps their comments: a developer's note outlives
// the field it was next to rather than vanish silently. Full-line comments stay as they
// are; a comment after a removed value stays on a line of its own. Lines inside block or
// multi-line scalars are text, not comments. key is the removed entry's key (nil for a list
// item) and indent the column of the collection that held it.
func (e *editor) deleteLines(l0, l1 int, key, removed *yaml.Node, indent int) {
	inScalar := map[int]bool{}
	lastEnd := map[int]int{} // where the last node on a line ends
	note := func(end int) {
		if l := e.t.lineOf(end); end > lastEnd[l] {
			lastEnd[l] = end
		}
	}
	var walk func(n *yaml.Node, parentIndent int, flow bool)
	walk = func(n *yaml.Node, parentIndent int, flow bool) {
		c := ctx{parentIndent: parentIndent, flow: flow}
		switch {
		case n.Kind == yaml.ScalarNode || n.Kind == yaml.AliasNode:
			start := e.t.pos(n)
			if end, err := e.t.nodeEnd(n, c); err == nil {
				note(end)
				for l := e.t.lineOf(start) + 1; l <= e.t.lineOf(end); l++ {
					inScalar[l] = true
				}
			}
		case n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0:
			if end, err := e.t.nodeEnd(n, c); err == nil {
				note(end)
			}
		}
		flow = flow || n.Style&yaml.FlowStyle != 0
		for _, ch := range n.Content {
			walk(ch, n.Column-1, flow)
		}
	}
	if key != nil {
		walk(key, indent, false)
	}
	walk(removed, indent, false)
	var kept strings.Builder
	col, _ := e.t.indent(l0)
	for l := l0; l <= l1; l++ {
		if inScalar[l] {
			continue
		}
		if l > l0 && e.t.isComment(l) {
			kept.Write(e.t.src[e.t.lineStart(l):e.t.lineStart(l+1)])
			continue
		}
		end, ok := lastEnd[l]
		if !ok {
			continue
		}
		p := end
		for p < e.t.lineEnd(l) && isSpace(e.t.src[p]) {
			p++
		}
		if p < e.t.lineEnd(l) && e.t.src[p] == '#' {
			kept.WriteString(spaces(col))
			kept.Write(e.t.src[p:e.t.lineEnd(l)])
			kept.Write(e.t.src[e.t.lineEnd(l):e.t.lineStart(l+1)])
		}
	}
	out := kept.String()
	end, ok := e.t.nextLineStart(l1)
	if !ok && out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
		if e.st.crlf {
			out = strings.TrimSuffix(out, "\n") + "\r\n"
		}
	}
	// Kept lines are copied verbatim, line endings included.
	e.edits = append(e.edits, TextEdit{Pos: e.t.lineStart(l0), End: end, NewText: []byte(out)})
}
