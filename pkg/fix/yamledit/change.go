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
