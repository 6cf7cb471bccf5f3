package cel_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"
)

// custom lints input with the policies of policyYAML run as custom checks, and returns
// the findings as "line check severity: message" and the input errors.
func custom(t *testing.T, policyYAML, input string) ([]string, []finding.InputError) {
	t.Helper()
	dir := t.TempDir()
	pfile := filepath.Join(dir, "policy.yaml")
	in := filepath.Join(dir, "input.yaml")
	if err := os.WriteFile(pfile, []byte(policyYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := policy.Load([]string{pfile})
	if err != nil {
		t.Fatal(err)
	}
	run, err := policy.NewRun(ps, "test")
	if err != nil {
		t.Fatal(err)
	}
	return lint(t, in, run.Checks(), run.Errors, nil)
}

func lint(t *testing.T, in string, checks []*check.Check, errs func() []finding.InputError, settings *check.Settings) ([]string, []finding.InputError) {
	t.Helper()
	res, err := pipeline.Lint(context.Background(), pipeline.Options{Paths: []string{in}, Checks: checks, PolicyErrors: errs, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%d %s %s: %s", f.Line, f.Check, f.Severity, f.Message))
	}
	return got, res.Errors
}

const deployments = `apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels: {env: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  labels: {app: web}
spec:
  replicas: 10
  template:
    spec:
      containers:
      - {name: web, image: nginx:latest}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
  namespace: dev
  labels: {app: batch, tier: background}
spec:
  replicas: 7
  template:
    spec:
      containers:
      - {name: batch, image: busybox}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: prod}
data: {replicas: "100"}
`

// vap is a policy on Deployments with the spec lines given (indented by two spaces).
func vap(spec string) string {
	return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
  annotations: {kubectl-secure.io/severity: high, kubectl-secure.io/description: "At most five replicas"}
spec:
` + spec
}

const deployRules = `  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
`

func TestCustomPolicyFields(t *testing.T) {
	cases := []struct {
		name, spec string
		want       []string
	}{
		{"validation at the field it reads", deployRules + `  validations:
  - expression: object.spec.replicas <= 5
`, []string{
			"14 policy:replicas high: failed expression: object.spec.replicas <= 5",
			"27 policy:replicas high: failed expression: object.spec.replicas <= 5"}},
		{"message", deployRules + `  validations:
  - {expression: object.spec.replicas <= 5, message: too many replicas}
`, []string{"14 policy:replicas high: too many replicas", "27 policy:replicas high: too many replicas"}},
		{"messageExpression", deployRules + `  validations:
  - expression: object.spec.replicas <= 5
    messageExpression: "'replicas ' + string(object.spec.replicas) + ' > 5'"
`, []string{"14 policy:replicas high: replicas 10 > 5", "27 policy:replicas high: replicas 7 > 5"}},
		{"excludeResourceRules", `  matchConstraints:
    resourceRules:
    - {apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"]}
    excludeResourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: ["*"], resources: [configmaps, namespaces]}
  validations:
  - expression: "!has(object.spec) || object.spec.replicas <= 5"
`, []string{"14 policy:replicas high: failed expression: !has(object.spec) || object.spec.replicas <= 5",
			"27 policy:replicas high: failed expression: !has(object.spec) || object.spec.replicas <= 5"}},
		{"namespaceSelector reads the input's Namespace", deployRules + `    namespaceSelector: {matchLabels: {env: prod}}
  validations:
  - expression: object.spec.replicas <= 5
`, []string{"14 policy:replicas high: failed expression: object.spec.replicas <= 5"}},
		{"namespaceSelector on the name label of a namespace not in the input", deployRules + `    namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}
  validations:
  - expression: object.spec.replicas <= 5
`, []string{"27 policy:replicas high: failed expression: object.spec.replicas <= 5"}},
		{"objectSelector", deployRules + `    objectSelector: {matchExpressions: [{key: tier, operator: DoesNotExist}]}
  validations:
  - expression: object.spec.replicas <= 5
`, []string{"14 policy:replicas high: failed expression: object.spec.replicas <= 5"}},
		{"matchConditions", deployRules + `  matchConditions:
  - {name: not-background, expression: "!('tier' in object.metadata.labels)"}
  validations:
  - expression: object.spec.replicas <= 5
`, []string{"14 policy:replicas high: failed expression: object.spec.replicas <= 5"}},
		{"variables and namespaceObject", deployRules + `  variables:
  - {name: limit, expression: "namespaceObject.metadata.name == 'prod' ? 8 : 5"}
  validations:
  - {expression: object.spec.replicas <= variables.limit, messageExpression: "'over ' + string(variables.limit)"}
`, []string{"14 policy:replicas high: over 8", "27 policy:replicas high: over 5"}},
		{"request is a CREATE and oldObject null", deployRules + `  validations:
  - expression: request.operation == 'CREATE' && oldObject == null && object.spec.replicas < 8
`, []string{"14 policy:replicas high: failed expression: request.operation == 'CREATE' && oldObject == null && object.spec.replicas < 8"}},
		{"two fields read: the object", deployRules + `  validations:
  - expression: object.spec.replicas <= 5 || object.metadata.name == 'batch'
`, []string{"7 policy:replicas high: failed expression: object.spec.replicas <= 5 || object.metadata.name == 'batch'"}},
		{"a macro's variable belongs to the list", deployRules + `  validations:
  - expression: object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))
`, []string{"18 policy:replicas high: failed expression: object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, errs := custom(t, vap(tc.spec), deployments)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestCompileError: an expression that does not compile is an error at its line.
func TestCompileError(t *testing.T) {
	dir := t.TempDir()
	pfile := filepath.Join(dir, "p.yaml")
	spec := deployRules + `  validations:
  - expression: object.spec.replicas <= 5
  - expression: object.spec.replicas <=
`
	if err := os.WriteFile(pfile, []byte(vap(spec)), 0o644); err != nil {
		t.Fatal(err)
	}
	ps, err := policy.Load([]string{pfile})
	if err != nil {
		t.Fatal(err)
	}
	_, err = policy.NewRun(ps, "test")
	ie, ok := err.(*finding.InputError)
	if !ok || ie.File != pfile || ie.Line != 12 || !strings.Contains(ie.Message, `policy "replicas": spec.validations[1].expression: compilation failed`) {
		t.Fatalf("got %#v", err)
	}
}

// TestCostLimit: a quadratic expression over 20,000 containers is stopped by the API
// server's cost limit, in seconds, and reported as an input error naming the policy.
func TestCostLimit(t *testing.T) {
	if raceDetector {
		// One goroutine spending the whole cost budget: nothing for the detector to see,
		// and under it the evaluation takes two minutes instead of five seconds. The run
		// without -race covers it.
		t.Skip("single-goroutine evaluation to the cost limit: covered by the run without -race")
	}
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\nspec:\n  containers:\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "  - {name: c%d, image: nginx}\n", i)
	}
	spec := `  matchConstraints:
    resourceRules:
    - {apiGroups: [""], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: object.spec.containers.all(a, object.spec.containers.all(b, a.name != b.name || a == b))
`
	got, errs := custom(t, vap(spec), b.String())
	if len(got) != 0 || len(errs) != 1 || errs[0].Line != 11 || !strings.Contains(errs[0].Message, `policy "replicas" on Pod huge`) ||
		!strings.Contains(errs[0].Message, "actual cost limit exceeded") {
		t.Fatalf("findings %v, errors %v", got, errs)
	}
}
