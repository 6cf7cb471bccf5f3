// JSON 6902 operations: their paths, with list indices moved between the object as each
// operation saw it, the built object and the source as written.

package kustomize

import (
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

type jsonOp struct {
	op     string
	orig   []string // path as JSON-pointer tokens, as written
	tokens []string // the same, array indices as in the built object
	value  *yaml.Node
	item   *yaml.Node // the operation as written (`- op: remove` ...), where a removal is reported
	dead   bool       // a later operation removed what this one set
}

// translateOps rewrites the array indices of JSON 6902 paths from the object as it was
// when each operation ran to the built object: an operation that inserts into (or removes
// from) a list later shifts the items after it. Operations are replayed in the order
// kustomize applied them; strategic-merge patches are taken not to reorder lists.
func (l *locator) translateOps() {
	var ops []*jsonOp
	for i := len(l.patches) - 1; i >= 0; i-- {
		d := &l.patches[i]
		if !d.ops {
			continue
		}
		for _, item := range fieldpath.Items(d.root) {
			kind, _ := fieldpath.Str(fieldpath.MapGet(item, "op"))
			path, _ := fieldpath.Str(fieldpath.MapGet(item, "path"))
			tokens := splitPointer(path)
			d.jsonOps = append(d.jsonOps, jsonOp{op: kind, orig: tokens, tokens: slices.Clone(tokens),
				value: fieldpath.MapGet(item, "value"), item: fieldpath.Deref(item)})
		}
		for j := range d.jsonOps {
			ops = append(ops, &d.jsonOps[j])
		}
	}
	for i, e := range ops {
		for _, later := range ops[i+1:] {
			if e.dead {
				break
			}
			e.shift(later)
		}
	}
	for _, e := range ops {
		// An append lands wherever the list ended then: find the item by its value.
		if n := len(e.tokens); e.op == "add" && n > 0 && e.tokens[n-1] == "-" {
			e.tokens[n-1] = strconv.Itoa(appendedIndex(l.built, e.tokens[:n-1], e.value))
		}
	}
}

// sourcePath undoes, on the list indices of p, the insertions and removals of the JSON
// 6902 operations, the last applied first.
func (l *locator) sourcePath(p fieldpath.Path) fieldpath.Path {
	hasIndex := false
	for _, seg := range p {
		hasIndex = hasIndex || seg.IsIndex
	}
	if !hasIndex {
		return p
	}
	pointer := pointerTokens(l.built, p, l.sx)
	for _, d := range l.patches {
		for i := len(d.jsonOps) - 1; i >= 0; i-- {
			op := d.jsonOps[i]
			n := len(op.orig)
			if n == 0 || n > len(pointer) || !hasTokenPrefix(op.orig[:n-1], pointer) {
				continue
			}
			k, err1 := strconv.Atoi(op.orig[n-1])
			t, err2 := strconv.Atoi(pointer[n-1])
			if err1 != nil || err2 != nil {
				continue
			}
			switch {
			case op.op == "add" && t > k:
				pointer[n-1] = strconv.Itoa(t - 1)
			case op.op == "remove" && t >= k:
				pointer[n-1] = strconv.Itoa(t + 1)
			}
		}
	}
	out := slices.Clone(p)
	for i, seg := range out {
		if seg.IsIndex && i < len(pointer) {
			if t, err := strconv.Atoi(pointer[i]); err == nil {
				out[i] = fieldpath.Index(t)
			}
		}
	}
	return out
}

// shift moves the indices of e past a later operation that inserted into or removed from
// a list on e's path.
func (e *jsonOp) shift(later *jsonOp) {
	n := len(later.tokens)
	if n == 0 || n > len(e.tokens) || (later.op != "add" && later.op != "remove") {
		return
	}
	k, err := strconv.Atoi(later.tokens[n-1])
	if err != nil {
		return
	}
	for i := 0; i < n-1; i++ {
		if later.tokens[i] != e.tokens[i] {
			return
		}
	}
	t, err := strconv.Atoi(e.tokens[n-1])
	if err != nil {
		return
	}
	switch {
	case later.op == "add" && t >= k:
		e.tokens[n-1] = strconv.Itoa(t + 1)
	case later.op == "remove" && t == k:
		e.dead = true
	case later.op == "remove" && t > k:
		e.tokens[n-1] = strconv.Itoa(t - 1)
	}
}

// appendedIndex finds the item of the built list at tokens that an appended value became:
// the last one holding all of value, else the last item.
func appendedIndex(built *yaml.Node, tokens []string, value *yaml.Node) int {
	list := built
	for _, t := range tokens {
		if list = stepPointer(list, t); list == nil {
			return -1
		}
	}
	items := fieldpath.Items(list)
	for i := len(items) - 1; i >= 0; i-- {
		if subsumes(items[i], value) {
			return i
		}
	}
	return len(items) - 1
}

// existsAt reports whether the JSON pointer tokens name a node of n.
func existsAt(n *yaml.Node, tokens []string) bool {
	n = fieldpath.Deref(n)
	for _, t := range tokens {
		if n = stepPointer(n, t); n == nil {
			return false
		}
	}
	return true
}

func stepPointer(n *yaml.Node, token string) *yaml.Node {
	n = fieldpath.Deref(n)
	if n != nil && n.Kind == yaml.SequenceNode {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil
		}
		return fieldpath.Deref(n.Content[i])
	}
	return fieldpath.MapGet(n, token)
}

// subsumes reports whether built holds everything patch sets.
func subsumes(built, patch *yaml.Node) bool {
	built, patch = fieldpath.Deref(built), fieldpath.Deref(patch)
	if built == nil || patch == nil {
		return built == patch
	}
	switch patch.Kind {
	case yaml.MappingNode:
		ok := built.Kind == yaml.MappingNode
		fieldpath.Pairs(patch, func(k string, _, v *yaml.Node) {
			ok = ok && subsumes(fieldpath.MapGet(built, k), v)
		})
		return ok
	case yaml.SequenceNode:
		if built.Kind != yaml.SequenceNode || len(built.Content) != len(patch.Content) {
			return false
		}
		for i := range patch.Content {
			if !subsumes(built.Content[i], patch.Content[i]) {
				return false
			}
		}
		return true
	}
	return built.Kind == yaml.ScalarNode && built.Value == patch.Value
}

// pointerTokens turns p into JSON-pointer tokens for the built object, replacing selectors
// by the index of the item they select. It stops where the built object does.
func pointerTokens(root *yaml.Node, p fieldpath.Path, sx *fieldpath.StepIndex) []string {
	var out []string
	cur := root
	for _, s := range p {
		switch {
		case s.IsKey():
			out = append(out, s.Key)
		case s.IsIndex:
			out = append(out, strconv.Itoa(s.Index))
		default:
			idx := sx.SelectIndex(cur, s.SelKey, s.SelValue)
			if s.SelValue == "" {
				// An empty value also matches an item without the key, as it always has.
				idx = -1
				for i, item := range fieldpath.Items(cur) {
					if v, _ := fieldpath.Str(fieldpath.MapGet(item, s.SelKey)); v == "" {
						idx = i
						break
					}
				}
			}
			if idx < 0 {
				return out
			}
			out = append(out, strconv.Itoa(idx))
		}
		if cur = sx.Step(cur, s); cur == nil {
			return out
		}
	}
	return out
}

func splitPointer(p string) []string {
	if p == "" || p[0] != '/' {
		return nil
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

// hasTokenPrefix reports whether pointer starts with tokens; pointer is at least as long.
func hasTokenPrefix(tokens, pointer []string) bool {
	for i, t := range tokens {
		if t != pointer[i] {
			return false
		}
	}
	return true
}
