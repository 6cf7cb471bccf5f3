package cel_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
)

// preview lints input with the admission preview alone.
func preview(t *testing.T, input string, audit bool) []string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.yaml")
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	got, errs := lint(t, in, []*check.Check{policy.AdmissionCheck}, nil, &check.Settings{AdmissionAudit: audit})
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	return got
}

const admissionPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "params == null || object.spec.replicas <= int(params.data.max)"
    messageExpression: "'replicas must be at most ' + params.data.max"
---
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: prod, labels: {limits: "yes"}}
data: {max: "3"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: dev}
data: {max: "8"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec: {replicas: 5}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec: {replicas: 10}
---
`

func binding(spec string) string {
	return "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec:\n  policyName: max-replicas\n" + spec
}

func TestAdmissionPreview(t *testing.T) {
	cases := []struct {
		name, binding string
		audit         bool
		want          []string
	}{
		{"no binding: not applied", "", false, nil},
		{"paramRef by name in the object's namespace, Deny", binding(`  paramRef: {name: limits, parameterNotFoundAction: Deny}
  validationActions: [Deny]
`), false, []string{
			`27 admission-policy high: ValidatingAdmissionPolicy "max-replicas" (binding "b") would reject this object: replicas must be at most 3`,
			`32 admission-policy high: ValidatingAdmissionPolicy "max-replicas" (binding "b") would reject this object: replicas must be at most 8`}},
		{"paramRef namespace and Warn", binding(`  paramRef: {name: limits, namespace: prod, parameterNotFoundAction: Deny}
  validationActions: [Warn]
`), false, []string{
			`27 admission-policy low: ValidatingAdmissionPolicy "max-replicas" (binding "b") would warn about this object: replicas must be at most 3`,
			`32 admission-policy low: ValidatingAdmissionPolicy "max-replicas" (binding "b") would warn about this object: replicas must be at most 3`}},
		{"paramRef selector", binding(`  paramRef: {selector: {matchLabels: {limits: "yes"}}, parameterNotFoundAction: Allow}
  validationActions: [Deny]
`), false, []string{
			`27 admission-policy high: ValidatingAdmissionPolicy "max-replicas" (binding "b") would reject this object: replicas must be at most 3`}},
		{"parameterNotFoundAction Deny", binding(`  paramRef: {name: other, parameterNotFoundAction: Deny}
  validationActions: [Deny]
`), false, []string{
			"27 admission-policy high: ValidatingAdmissionPolicy \"max-replicas\" (binding \"b\") would reject this object: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
			"32 admission-policy high: ValidatingAdmissionPolicy \"max-replicas\" (binding \"b\") would reject this object: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"}},
		{"matchResources namespaceSelector", binding(`  paramRef: {name: limits, parameterNotFoundAction: Deny}
  matchResources: {namespaceSelector: {matchLabels: {env: prod}}}
  validationActions: [Deny]
`), false, []string{
			`27 admission-policy high: ValidatingAdmissionPolicy "max-replicas" (binding "b") would reject this object: replicas must be at most 3`}},
		{"Audit without the flag", binding(`  paramRef: {name: limits, parameterNotFoundAction: Deny}
  validationActions: [Audit]
`), false, nil},
		{"Audit with the flag", binding(`  paramRef: {name: limits, namespace: dev, parameterNotFoundAction: Deny}
  validationActions: [Audit]
`), true, []string{
			`32 admission-policy low: ValidatingAdmissionPolicy "max-replicas" (binding "b") would audit this object: replicas must be at most 8`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := preview(t, admissionPolicy+tc.binding, tc.audit)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
