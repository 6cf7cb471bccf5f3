package overlay

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// expectation is what the overlay must build after the fixes: the fixed object, every
// other object as it was, and the objects the fixes add.
type expectation struct {
	ref    finding.ObjectRef
	node   *yaml.Node // the fixed object
	others map[string]kustomize.Built
	added  []finding.ObjectRef
	// changes are the fixes' changes so far. An edit of a resource file reaches every
	// object built from it: another variant of the same base may change too, by exactly
	// these changes and nothing else.
	changes []finding.Change
	// shared are the changes made in a shared base, which reach the other overlays too.
	shared []finding.Change
}

func refKey(r finding.ObjectRef) string {
	return r.APIVersion + "|" + r.Kind + "|" + r.Namespace + "|" + r.Name
}

func newExpectation(built []kustomize.Built, ref finding.ObjectRef) (*expectation, error) {
	e := &expectation{ref: ref, others: map[string]kustomize.Built{}}
	for _, b := range built {
		if b.Ref == ref {
			n, err := b.Node()
			if err != nil {
				return nil, err
			}
			e.node = n
			continue
		}
		e.others[refKey(b.Ref)] = b
	}
	if e.node == nil {
		return nil, fmt.Errorf("the overlay no longer builds %s", ref)
	}
	return e, nil
}

func (e *expectation) clone() *expectation {
	c := *e
	c.node = yamledit.CopyNode(e.node)
	c.added = append([]finding.ObjectRef(nil), e.added...)
	c.changes = append([]finding.Change(nil), e.changes...)
	c.shared = append([]finding.Change(nil), e.shared...)
	return &c
}

// check compares a build with the expectation.
func (e *expectation) check(built []kustomize.Built) error {
	seen := map[string]bool{}
	found := false
	for _, b := range built {
		r := b.Ref
		if r == e.ref {
			found = true
			n, err := b.Node()
			if err != nil {
				return err
			}
			var want, got any
			if err := e.node.Decode(&want); err != nil {
				return err
			}
			if err := n.Decode(&got); err != nil {
				return err
			}
			if where, ok := firstDiff(dropUnset(want), dropUnset(got), ""); !ok {
				return fmt.Errorf("the overlay would build %s differently than the fix wants%s", r, where)
			}
			continue
		}
		k := refKey(r)
		seen[k] = true
		old, ok := e.others[k]
		if !ok {
			if !e.isAdded(r) {
				return fmt.Errorf("the edit would add %s", r)
			}
			continue
		}
		if old.Sum == b.Sum {
			continue
		}
		was, err := old.Node()
		if err != nil {
			return err
		}
		now, err := b.Node()
		if err != nil {
			return err
		}
		if !equalNodes(was, now) && !e.sameChange(was, now) {
			var a, b any
			_ = was.Decode(&a)
			_ = now.Decode(&b)
			where, _ := firstDiff(dropUnset(a), dropUnset(b), "")
			return fmt.Errorf("the edit would also change %s%s", r, where)
		}
	}
	if !found {
		return fmt.Errorf("the overlay would no longer build %s", e.ref)
	}
	for k := range e.others {
		if !seen[k] {
			return fmt.Errorf("the edit would remove %s", strings.ReplaceAll(k, "|", " "))
		}
	}
	for _, a := range e.added {
		ok := false
		for _, b := range built {
			ok = ok || addedMatches(a, b.Ref)
		}
		if !ok {
			return fmt.Errorf("the overlay does not build the new %s", a)
		}
	}
	return nil
}

// sameChange reports whether after is before with the fixes' changes applied.
func (e *expectation) sameChange(before, after *yaml.Node) bool {
	want := yamledit.CopyNode(before)
	for _, ch := range e.changes {
		if applyNode(want, ch.Path, ch.Op, ch.Value) != nil {
			return false
		}
	}
	return equalNodes(want, after)
}

func (e *expectation) isAdded(r finding.ObjectRef) bool {
	for _, a := range e.added {
		if addedMatches(a, r) {
			return true
		}
	}
	return false
}

// addedMatches: an added object takes the overlay's namePrefix and nameSuffix, and its
// namespace when it names none.
func addedMatches(a, r finding.ObjectRef) bool {
	return a.Kind == r.Kind && strings.Contains(r.Name, a.Name) && (a.Namespace == "" || a.Namespace == r.Namespace)
}

// firstDiff finds where two decoded values differ, for the message.
func firstDiff(a, b any, at string) (string, bool) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return describeDiff(at, a, b), false
		}
		for _, k := range unionKeys(av, bv) {
			p := k
			if at != "" {
				p = at + "." + k
			}
			if w, ok := firstDiff(av[k], bv[k], p); !ok {
				return w, false
			}
		}
		return "", true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return describeDiff(at, a, b), false
		}
		for i := range av {
			if w, ok := firstDiff(av[i], bv[i], fmt.Sprintf("%s[%d]", at, i)); !ok {
				return w, false
			}
		}
		return "", true
	}
	if fmt.Sprintf("%T %v", a, a) != fmt.Sprintf("%T %v", b, b) {
		return describeDiff(at, a, b), false
	}
	return "", true
}

func describeDiff(at string, want, got any) string {
	show := func(v any) string {
		if v == nil {
			return "nothing"
		}
		s := fmt.Sprintf("%v", v)
		if len(s) > 60 {
			s = s[:57] + "..."
		}
		return s
	}
	if at == "" {
		at = "the object"
	}
	return fmt.Sprintf(": %s would be %s, not %s (is it set elsewhere too?)", at, show(got), show(want))
}

// dropUnset drops what Kubernetes reads as unset: nulls, empty mappings and lists.
func dropUnset(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, c := range x {
			if c = dropUnset(c); c != nil {
				out[k] = c
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]any, len(x))
		for i, c := range x {
			out[i] = dropUnset(c)
		}
		return out
	}
	switch x := v.(type) { // the integer types a Change value may hold
	case int32:
		return int(x)
	case int64:
		return int(x)
	}
	return v
}

func equalNodes(a, b *yaml.Node) bool {
	var av, bv any
	if a.Decode(&av) != nil || b.Decode(&bv) != nil {
		return false
	}
	_, same := firstDiff(dropUnset(av), dropUnset(bv), "")
	return same
}

// valueNode turns a Change value into a node.
func valueNode(v any) (*yaml.Node, error) {
	switch x := v.(type) {
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(x)}, nil
	case int, int32, int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: fmt.Sprint(x)}, nil
	case string:
		return yamledit.StrNode(x), nil
	}
	return nil, fmt.Errorf("unsupported value %v (%T): a change sets a bool, an integer or a string", v, v)
}

// pick returns the index of the list item a selector or index segment names, or -1.
func pick(list *yaml.Node, seg fieldpath.Segment) int {
	list = fieldpath.Deref(list)
	if list == nil || list.Kind != yaml.SequenceNode {
		return -1
	}
	if seg.IsIndex {
		if seg.Index >= 0 && seg.Index < len(list.Content) {
			return seg.Index
		}
		return -1
	}
	for i, item := range list.Content {
		if v := fieldpath.MapGet(item, seg.SelKey); v != nil && v.Kind == yaml.ScalarNode && v.Value == seg.SelValue {
			return i
		}
	}
	return -1
}

// applyNode applies a change to a tree in place: what a fix must make of the object.
func applyNode(n *yaml.Node, p fieldpath.Path, op finding.ChangeOp, v any) error {
	if len(p) == 0 {
		return fmt.Errorf("change has an empty path")
	}
	_, err := applyAt(n, p, op, v)
	return err
}

func applyAt(n *yaml.Node, p fieldpath.Path, op finding.ChangeOp, v any) (*yaml.Node, error) {
	if len(p) == 0 {
		switch op {
		case finding.Set:
			return valueNode(v)
		case finding.Append:
			val, err := valueNode(v)
			if err != nil {
				return nil, err
			}
			if n == nil || yamledit.IsNull(n) {
				return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{val}}, nil
			}
			if n.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("not a list")
			}
			for _, item := range n.Content {
				if yamledit.ScalarEquals(item, v) {
					return n, nil
				}
			}
			n.Content = append(n.Content, val)
			return n, nil
		}
		return nil, fmt.Errorf("cannot apply %s to a whole value", fix.OpName(op))
	}
	seg := p[0]
	if seg.IsKey() {
		if n == nil || yamledit.IsNull(n) {
			if op == finding.Remove {
				return n, nil
			}
			n = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		}
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s is not a mapping", seg.Key)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value != seg.Key {
				continue
			}
			if len(p) == 1 && op == finding.Remove {
				n.Content = append(n.Content[:i], n.Content[i+2:]...)
				return n, nil
			}
			c, err := applyAt(n.Content[i+1], p[1:], op, v)
			if err != nil {
				return nil, err
			}
			n.Content[i+1] = c
			return n, nil
		}
		if op == finding.Remove {
			return n, nil
		}
		c, err := applyAt(nil, p[1:], op, v)
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, yamledit.StrNode(seg.Key), c)
		return n, nil
	}
	i := pick(n, seg)
	if i < 0 {
		if op == finding.Remove {
			return n, nil
		}
		return nil, fmt.Errorf("no element matches %s", p[:1])
	}
	if len(p) == 1 && op == finding.Remove {
		n.Content = append(n.Content[:i], n.Content[i+1:]...)
		return n, nil
	}
	c, err := applyAt(n.Content[i], p[1:], op, v)
	if err != nil {
		return nil, err
	}
	n.Content[i] = c
	return n, nil
}

// unionKeys lists the keys of a and b, sorted, so differences are reported in a stable order.
func unionKeys(a, b map[string]any) []string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	return sorted
}
