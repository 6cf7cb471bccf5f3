package policy

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// Value returns the JSON value of a normalised object tree (manifest.Parse has given each
// scalar the canonical tag of its JSON form): maps, slices, strings, bool, int64,
// float64 and nil, what the API server decodes into an unstructured object and CEL reads.
func Value(n *yaml.Node) any {
	return value(n, 0)
}

// maxDepth bounds the recursion on trees the loader's depth limit has already bounded;
// it only guards against a cycle through aliases.
const maxDepth = 10000

func value(n *yaml.Node, depth int) any {
	if n == nil || depth > maxDepth {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return value(n.Content[0], depth+1)
	case yaml.AliasNode:
		return value(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = value(c, depth+1)
		}
		return out
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" || k.Value == "<<" && k.Tag != "!!str" {
				merge(out, v, depth)
				continue
			}
			out[k.Value] = value(v, depth+1)
		}
		return out
	}
	return scalar(n)
}

// merge applies a merge key: the merged mappings' keys that the mapping does not set.
func merge(out map[string]any, v *yaml.Node, depth int) {
	for v != nil && v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	if v == nil {
		return
	}
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, s := range srcs {
		if m, ok := value(s, depth+1).(map[string]any); ok {
			for k, x := range m {
				if _, set := out[k]; !set {
					out[k] = x
				}
			}
		}
	}
}

func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true"
	case "!!int":
		if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return f
		}
	}
	return n.Value
}
