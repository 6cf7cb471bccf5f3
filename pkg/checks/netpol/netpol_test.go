package netpol

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

// deploy renders a Deployment in ns (empty: no namespace field) with pod labels.
func deploy(name, ns, labels string) string {
	nsLine := ""
	if ns != "" {
		nsLine = "\n  namespace: " + ns
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + nsLine + `
spec:
  template:
    metadata:
      labels: ` + labels + `
    spec:
      containers:
        - name: app
          image: nginx:1.27
`
}

func netpolDoc(name, ns, spec string) string {
	return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ` + name + `
  namespace: ` + ns + `
spec:
` + spec
}

func docs(ds ...string) string { return strings.Join(ds, "---\n") }

const denyAll = "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"

func TestNamespaceWithoutPolicy(t *testing.T) {
	checktest.RunCases(t, "namespace-without-network-policy", []checktest.Case{
		{Name: "fires per workload", Src: docs(deploy("a", "shop", "{app: a}"), deploy("b", "shop", "{app: b}")),
			Want: []string{"namespace-without-network-policy@5:14 metadata.namespace", "namespace-without-network-policy@19:14 metadata.namespace"}},
		{Name: "policy in another document of the run", Src: docs(deploy("a", "shop", "{app: a}"), netpolDoc("deny", "shop", denyAll))},
		{Name: "policy in another namespace does not count", Src: docs(deploy("a", "shop", "{app: a}"), netpolDoc("deny", "other", denyAll)),
			Want: []string{"namespace-without-network-policy@5:14 metadata.namespace"}},
		{Name: "no namespace means default", Src: docs(deploy("a", "", "{app: a}"), netpolDoc("deny", "default", denyAll))},
		{Name: "objects that run no pods", Src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n"},
	})
}

func TestCoveredNamespacesAndDefaultNamespace(t *testing.T) {
	src := docs(deploy("a", "team-a", "{app: a}"), deploy("b", "", "{app: b}"))
	got := checktest.Short(checktest.RunWith(t, src, &check.Settings{CoveredNamespaces: []string{"team-*"}, Namespace: "payments"}, "namespace-without-network-policy"))
	if len(got) != 1 || got[0] != "namespace-without-network-policy@15:1 " {
		t.Errorf("got %q", got)
	}
	fs := checktest.RunWith(t, src, &check.Settings{CoveredNamespaces: []string{"team-*"}, Namespace: "payments"}, "namespace-without-network-policy")
	if !strings.Contains(fs[0].Message, `namespace "payments"`) {
		t.Errorf("--namespace not applied: %s", fs[0].Message)
	}
}

func TestDefaultDeny(t *testing.T) {
	onlyApp := netpolDoc("api", "shop", "  podSelector: {matchLabels: {app: a}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: b}}}]\n")
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
	checktest.RunCases(t, "no-default-deny-ingress", []checktest.Case{
		{Name: "only a targeted policy", Src: docs(deploy("a", "shop", "{app: a}"), onlyApp),
			Want: []string{"no-default-deny-ingress@5:14 metadata.namespace"}},
		{Name: "reported at the Namespace object", Src: docs(ns, deploy("a", "shop", "{app: a}"), onlyApp),
			Want: []string{"no-default-deny-ingress@4:9 metadata.name"}},
		{Name: "deny all", Src: docs(deploy("a", "shop", "{app: a}"), onlyApp, netpolDoc("deny", "shop", denyAll))},
		{Name: "policyTypes absent means Ingress", Src: docs(deploy("a", "shop", "{app: a}"), netpolDoc("deny", "shop", "  podSelector: {}\n"))},
		{Name: "empty selector that allows all is no deny", Src: docs(deploy("a", "shop", "{app: a}"), netpolDoc("open", "shop", "  podSelector: {}\n  ingress: [{}]\n")),
			Want: []string{"no-default-deny-ingress@5:14 metadata.namespace"}},
		{Name: "no policy at all is the other check's", Src: deploy("a", "shop", "{app: a}")},
	})
	checktest.RunCases(t, "no-default-deny-egress", []checktest.Case{
		{Name: "ingress-only deny", Src: docs(deploy("a", "shop", "{app: a}"), netpolDoc("deny", "shop", "  podSelector: {}\n  policyTypes: [Ingress]\n")),
			Want: []string{"no-default-deny-egress@5:14 metadata.namespace"}},
		{Name: "egress deny", Src: docs(deploy("a", "shop", "{app: a}"), netpolDoc("deny", "shop", "  podSelector: {}\n  policyTypes: [Egress]\n"))},
	})
}

func TestSelectsNothing(t *testing.T) {
	checktest.RunCases(t, "network-policy-selects-nothing", []checktest.Case{
		{Name: "typo in label", Src: docs(deploy("a", "shop", "{app: frontend}"), netpolDoc("p", "shop", "  podSelector:\n    matchLabels: {app: frontnd}\n")),
			Want: []string{"network-policy-selects-nothing@22:5 spec.podSelector"}},
		{Name: "matches", Src: docs(deploy("a", "shop", "{app: frontend}"), netpolDoc("p", "shop", "  podSelector:\n    matchLabels: {app: frontend}\n"))},
		{Name: "matchExpressions In", Src: docs(deploy("a", "shop", "{tier: web}"), netpolDoc("p", "shop", "  podSelector:\n    matchExpressions: [{key: tier, operator: In, values: [web, api]}]\n"))},
		{Name: "matchExpressions NotIn excludes", Src: docs(deploy("a", "shop", "{tier: web}"), netpolDoc("p", "shop", "  podSelector:\n    matchExpressions: [{key: tier, operator: NotIn, values: [web]}]\n")),
			Want: []string{"network-policy-selects-nothing@22:5 spec.podSelector"}},
		{Name: "Exists", Src: docs(deploy("a", "shop", "{tier: web}"), netpolDoc("p", "shop", "  podSelector:\n    matchExpressions: [{key: tier, operator: Exists}]\n"))},
		{Name: "DoesNotExist", Src: docs(deploy("a", "shop", "{tier: web}"), netpolDoc("p", "shop", "  podSelector:\n    matchExpressions: [{key: tier, operator: DoesNotExist}]\n")),
			Want: []string{"network-policy-selects-nothing@22:5 spec.podSelector"}},
		{Name: "labels and expressions are ANDed", Src: docs(deploy("a", "shop", "{tier: web, app: a}"), netpolDoc("p", "shop", "  podSelector:\n    matchLabels: {app: b}\n    matchExpressions: [{key: tier, operator: Exists}]\n")),
			Want: []string{"network-policy-selects-nothing@22:5 spec.podSelector"}},
		{Name: "invalid operator", Src: docs(deploy("a", "shop", "{tier: web}"), netpolDoc("p", "shop", "  podSelector:\n    matchExpressions: [{key: tier, operator: Maybe}]\n")),
			Want: []string{"network-policy-selects-nothing@22:5 spec.podSelector"}},
		{Name: "workload in another namespace", Src: docs(deploy("a", "other", "{app: frontend}"), netpolDoc("p", "shop", "  podSelector:\n    matchLabels: {app: frontend}\n"))},
	})
}

func TestUnselectedWorkload(t *testing.T) {
	checktest.RunCases(t, "workload-without-network-policy", []checktest.Case{
		{Name: "one forgotten", Src: docs(deploy("a", "shop", "{app: a}"), deploy("b", "shop", "{app: b}"), netpolDoc("p", "shop", "  podSelector:\n    matchLabels: {app: a}\n")),
			Want: []string{"workload-without-network-policy@15:1 "}},
		{Name: "default deny selects all", Src: docs(deploy("a", "shop", "{app: a}"), deploy("b", "shop", "{app: b}"), netpolDoc("p", "shop", denyAll))},
	})
}

func TestAllowAll(t *testing.T) {
	checktest.RunCases(t, "network-policy-allow-all", []checktest.Case{
		{Name: "empty ingress rule", Src: netpolDoc("p", "shop", "  podSelector: {}\n  ingress:\n    - {}\n"),
			Want: []string{"network-policy-allow-all@9:7 spec.ingress[0]"}},
		{Name: "empty peer", Src: netpolDoc("p", "shop", "  podSelector: {}\n  ingress:\n    - from: [{}]\n"),
			Want: []string{"network-policy-allow-all@9:7 spec.ingress[0]"}},
		{Name: "open cidr", Src: netpolDoc("p", "shop", "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock:\n            cidr: 0.0.0.0/0\n"),
			Want: []string{"network-policy-allow-all@11:19 spec.egress[0].to[0].ipBlock.cidr"}},
		{Name: "open cidr with except", Src: netpolDoc("p", "shop", "  podSelector: {}\n  egress:\n    - to:\n        - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}\n")},
		{Name: "ports narrow it", Src: netpolDoc("p", "shop", "  podSelector: {}\n  ingress:\n    - ports: [{port: 443}]\n")},
		{Name: "named peers", Src: netpolDoc("p", "shop", "  podSelector: {}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: x}}}]\n")},
	})
}
