package cel

import (
	"sort"
	"strings"

	celgo "github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// Reads returns the field path of `object` an expression reads, when it reads exactly
// one; a finding about the validation then points at that field (or its nearest parent
// that is written), and otherwise at the object. The rule, on the parsed expression:
//
//   - a read is a chain of field selections rooted at the variable `object`, taken as
//     far as it goes: `object.spec.replicas`, `has(object.metadata.labels.team)`, and
//     index operations with a constant string (`object.metadata.labels["team"]`);
//   - a read that a longer read extends is the same read (`has(object.spec.replicas) &&
//     object.spec.replicas <= 5` reads spec.replicas; `object.metadata.labels` beside
//     `object.metadata.labels.team` reads metadata.labels.team);
//   - what a macro's variable reads belongs to the list it ranges over:
//     `object.spec.containers.all(c, c.image.startsWith("r/"))` reads spec.containers;
//   - `oldObject`, `params`, `namespaceObject`, `request` and `variables` are not
//     `object`: an expression that reads the object only through a variable reads
//     nothing here.
//
// Two distinct reads (`object.spec.replicas <= object.spec.maxReplicas`) or none give nil.
func Reads(ast *celgo.Ast) fieldpath.Path {
	if ast == nil {
		return nil
	}
	var chains [][]string
	walk(ast.NativeRep().Expr(), &chains)
	// Drop the reads another read extends, then the duplicates.
	kept := map[string][]string{}
	for _, c := range chains {
		key := strings.Join(c, "\x00")
		extended := false
		for _, d := range chains {
			if len(d) > len(c) && strings.HasPrefix(strings.Join(d, "\x00"), key+"\x00") {
				extended = true
				break
			}
		}
		if !extended {
			kept[key] = c
		}
	}
	if len(kept) != 1 {
		return nil
	}
	keys := make([]string, 0, 1)
	for k := range kept {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	chain := kept[keys[0]]
	if len(chain) == 0 {
		return nil // the whole object
	}
	return fieldpath.New(chain...)
}

// walk collects the chains rooted at `object` in e.
func walk(e celast.Expr, chains *[][]string) {
	if e == nil {
		return
	}
	if chain, ok := objectChain(e); ok {
		*chains = append(*chains, chain)
		return
	}
	switch e.Kind() {
	case celast.SelectKind:
		walk(e.AsSelect().Operand(), chains)
	case celast.CallKind:
		call := e.AsCall()
		if call.IsMemberFunction() {
			walk(call.Target(), chains)
		}
		for _, a := range call.Args() {
			walk(a, chains)
		}
	case celast.ListKind:
		for _, el := range e.AsList().Elements() {
			walk(el, chains)
		}
	case celast.MapKind:
		for _, en := range e.AsMap().Entries() {
			m := en.AsMapEntry()
			walk(m.Key(), chains)
			walk(m.Value(), chains)
		}
	case celast.StructKind:
		for _, en := range e.AsStruct().Fields() {
			walk(en.AsStructField().Value(), chains)
		}
	case celast.ComprehensionKind:
		c := e.AsComprehension()
		walk(c.IterRange(), chains)
		walk(c.AccuInit(), chains)
		walk(c.LoopCondition(), chains)
		walk(c.LoopStep(), chains)
		walk(c.Result(), chains)
	}
}

// objectChain returns the field names of a selection chain rooted at `object`.
func objectChain(e celast.Expr) ([]string, bool) {
	var rev []string
	for {
		switch e.Kind() {
		case celast.IdentKind:
			if e.AsIdent() != "object" {
				return nil, false
			}
			chain := make([]string, len(rev))
			for i, f := range rev {
				chain[len(rev)-1-i] = f
			}
			return chain, true
		case celast.SelectKind:
			s := e.AsSelect()
			rev = append(rev, s.FieldName())
			e = s.Operand()
		case celast.CallKind:
			call := e.AsCall()
			if call.FunctionName() != "_[_]" || len(call.Args()) != 2 || call.Args()[1].Kind() != celast.LiteralKind {
				return nil, false
			}
			key, ok := call.Args()[1].AsLiteral().(types.String)
			if !ok {
				return nil, false
			}
			rev = append(rev, string(key))
			e = call.Args()[0]
		default:
			return nil, false
		}
	}
}
