package fix

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// applyDecoded applies a change to a decoded object: the value its text edit must decode
// to. steps are the concrete keys and indices the edit went through. v is the caller's: it
// is edited in place, so a batch of n changes costs n path lengths, not n copies of the
// object.
func applyDecoded(v any, steps fieldpath.Path, op finding.ChangeOp, val any) (any, error) {
	if len(steps) == 0 {
		return leafValue(v, op, val)
	}
	s := steps[0]
	if s.IsIndex {
		list, ok := v.([]any)
		if !ok || s.Index < 0 || s.Index >= len(list) {
			return nil, fmt.Errorf("index %d out of range", s.Index)
		}
		if len(steps) == 1 && op == finding.Remove {
			return append(list[:s.Index], list[s.Index+1:]...), nil
		}
		nv, err := applyDecoded(list[s.Index], steps[1:], op, val)
		if err != nil {
			return nil, err
		}
		list[s.Index] = nv
		return list, nil
	}
	m, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("%q: not a mapping with string keys", s.Key)
	}
	if m == nil {
		m = map[string]any{}
	}
	if len(steps) == 1 && op == finding.Remove {
		delete(m, s.Key)
		return m, nil
	}
	nv, err := applyDecoded(m[s.Key], steps[1:], op, val)
	if err != nil {
		return nil, err
	}
	m[s.Key] = nv
	return m, nil
}

// leafValue is a Set or Append at the end of the path: the new value of v.
func leafValue(v any, op finding.ChangeOp, val any) (any, error) {
	switch op {
	case finding.Set:
		return normalize(val), nil
	case finding.Append:
		list, _ := v.([]any)
		for _, x := range list {
			if x == normalize(val) {
				return v, nil
			}
		}
		return append(append([]any{}, list...), normalize(val)), nil
	}
	return nil, fmt.Errorf("cannot apply %v to a whole value", op)
}

func normalize(v any) any {
	switch v := v.(type) {
	case int32:
		return int(v)
	case int64:
		return int(v)
	}
	return v
}
