package policy

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// TestScanHandsOverOnlyWhatThePreviewJudges: without the engine (this package's tests do
// not link it), a unit is handed to kubectl-secure-full only when it holds a policy, a
// binding and an object the policy's resourceRules could select.
func TestScanHandsOverOnlyWhatThePreviewJudges(t *testing.T) {
	const vap = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\nspec:\n  matchConstraints:\n    resourceRules:\n    - {apiGroups: [%s], apiVersions: [v1], operations: [CREATE], resources: [%s]}\n  validations: [{expression: 'true'}]\n---\n"
	const binding = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: p, validationActions: [Deny]}\n---\n"
	const deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\n"
	const crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\nspec: {group: example.com}\n"
	cases := []struct {
		name, input string
		handOver    bool
	}{
		{"policy on deployments, binding, deployment", fmt.Sprintf(vap, "apps", "deployments") + binding + deploy, true},
		{"wildcards", fmt.Sprintf(vap, `"*"`, `"*"`) + binding + deploy, true},
		{"no binding", fmt.Sprintf(vap, "apps", "deployments") + deploy, false},
		{"policy on CRDs beside CRDs and a deployment", fmt.Sprintf(vap, "apiextensions.k8s.io", "customresourcedefinitions") + binding + deploy + crd, false},
		{"policy on statefulsets", fmt.Sprintf(vap, "apps", "statefulsets") + binding + deploy, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := manifest.Parse("in.yaml", []byte(tc.input), manifest.DefaultLimits)
			if len(res.All()) > 0 {
				t.Fatal(res.All())
			}
			s := NewScan()
			set := &check.Settings{}
			s.Observe(res.Objects, set)
			err := s.Need(res.Objects, set)
			var missing *addon.MissingError
			if got := errors.As(err, &missing); got != tc.handOver {
				t.Errorf("hand over: %v (%v), want %v", got, err, tc.handOver)
			}
		})
	}
}
