package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

const teamPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: team-label
  annotations:
    kubectl-secure.io/severity: high
    kubectl-secure.io/description: Workloads carry a team label
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  validations:
  - expression: "'team' in object.metadata.labels"
    message: no team label
`

const unlabelled = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27"}
`

// runIn runs the command line in the current directory and returns stdout, stderr and
// the exit status.
func runIn(args ...string) (string, string, int) {
	var out, errOut bytes.Buffer
	code := Execute(args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return out.String(), errOut.String(), code
}

type policyFinding struct {
	Check, Category, Severity, Message, File, Path string
	Line                                           int
}

func policyFindings(t *testing.T, stdout string) []policyFinding {
	t.Helper()
	var rep struct{ Findings []policyFinding }
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	var out []policyFinding
	for _, f := range rep.Findings {
		if f.Category == "policy" || f.Category == "admission" {
			out = append(out, f)
		}
	}
	return out
}

func TestPolicyFlag(t *testing.T) {
	testtree.Enter(t, map[string]string{"policies/team.yaml": teamPolicy, "app/deploy.yaml": unlabelled})
	stdout, stderr, code := runIn("lint", "app", "--policy", "policies", "-o", "json")
	got := policyFindings(t, stdout)
	want := policyFinding{Check: "policy:team-label", Category: "policy", Severity: "high", Message: "no team label",
		File: "app/deploy.yaml", Line: 6, Path: "metadata.labels"}
	if code != 1 || len(got) != 1 || got[0] != want {
		t.Fatalf("exit %d, findings %+v, want %+v\n%s", code, got, want, stderr)
	}
}

func TestPolicyFromConfigAndListed(t *testing.T) {
	testtree.Enter(t, map[string]string{"policies/team.yaml": teamPolicy, "app/deploy.yaml": unlabelled,
		".kubectl-secure.yaml": "policies: [policies/team.yaml]\n"})
	stdout, _, code := runIn("lint", "app", "-o", "json", "--enable", "policy")
	if got := policyFindings(t, stdout); code != 1 || len(got) != 1 || got[0].Check != "policy:team-label" {
		t.Fatalf("exit %d, %+v", code, got)
	}
	list, _, code := runIn("checks", "--policy", "policies/team.yaml")
	if code != 0 || !strings.Contains(list, "policy:team-label  ") || !strings.Contains(list, "Workloads carry a team label") {
		t.Fatalf("checks --policy: exit %d\n%s", code, list)
	}
	explain, _, code := runIn("checks", "policy:team-label")
	if code != 0 || !strings.Contains(explain, "policy:team-label: Workloads carry a team label") {
		t.Fatalf("checks policy:team-label (from the config): exit %d\n%s", code, explain)
	}
}

func TestPolicySuppressed(t *testing.T) {
	inline := strings.Replace(unlabelled, "  labels:\n", "  labels:\n    # kubectl-secure:ignore policy:team-label owned by the platform\n", 1)
	testtree.Enter(t, map[string]string{"p.yaml": teamPolicy, "inline/deploy.yaml": inline, "config/deploy.yaml": unlabelled,
		"cfg.yaml": "ignore:\n- checks: [policy:team-label]\n  paths: [config/**]\n  reason: legacy\n"})
	for _, dir := range []string{"inline", "config"} {
		stdout, stderr, _ := runIn("lint", dir, "--policy", "p.yaml", "--config", "cfg.yaml", "--enable", "policy", "-o", "json")
		if got := policyFindings(t, stdout); len(got) != 0 {
			t.Errorf("%s: not suppressed: %+v\n%s", dir, got, stderr)
		}
	}
}

func TestPolicyCompileErrorExit2(t *testing.T) {
	bad := strings.Replace(teamPolicy, `"'team' in object.metadata.labels"`, `"'team' in object.metadata.labels &&"`, 1)
	testtree.Enter(t, map[string]string{"p.yaml": bad, "deploy.yaml": unlabelled})
	stdout, stderr, code := runIn("lint", "deploy.yaml", "--policy", "p.yaml")
	if code != 2 || stdout != "" || !strings.Contains(stderr, `p.yaml:13: policy "team-label": spec.validations[0].expression: compilation failed`) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// TestAdmissionPreviewRun: the input's policy and binding apply to its objects; every
// output format carries the finding (category admission).
func TestAdmissionPreviewRun(t *testing.T) {
	policyYAML := strings.Replace(teamPolicy, "kubectl-secure.io/severity: high\n", "", 1)
	bindingYAML := "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: team-label}\nspec:\n  policyName: team-label\n  validationActions: [Deny]\n"
	testtree.Enter(t, map[string]string{"cluster/policy.yaml": policyYAML + bindingYAML, "cluster/deploy.yaml": unlabelled})
	stdout, stderr, code := runIn("lint", "cluster", "-o", "json", "--enable", "admission")
	got := policyFindings(t, stdout)
	if code != 1 || len(got) != 1 || got[0].Check != "admission-policy" || got[0].Severity != "high" ||
		got[0].Message != `ValidatingAdmissionPolicy "team-label" (binding "team-label") would reject this object: no team label` {
		t.Fatalf("exit %d %+v\n%s", code, got, stderr)
	}
	for _, format := range []string{"text", "sarif", "github", "junit"} {
		out, _, _ := runIn("lint", "cluster", "-o", format, "--enable", "admission")
		if !strings.Contains(out, "admission-policy") {
			t.Errorf("-o %s does not show the finding:\n%s", format, out)
		}
	}
	// Without the binding, the policy is not applied.
	testtree.Enter(t, map[string]string{"cluster/policy.yaml": policyYAML, "cluster/deploy.yaml": unlabelled})
	stdout, _, _ = runIn("lint", "cluster", "-o", "json", "--enable", "admission")
	if got := policyFindings(t, stdout); len(got) != 0 {
		t.Errorf("a policy without binding was applied: %+v", got)
	}
}
