package yamledit

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// ErrNoop says a change is already in place: the value is set, the item present, the
// field absent. Applying a fix twice must change nothing the second time.
var ErrNoop = errors.New("already applied")

// resolved is a path followed as far as it exists in a document.
type resolved struct {
	nodes []*yaml.Node   // nodes[0] is the object; nodes[i+1] is reached by segment i
	keys  []*yaml.Node   // keys[i] is the mapping key of segment i (nil for sequence steps)
	steps fieldpath.Path // concrete steps taken (keys and indices), for the semantic check
	depth int            // how many segments exist
}

// Removals maps an index as the finding saw it to the index in the edited text: removing
// a sequence element shifts the ones after it, and several fixes may name them by index.
type Removals map[string][]int

func (m Removals) current(seqKey string, i int) (int, bool) {
	shift := 0
	for _, r := range m[seqKey] {
		switch {
		case r == i:
			return 0, false
		case r < i:
			shift++
		}
	}
	return i - shift, true
}

// Clone returns a copy, to restore when a fix is undone.
func (m Removals) Clone() Removals {
	out := make(Removals, len(m))
	for k, v := range m {
		out[k] = append([]int(nil), v...)
	}
	return out
}

// resolve follows p from the object's root without looking through YAML merge keys or
// aliases: text reached that way is shared with other places and must not be edited here.
// sx, when not nil, indexes root's large lists and mappings (the batch of a large object).
func resolve(root *yaml.Node, p fieldpath.Path, removed Removals, shared map[string]bool, sx *fieldpath.StepIndex) (*resolved, error) {
	r := &resolved{nodes: []*yaml.Node{root}}
	cur := root
	for i, seg := range p {
		if cur.Kind == yaml.AliasNode {
			return nil, fmt.Errorf("%s goes through the YAML alias *%s; edit the anchor instead", p[:i], cur.Value)
		}
		if cur.Anchor != "" && shared[cur.Anchor] {
			return nil, fmt.Errorf("%s is the YAML anchor &%s, shared with other places", p[:i], cur.Anchor)
		}
		var next, key *yaml.Node
		var st fieldpath.Segment
		switch {
		case seg.IsKey():
			if cur.Kind != yaml.MappingNode {
				return r, nil
			}
			for j := 0; j+1 < len(cur.Content); j += 2 {
				if k := cur.Content[j]; k.Kind == yaml.ScalarNode && k.Value == seg.Key && k.Tag != "!!merge" {
					key, next = k, cur.Content[j+1]
					break
				}
			}
			if next == nil && fieldpath.MapGet(cur, seg.Key) != nil {
				return nil, fmt.Errorf("%s comes from a YAML merge key (<<); edit the merged mapping instead", p[:i+1])
			}
			st = fieldpath.Key(seg.Key)
		case seg.IsIndex:
			if cur.Kind != yaml.SequenceNode {
				return r, nil
			}
			idx, ok := removed.current(p[:i].String(), seg.Index)
			if ok && idx >= 0 && idx < len(cur.Content) {
				next = cur.Content[idx]
			}
			st = fieldpath.Index(idx)
		default: // selector
			if cur.Kind != yaml.SequenceNode {
				return r, nil
			}
			if j := sx.SelectIndex(cur, seg.SelKey, seg.SelValue); j >= 0 {
				item := cur.Content[j]
				if item.Kind == yaml.AliasNode {
					return nil, fmt.Errorf("%s is the YAML alias *%s; edit the anchor instead", p[:i+1], item.Value)
				}
				next = item
				st = fieldpath.Index(j)
			}
		}
		if next == nil {
			return r, nil
		}
		r.nodes = append(r.nodes, next)
		r.keys = append(r.keys, key)
		r.steps = append(r.steps, st)
		r.depth = i + 1
		cur = next
	}
	return r, nil
}

// nested is what a change creates below an existing node: mappings for keys, then the
// value (a scalar, or for Append a sequence holding it).
type nested struct {
	keys []string
	leaf any
	seq  bool
}

func (n nested) rest() nested { return nested{keys: n.keys[1:], leaf: n.leaf, seq: n.seq} }

// editor computes the text edits of one change in one document.
type editor struct {
	t     *text
	st    style
	edits []TextEdit
}

func (e *editor) replace(pos, end int, s string) {
	if e.st.crlf {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	e.edits = append(e.edits, TextEdit{Pos: pos, End: end, NewText: []byte(s)})
}

// insertLinesAfter inserts whole lines after line l.
func (e *editor) insertLinesAfter(l int, lines string) {
	off, ok := e.t.nextLineStart(l)
	if !ok {
		lines = "\n" + strings.TrimSuffix(lines, "\n")
	}
	e.replace(off, off, lines)
}

func spaces(n int) string {
	if n < 0 {
		n = 0
	}
	return strings.Repeat(" ", n)
}

// changeEditsAt computes the edits of ch on the object at root, through idx when not nil.
// It returns ErrNoop when the change is already in place, the concrete steps the change
// touches and the nodes the path went through, for a batch to tell which changes touch
// the same text.
func changeEditsAt(t *text, st style, root *yaml.Node, ch finding.Change, removed Removals, shared map[string]bool, idx *fieldpath.StepIndex) ([]TextEdit, fieldpath.Path, *resolved, error) {
	if len(ch.Path) == 0 {
		return nil, nil, nil, fmt.Errorf("change has an empty path")
	}
	r, err := resolve(root, ch.Path, removed, shared, idx)
	if err != nil {
		return nil, nil, nil, err
	}
	e := &editor{t: t, st: st}
	full := r.depth == len(ch.Path)
	steps := r.steps
	switch ch.Op {
	case finding.Remove:
		if !full {
			return nil, nil, nil, ErrNoop
		}
		err = e.remove(r)
	case finding.Set, finding.Append:
		isSeq := ch.Op == finding.Append
		if _, err := scalarText(ch.Value, 0, st); err != nil {
			return nil, nil, nil, err
		}
		if full {
			err = e.setExisting(r, ch.Value, isSeq)
			break
		}
		var keys []string
		for _, s := range ch.Path[r.depth:] {
			if !s.IsKey() {
				return nil, nil, nil, fmt.Errorf("%s does not exist: no element matches %s", ch.Path, ch.Path[:r.depth+1])
			}
			keys = append(keys, s.Key)
			steps = append(steps, fieldpath.Key(s.Key))
		}
		err = e.create(r, nested{keys: keys, leaf: ch.Value, seq: isSeq})
	default:
		return nil, nil, nil, fmt.Errorf("change %v is not a text edit", ch.Op)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return e.edits, steps, r, nil
}

// holder returns the collection that holds node i of the chain.
func (r *resolved) holder(i int) *yaml.Node {
	if i < 1 {
		return nil
	}
	return r.nodes[i-1]
}

// inFlow reports whether node i of the chain sits inside a flow collection.
func (r *resolved) inFlow(i int) bool {
	for j := i - 1; j >= 0; j-- {
		if r.nodes[j].Style&yaml.FlowStyle != 0 {
			return true
		}
	}
	return false
}

// setExisting handles Set and Append when the whole path exists.
func (e *editor) setExisting(r *resolved, v any, isSeq bool) error {
	i := len(r.nodes) - 1
	n := r.nodes[i]
	holder := r.holder(i)
	if isSeq {
		switch {
		case n.Kind == yaml.SequenceNode:
			for _, item := range n.Content {
				if ScalarEquals(item, v) {
					return ErrNoop
				}
			}
			return e.appendItem(r, i, v)
		case isNull(n):
			return e.fillNull(r, i, nested{leaf: v, seq: true})
		}
		return fmt.Errorf("cannot append to %s: it is a %s, not a list", pathOf(r), kindName(n))
	}
	switch {
	case n.Kind == yaml.AliasNode || n.Kind == yaml.ScalarNode && !isNull(n):
		if ScalarEquals(fieldpath.Deref(n), v) {
			return ErrNoop
		}
		quote := byte(0)
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			switch {
			case n.Style&yaml.DoubleQuotedStyle != 0:
				quote = '"'
			case n.Style&yaml.SingleQuotedStyle != 0:
				quote = '\''
			}
		}
		if quote == 0 && (n.Tag != "!!str" || n.Style == 0) {
			// A plain value keeps plain; a new string follows the neighbours' quoting.
			quote = neighbourQuote(holder, e.st.quote)
		}
		s, err := scalarText(v, quote, e.st)
		if err != nil {
			return err
		}
		start := e.t.pos(n)
		end, err := e.t.nodeEnd(n, ctx{parentIndent: holder.Column - 1, flow: r.inFlow(i)})
		if err != nil {
			return err
		}
		if n.Anchor != "" {
			s = "&" + n.Anchor + " " + s
		}
		e.replace(start, end, s)
		return nil
	case isNull(n):
		return e.fillNull(r, i, nested{leaf: v})
	}
	return fmt.Errorf("cannot set %s: it is a %s, not a scalar", pathOf(r), kindName(n))
}

// create adds what is missing below the deepest existing node.
func (e *editor) create(r *resolved, nv nested) error {
	i := len(r.nodes) - 1
	n := r.nodes[i]
	switch {
	case n.Kind == yaml.MappingNode:
		return e.insertKey(r, i, nv)
	case isNull(n) && i > 0:
		return e.fillNull(r, i, nv)
	}
	return fmt.Errorf("cannot add %s under %s: it is a %s, not a mapping", nv.keys[0], pathOf(r), kindName(n))
}

func pathOf(r *resolved) string {
	var p fieldpath.Path
	for i, s := range r.steps {
		if s.IsIndex {
			if k := r.nodes[i+1]; k != nil {
				if name := fieldpath.MapGet(k, "name"); name != nil {
					p = append(p, fieldpath.Select("name", name.Value))
					continue
				}
			}
		}
		p = append(p, s)
	}
	if len(p) == 0 {
		return "the object"
	}
	return p.String()
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "YAML alias"
	}
	if isNull(n) {
		return "null"
	}
	return "scalar"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// ScalarEquals compares a node with a change value the way Kubernetes would read it.
func ScalarEquals(n *yaml.Node, v any) bool {
	if n == nil || n.Kind != yaml.ScalarNode {
		return false
	}
	switch v := v.(type) {
	case bool:
		b, ok := fieldpath.Bool(n)
		return ok && b == v
	case int:
		i, ok := fieldpath.Int(n)
		return ok && n.Tag == "!!int" && i == int64(v)
	case int32:
		i, ok := fieldpath.Int(n)
		return ok && n.Tag == "!!int" && i == int64(v)
	case int64:
		i, ok := fieldpath.Int(n)
		return ok && n.Tag == "!!int" && i == v
	case string:
		return n.Tag == "!!str" && n.Value == v
	}
	return false
}

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
	ctxIn := ctx{parentIndent: holder.Column - 1, flow: flow}
	type entry struct{ start, end int }
	var entries []entry
	idx := -1
	switch holder.Kind {
	case yaml.MappingNode:
		for j := 0; j+1 < len(holder.Content); j += 2 {
			k, v := holder.Content[j], holder.Content[j+1]
			end, err := e.t.nodeEnd(v, ctxIn)
			if err != nil {
				return err
			}
			if isEmptyNull(v) {
				if end, err = e.t.colonEnd(k, flow); err != nil {
					return err
				}
			}
			entries = append(entries, entry{e.t.pos(k), end})
			if v == n && k == r.keys[i-1] {
				idx = len(entries) - 1
			}
		}
	case yaml.SequenceNode:
		for j, item := range holder.Content {
			end, err := e.t.nodeEnd(item, ctxIn)
			if err != nil {
				return err
			}
			start := e.t.pos(item)
			if !flow {
				if start, err = e.dashBefore(item); err != nil {
					return err
				}
			}
			entries = append(entries, entry{start, end})
			if item == n {
				idx = j
			}
		}
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
