package lifecyclegen

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersions are the group versions the generator reads, for the test that holds the
// list of groups to the module's directories.
func GroupVersions() ([]schema.GroupVersion, error) {
	scheme := runtime.NewScheme()
	for _, add := range groups {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("registering k8s.io/api types: %w", err)
		}
	}
	return scheme.PrioritizedVersionsAllGroups(), nil
}
