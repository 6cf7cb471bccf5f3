package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// --kube-version picks the Kubernetes version apiVersions are judged at: batch/v1beta1
// CronJob is served until 1.20, deprecated from 1.21 and removed in 1.25. The config's
// kubeVersion applies when the flag is absent; a bad value is a usage error.
func TestKubeVersionFlag(t *testing.T) {
	dir := testtree.Write(t, map[string]string{"cron.yaml": `apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "0 * * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: busybox:1.36}]}}}}
`, "cfg.yaml": "kubeVersion: 1.21\n"})
	file := filepath.Join(dir, "cron.yaml")
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"--kube-version", "1.20"}, "", 0},
		{[]string{"--kube-version", "1.21"}, "deprecated-api-version", 1},
		{[]string{"--kube-version", "v1.25"}, "removed-api-version", 1},
		{nil, "removed-api-version", 1}, // the newest known version
		{[]string{"--config", filepath.Join(dir, "cfg.yaml")}, "deprecated-api-version", 1},
		{[]string{"--config", filepath.Join(dir, "cfg.yaml"), "--kube-version", "1.30"}, "removed-api-version", 1},
		{[]string{"--kube-version", "latest"}, "--kube-version: kube version \"latest\": want MAJOR.MINOR", 2},
		{[]string{"--kube-version", "2.1"}, "only Kubernetes 1.x exists", 2},
	} {
		args := append([]string{"lint", "--enable", "deprecated-api", file}, tc.args...)
		out, code := run(t, "", args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, tc.code, out)
		}
		if tc.want != "" && !strings.Contains(out, tc.want) || tc.want == "" && strings.Contains(out, "api-version") {
			t.Errorf("%v: want %q in\n%s", tc.args, tc.want, out)
		}
	}
	out, code := run(t, "", "lint", "--config", filepath.Join(testtree.Write(t, map[string]string{"c.yaml": "kubeVersion: one\n"}), "c.yaml"), file)
	if code != 2 || !strings.Contains(out, "c.yaml:1: kubeVersion:") {
		t.Errorf("a bad kubeVersion in the config: exit %d\n%s", code, out)
	}
}

// An object built by Kustomize is reported at the apiVersion line of the file that writes
// it, with the message's advice only: the fix cannot change the identity a build matches
// objects by.
func TestRemovedAPIInKustomizeBase(t *testing.T) {
	dir := testtree.Write(t, map[string]string{
		"base/role.yaml":             "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata:\n  name: reader\nrules: []\n",
		"base/kustomization.yaml":    "resources: [role.yaml]\n",
		"overlay/kustomization.yaml": "resources: [../base]\nnamespace: shop\n",
	})
	out, code := run(t, "", "lint", "--enable", "deprecated-api", filepath.Join(dir, "overlay"))
	if code != 1 || !strings.Contains(out, filepath.Join(dir, "base", "role.yaml")+":1:13") || !strings.Contains(out, "use rbac.authorization.k8s.io/v1") || strings.Contains(out, "fix:") {
		t.Errorf("want the finding at base/role.yaml:1:13 with advice; exit %d\n%s", code, out)
	}
}
