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

// rbac-anonymous-binding rates the bound role found in another file of the input; the
// config file's severity for the check still overrides every finding of it.
func TestAnonymousBindingSeverityAcrossFiles(t *testing.T) {
	files := map[string]string{
		"role.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: cfg-reader, namespace: app}
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [public-config]
  verbs: [get]
`,
		"binding.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everyone-reads, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: cfg-reader}
subjects:
- kind: Group
  name: system:authenticated
  apiGroup: rbac.authorization.k8s.io
`,
	}
	sev := func(out string) string {
		i := strings.Index(out, `"severity": "`)
		if i < 0 {
			t.Fatalf("no finding\n%s", out)
		}
		rest := out[i+len(`"severity": "`):]
		return rest[:strings.IndexByte(rest, '"')]
	}
	got, out := lintTree(t, files, "--enable", "rbac-anonymous-binding")
	if !slices.Equal(got, []string{"binding.yaml:6 rbac-anonymous-binding"}) || sev(out) != "low" {
		t.Errorf("want one low finding at binding.yaml:6, got %q\n%s", got, out)
	}
	files[".kubectl-secure.yaml"] = "severity:\n  rbac-anonymous-binding: critical\n"
	_, out = lintTree(t, files, "--enable", "rbac-anonymous-binding")
	if sev(out) != "critical" {
		t.Errorf("the config's severity must win\n%s", out)
	}
}

// An overlay's JSON 6902 `op: remove` that deletes allowPrivilegeEscalation: false is where
// privilege-escalation-allowed is reported: it is the line to change.
func TestJSONPatchRemovalIsReportedAtTheOperation(t *testing.T) {
	got, out := lintTree(t, map[string]string{
		"base/kustomization.yaml": "resources: [deployment.yaml]\n",
		"base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: app:1.0
        securityContext:
          allowPrivilegeEscalation: false
`,
		"overlay/kustomization.yaml": "resources: [../base]\npatches:\n- path: debug.yaml\n  target: {kind: Deployment, name: web}\n",
		"overlay/debug.yaml":         "- op: remove\n  path: /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation\n",
	}, "--enable", "privilege-escalation-allowed")
	if !slices.Equal(got, []string{"overlay/debug.yaml:1 privilege-escalation-allowed"}) {
		t.Errorf("findings %q, want one at overlay/debug.yaml:1\n%s", got, out)
	}
}

// Kubebuilder's layout keeps patches a kustomization lists commented out; in repository
// mode such a file is a patch fragment, not a Deployment: not linted, named in one note.
// A whole object no kustomization uses, and a fragment outside any Kustomize tree, are
// linted as before.
func TestUnusedPatchFragmentsAreNotLinted(t *testing.T) {
	manager := `apiVersion: apps/v1
kind: Deployment
metadata: {name: controller-manager, namespace: system}
spec:
  selector: {matchLabels: {control-plane: controller-manager}}
  template:
    metadata: {labels: {control-plane: controller-manager}}
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
      - name: manager
        image: controller:1.0
        securityContext: {privileged: true}
`
	proxyPatch := `# This patch injects a sidecar container which is an HTTP proxy for the manager.
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller-manager, namespace: system}
spec:
  template:
    spec:
      containers:
      - name: kube-rbac-proxy
        image: gcr.io/kubebuilder/kube-rbac-proxy:v0.4.0
        securityContext: {privileged: true}
      - name: manager
        args: ["--metrics-addr=127.0.0.1:8080"]
`
	stray := strings.Replace(manager, "controller-manager}", "stray}", 1)
	testtree.Enter(t, map[string]string{
		"config/default/kustomization.yaml":            "resources: [../manager]\npatchesStrategicMerge:\n# - manager_auth_proxy_patch.yaml\n",
		"config/default/manager_auth_proxy_patch.yaml": proxyPatch,
		"config/default/extra.yaml":                    stray,
		"config/manager/kustomization.yaml":            "resources: [manager.yaml]\n",
		"config/manager/manager.yaml":                  manager,
		"hack/proxy_patch.yaml":                        proxyPatch,
	})
	out, code := run(t, "", "lint", ".", "-o", "json", "--enable", "privileged-container")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	got := findingLines(t, out)
	want := []string{"config/default/extra.yaml:13 privileged-container", "config/manager/manager.yaml:13 privileged-container",
		"hack/proxy_patch.yaml:11 privileged-container"}
	if !slices.Equal(got, want) {
		t.Errorf("findings %q, want %q\n%s", got, want, out)
	}
	note := "kubectl-secure: note: not linted: a file that holds only patch fragments (a workload without a selector, a pod template or a container image) in a Kustomize tree that no kustomization uses: config/default/manager_auth_proxy_patch.yaml\n"
	if !strings.Contains(stderrOf(out), note) {
		t.Errorf("want the note %q\n%s", note, out)
	}
}
