package cli

import (
	"strings"
	"testing"
)

const accessDeploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec:
      serviceAccountName: api
      containers:
      - name: api
        image: registry.example.com/api:1.2.0
`

const accessRBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: prod}
rules:
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api-secrets, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects:
- kind: ServiceAccount
  name: api
`

// The privilege path crosses files: the workload in one folder, its RBAC in another, and
// the finding names both at the workload's serviceAccountName line.
func TestWorkloadPrivilegesAcrossFiles(t *testing.T) {
	got, out := lintTree(t, map[string]string{"apps/api.yaml": accessDeploy, "rbac/api.yaml": accessRBAC},
		"--enable", "workload-rbac-privileges")
	if strings.Join(got, ",") != "apps/api.yaml:7 workload-rbac-privileges" {
		t.Fatalf("findings %q\n%s", got, out)
	}
	if !strings.Contains(out, `can read Secrets in namespace \"prod\" through RoleBinding \"api-secrets\" → Role \"secret-reader\"`) {
		t.Errorf("message does not name the path:\n%s", out)
	}
}

// An overlay that binds a role to the base's account: the finding is at the base's
// serviceAccountName, the line the user edits to give the workload another account.
func TestWorkloadPrivilegesInOverlay(t *testing.T) {
	base := strings.Replace(accessDeploy, ", namespace: prod", "", 1)
	rbac := strings.ReplaceAll(accessRBAC, ", namespace: prod", "")
	got, out := lintTree(t, map[string]string{
		"base/kustomization.yaml":    "resources: [deploy.yaml]\n",
		"base/deploy.yaml":           base,
		"overlay/kustomization.yaml": "namespace: prod\nresources: [../base, rbac.yaml]\n",
		"overlay/rbac.yaml":          rbac,
	}, "--enable", "workload-rbac-privileges,default-service-account-bound,workload-service-account-missing")
	if strings.Join(got, ",") != "base/deploy.yaml:7 workload-rbac-privileges" {
		t.Fatalf("findings %q\n%s", got, out)
	}
}
