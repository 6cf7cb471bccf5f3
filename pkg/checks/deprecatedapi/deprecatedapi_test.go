package deprecatedapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

const cronJob = `apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "0 * * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: a, image: busybox:1.36}]}}}}
`

// batch/v1beta1 CronJob is deprecated in 1.21 and removed in 1.25: below, at and after
// each boundary.
func TestVersionBoundaries(t *testing.T) {
	for _, tc := range []struct{ kube, want string }{
		{"1.20", ""},
		{"1.21", "deprecated-api-version: batch/v1beta1 CronJob is deprecated since 1.21 and removed in 1.25; use batch/v1"},
		{"1.24", "deprecated-api-version: batch/v1beta1 CronJob is deprecated since 1.21 and removed in 1.25; use batch/v1"},
		{"1.25", "removed-api-version: batch/v1beta1 CronJob was removed in 1.25; use batch/v1"},
		{"", "removed-api-version: batch/v1beta1 CronJob was removed in 1.25; use batch/v1"}, // the newest known
	} {
		t.Run("kube "+tc.kube, func(t *testing.T) {
			fs := checktest.RunWith(t, cronJob, &check.Settings{KubeVersion: tc.kube}, "removed-api-version", "deprecated-api-version")
			var got []string
			for _, f := range fs {
				got = append(got, f.Check+": "+f.Message)
				if f.Line != 1 || f.Path != "apiVersion" {
					t.Errorf("finding at %d %s, want line 1 apiVersion", f.Line, f.Path)
				}
			}
			if strings.Join(got, "\n") != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMessagesAndFixes(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		fixable         bool
	}{
		{"extensions Deployment is no pure rename", "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d}\n",
			"extensions/v1beta1 Deployment was removed in 1.16; use apps/v1", false},
		{"apps/v1beta2", "apiVersion: apps/v1beta2\nkind: StatefulSet\nmetadata: {name: d}\n",
			"apps/v1beta2 StatefulSet was removed in 1.16; use apps/v1", false},
		{"PodDisruptionBudget: empty selector changed meaning", "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: d}\n",
			"policy/v1beta1 PodDisruptionBudget was removed in 1.25; use policy/v1", false},
		{"extensions PodSecurityPolicy: its replacement was removed too", "apiVersion: extensions/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: d}\n",
			"extensions/v1beta1 PodSecurityPolicy was removed in 1.16; it has no replacement API", false},
		{"CRD v1beta1 (supplement)", "apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\nmetadata: {name: d}\n",
			"apiextensions.k8s.io/v1beta1 CustomResourceDefinition was removed in 1.22; use apiextensions.k8s.io/v1", false},
		{"networking Ingress", "apiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata: {name: d}\n",
			"networking.k8s.io/v1beta1 Ingress was removed in 1.22; use networking.k8s.io/v1", false},
		{"IngressClass renames", "apiVersion: networking.k8s.io/v1beta1\nkind: IngressClass\nmetadata: {name: d}\n",
			"networking.k8s.io/v1beta1 IngressClass was removed in 1.22; use networking.k8s.io/v1", true},
		{"ClusterRoleBinding v1alpha1 (supplement)", "apiVersion: rbac.authorization.k8s.io/v1alpha1\nkind: ClusterRoleBinding\nmetadata: {name: d}\n",
			"rbac.authorization.k8s.io/v1alpha1 ClusterRoleBinding was removed in 1.22; use rbac.authorization.k8s.io/v1", true},
		{"RuntimeClass: the module names no replacement; the group's served version is it", "apiVersion: node.k8s.io/v1beta1\nkind: RuntimeClass\nmetadata: {name: d}\nhandler: runc\n",
			"node.k8s.io/v1beta1 RuntimeClass was removed in 1.25; use node.k8s.io/v1", true},
		{"custom group never fires", "apiVersion: example.com/v1beta1\nkind: Deployment\nmetadata: {name: d}\n", "", false},
		{"current apiVersion", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, tc.src, "removed-api-version", "deprecated-api-version")
			if tc.want == "" {
				if len(fs) > 0 {
					t.Fatalf("want no finding, got %q", fs[0].Message)
				}
				return
			}
			if len(fs) != 1 || fs[0].Message != tc.want || fs[0].Line != 1 {
				t.Fatalf("got %v, want one finding on line 1: %q", fs, tc.want)
			}
			fix := fs[0].Fix
			if got := fix != nil && len(fix.Changes) > 0; got != tc.fixable {
				t.Errorf("fixable = %v, want %v (%+v)", got, tc.fixable, fix)
			}
			if fix != nil && fix.Safe {
				t.Error("changing apiVersion changes what the user wrote: the fix must be unsafe")
			}
		})
	}
}

func ExampleRun() {
	fs := checktest.Run(&testing.T{}, "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: web}\n", "removed-api-version")
	fmt.Println(fs[0].Severity, fs[0].Message)
	// Output: high apps/v1beta1 Deployment was removed in 1.16; use apps/v1
}
