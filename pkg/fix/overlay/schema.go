package overlay

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// schemaNode is a place in an object's OpenAPI schema, as kustomize's strategic merge
// reads it: it decides which lists merge by key and which a patch replaces. nil (a custom
// resource, a field the schema does not know) means every list is replaced, as kustomize
// then does.
type schemaNode struct{ rs *openapi.ResourceSchema }

func (sf schemaFor) root() schemaNode {
	return schemaNode{openapi.SchemaForResourceType(kyaml.TypeMeta{APIVersion: sf.apiVersion, Kind: sf.kind})}
}

func (s schemaNode) field(k string) schemaNode {
	if s.rs == nil {
		return s
	}
	return schemaNode{s.rs.Field(k)}
}

func (s schemaNode) elements() schemaNode {
	if s.rs == nil {
		return s
	}
	return schemaNode{s.rs.Elements()}
}

// listKeys returns the merge keys of the list here and whether a patch merges into it
// (rather than replacing it); a merged list without keys is a set of scalars.
func (s schemaNode) listKeys() ([]string, bool) {
	if s.rs == nil {
		return nil, false
	}
	strategy, keys := s.rs.PatchStrategyAndKeyList()
	for _, st := range strings.Split(strategy, ",") {
		if st == "merge" {
			return keys, true
		}
	}
	return nil, false
}
