package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// lintTree lints a temporary tree as a repository from inside it, as a user runs
// `kubectl secure lint .`, and returns "file:line check" of every finding.
func lintTree(t *testing.T, files map[string]string, args ...string) ([]string, string) {
	t.Helper()
	testtree.Enter(t, files)
	out, code := run(t, "", append([]string{"lint", ".", "-o", "json"}, args...)...)
	if code == 2 {
		t.Fatalf("exit 2\n%s", out)
	}
	return findingLines(t, out), out
}

func hasFinding(got []string, want string) bool { return slices.Contains(got, want) }

// A legacy OpenShift DeploymentConfig (`apiVersion: v1`) is a workload: every pod-spec
// check runs on its template.
func TestDeploymentConfigIsLinted(t *testing.T) {
	for _, apiVersion := range []string{"v1", "apps.openshift.io/v1"} {
		t.Run(apiVersion, func(t *testing.T) {
			got, out := lintTree(t, map[string]string{"dc.yaml": "apiVersion: " + apiVersion + `
kind: DeploymentConfig
metadata: {name: web, namespace: app}
spec:
  replicas: 1
  selector: {app: web}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext:
          privileged: true
`}, "--enable", "privileged-container")
			if !hasFinding(got, "dc.yaml:14 privileged-container") {
				t.Errorf("findings %q, want dc.yaml:14 privileged-container\n%s", got, out)
			}
		})
	}
}

var _ = strings.Contains
