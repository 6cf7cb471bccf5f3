package dist

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

const distPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: team-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
  validations:
  - {expression: "'team' in object.metadata.labels", message: no team label}
`

const distDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27"}
`

// TestPolicyAddonDelegation builds kubectl-secure and kubectl-secure-full side by side, as
// the release archive ships them: the lean binary hands a run with --policy, or with a
// ValidatingAdmissionPolicyBinding in its input, to the full one and prints its findings;
// a run that needs no add-on never starts it.
func TestPolicyAddonDelegation(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in full binary is a shell script")
	}
	root := testenv.RepoRoot(t)
	bin := t.TempDir()
	mustRun(t, 5*time.Minute, root, nil, "go", "build", "-o", filepath.Join(bin, "kubectl-secure"), "./cmd/kubectl-secure")
	mustRun(t, 5*time.Minute, root, nil, "go", "build", "-o", filepath.Join(bin, "kubectl-secure-full"), "./cmd/kubectl-secure-full")
	binding := "---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: team-label}\nspec: {policyName: team-label, validationActions: [Deny]}\n"
	tree := testtree.Write(t, map[string]string{"policy.yaml": distPolicy, "app/deploy.yaml": distDeploy,
		"cluster/policy.yaml": distPolicy + binding, "cluster/deploy.yaml": distDeploy})
	lean := filepath.Join(bin, "kubectl-secure")

	out, code := command(t, time.Minute, tree, nil, lean, "lint", "app", "--policy", "policy.yaml", "--enable", "policy")
	if code != 1 || !strings.Contains(out, "policy:team-label  no team label") {
		t.Errorf("--policy through the lean binary: exit %d\n%s", code, out)
	}
	out, code = command(t, time.Minute, tree, nil, lean, "lint", "cluster", "--enable", "admission")
	if code != 1 || !strings.Contains(out, `ValidatingAdmissionPolicy "team-label" (binding "team-label") would reject this object: no team label`) {
		t.Errorf("admission preview through the lean binary: exit %d\n%s", code, out)
	}

	// A stand-in full binary that leaves a mark: a one-file run must not start it.
	stand := t.TempDir()
	if err := copyFile(lean, filepath.Join(stand, "kubectl-secure"), 0o755); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(stand, "started")
	script := "#!/bin/sh\ntouch " + mark + "\nexit 7\n"
	if err := os.WriteFile(filepath.Join(stand, "kubectl-secure-full"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, code := command(t, time.Minute, tree, nil, filepath.Join(stand, "kubectl-secure"), "lint", "app/deploy.yaml"); code != 1 {
		t.Errorf("one-file run: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("a one-file run without policies started kubectl-secure-full")
	}
	if _, code := command(t, time.Minute, tree, nil, filepath.Join(stand, "kubectl-secure"), "lint", "app", "--policy", "policy.yaml"); code != 7 {
		t.Errorf("--policy did not hand over to kubectl-secure-full: exit %d", code)
	}
}
