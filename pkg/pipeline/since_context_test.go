package pipeline

import (
	"slices"
	"testing"
)

func TestNamespaceEntry(t *testing.T) {
	for src, want := range map[string][]string{
		"metadata:\n  name: a\n  namespace: shop\n":            {"shop"},
		"metadata: {name: a, namespace: shop}\n":               {"shop"},
		`{"metadata": {"name": "a", "namespace": "shop-2"}}`:   {"shop-2"},
		"namespace: 'prod' # the overlay's\n":                  {"prod"},
		"subjects:\n- kind: ServiceAccount\n  namespace: ci\n": {"ci"},
		"namespaceSelector: {}\nnamespaces: [a]\n":             nil,
		"namespace: Not_A_Name\n":                              nil,
	} {
		var got []string
		for _, m := range namespaceEntry.FindAllStringSubmatch(src, -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", src, got, want)
		}
	}
}
