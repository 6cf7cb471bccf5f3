package cli

import (
	"sort"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// Cross-object checks relate the objects of one deploy unit, and objects that name their
// namespace across units: a repository of samples side by side, policies kept apart from
// the apps, the deployScope key, and Cilium and Calico policies.
func TestDeployUnitsAndForeignPolicies(t *testing.T) {
	deploy := func(name, ns string) string {
		nsLine := ""
		if ns != "" {
			nsLine = "\n  namespace: " + ns
		}
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + nsLine +
			"\nspec:\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata:\n      labels: {app: " + name +
			"}\n    spec:\n      automountServiceAccountToken: false\n      containers:\n      - name: c\n        image: x\n"
	}
	policy := func(name, ns, selector string) string {
		nsLine := ""
		if ns != "" {
			nsLine = "\n  namespace: " + ns
		}
		return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + nsLine +
			"\nspec:\n  podSelector: " + selector + "\n  policyTypes: [Ingress, Egress]\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		want  []string // "file:line check", sorted
	}{
		{
			name: "two samples without a namespace: one's policy says nothing of the other",
			files: map[string]string{
				"samples/guestbook/app.yaml":    deploy("web", "") + "---\n" + deploy("redis", ""),
				"samples/guestbook/policy.yaml": policy("web", "", "{matchLabels: {app: web}}"),
				"samples/wordpress/wp.yaml":     deploy("wp", "") + "---\n" + deploy("db", ""),
			},
			want: []string{
				"samples/guestbook/app.yaml:1 no-default-deny-egress",
				"samples/guestbook/app.yaml:1 no-default-deny-ingress",
				"samples/guestbook/app.yaml:16 workload-without-network-policy",
				"samples/wordpress/wp.yaml:1 namespace-without-network-policy",
				"samples/wordpress/wp.yaml:16 namespace-without-network-policy",
			},
		},
		{
			name: "policies in one folder and apps in another meet by namespace",
			files: map[string]string{
				"policies/deny.yaml": policy("deny", "shop", "{}"),
				"apps/api.yaml":      deploy("api", "shop"),
			},
		},
		{
			name: "deployScope: repository relates every folder",
			files: map[string]string{
				".kubectl-secure.yaml":        "deployScope: repository\n",
				"samples/guestbook/app.yaml":  deploy("web", ""),
				"samples/guestbook/deny.yaml": policy("deny", "", "{}"),
				"samples/wordpress/wp.yaml":   deploy("wp", ""),
			},
		},
		{
			name: "a Cilium policy covers the pods it selects",
			files: map[string]string{
				"app.yaml": deploy("api", "shop") + "---\n" + deploy("worker", "shop"),
				"cilium.yaml": "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: api, namespace: shop}\n" +
					"spec:\n  endpointSelector: {matchLabels: {'k8s:app': api}}\n  ingress: [{}]\n",
			},
			want: []string{"app.yaml:17 workload-without-network-policy"},
		},
		{
			name: "a Calico global policy covers every pod it selects",
			files: map[string]string{
				"app.yaml": deploy("api", "shop") + "---\n" + deploy("worker", "shop"),
				"calico.yaml": "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: default-deny}\n" +
					"spec:\n  selector: projectcalico.org/namespace not in {'kube-system'}\n  types: [Ingress, Egress]\n",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, tc.files)
			out, _ := run(t, "", "lint", "-o", "json", "--enable", "network-policy,secrets", ".")
			got := findingLines(t, out)
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
			}
		})
	}
}

// A sample's binding of the default service account does not reach another sample's pods.
func TestServiceAccountsRelateWithinUnits(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: x\n"
	binding := "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n" +
		"subjects:\n- {kind: ServiceAccount, name: default}\n"
	testtree.Enter(t, map[string]string{
		"one/pod.yaml":     pod,
		"one/binding.yaml": binding,
		"two/pod.yaml":     pod,
	})
	out, _ := run(t, "", "lint", "-o", "json", "--enable", "service-account-token-automount", ".")
	got := findingLines(t, out)
	if want := "two/pod.yaml:6 service-account-token-automount"; strings.Join(got, "\n") != want {
		t.Errorf("findings\n got: %q\nwant: %q\n%s", got, want, out)
	}
}

func TestDeployScopeConfigIsValidated(t *testing.T) {
	testtree.Enter(t, map[string]string{".kubectl-secure.yaml": "namespace: x\ndeployScope: cluster\n", "a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
	out, code := run(t, "", "lint", ".")
	if code != 2 || !strings.Contains(out, ".kubectl-secure.yaml:2") || !strings.Contains(out, "deployScope must be unit or repository") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
