package netpol

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

// ingressFrom renders a policy for app: api in ns whose one ingress rule has the given
// peers (YAML flow mappings); the first peer's podSelector is on line 12.
func ingressFrom(ns string, peers ...string) string {
	spec := "  podSelector: {matchLabels: {app: api}}\n  ingress:\n    - from:\n"
	for _, p := range peers {
		spec += "        - " + p + "\n"
	}
	return netpolDoc("api", ns, spec)
}

func namespaceDoc(name, labels string) string {
	return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels: " + labels + "\n"
}

func TestPeerSelectsNothing(t *testing.T) {
	api, front := deploy("api", "shop", "{app: api}"), deploy("front", "shop", "{app: frontend}")
	mon := deploy("prom", "monitoring", "{app: prometheus-server}")
	checktest.RunCases(t, "network-policy-dangling-peer", []checktest.Case{
		{Name: "typo", Src: docs(api, front, ingressFrom("shop", "podSelector: {matchLabels: {app: frontnd}}  # want: network-policy-dangling-peer"))},
		{Name: "matches", Src: docs(api, front, ingressFrom("shop", "podSelector: {matchLabels: {app: frontend}}"))},
		{Name: "empty podSelector is every pod", Src: docs(api, ingressFrom("shop", "podSelector: {}"))},
		{Name: "expressions", Src: docs(api, front,
			ingressFrom("shop", "podSelector: {matchExpressions: [{key: app, operator: In, values: [web, frontnd]}]}  # want: network-policy-dangling-peer"))},
		{Name: "a key no pod template uses: pods made at runtime", Src: docs(api, ingressFrom("shop", "podSelector: {matchLabels: {longhorn.io/component: instance-manager}}"))},
		{Name: "a used key, a value far from any: an operator's pods", Src: docs(api, front, ingressFrom("shop", "podSelector: {matchLabels: {app: prometheus}}"))},
		{Name: "a key typo", Src: docs(api, front, ingressFrom("shop", "podSelector: {matchLabels: {ap: frontend}}  # want: network-policy-dangling-peer"))},
		{Name: "the namespace's workloads are not in the input", Src: ingressFrom("shop", "podSelector: {matchLabels: {app: frontnd}}")},
		{Name: "namespaceSelector by name", Src: docs(api, mon,
			ingressFrom("shop", "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app: prometheus-sever}}}  # want: network-policy-dangling-peer"))},
		{Name: "namespaceSelector by label of a Namespace in the input", Src: docs(api, mon, namespaceDoc("monitoring", "{team: obs}"),
			ingressFrom("shop", "{namespaceSelector: {matchLabels: {team: obs}}, podSelector: {matchLabels: {app: prometheus-server}}}"))},
		{Name: "namespaceSelector selecting nothing in the input", Src: docs(api, mon,
			ingressFrom("shop", "{namespaceSelector: {matchLabels: {team: obs}}, podSelector: {matchLabels: {app: nothing}}}"))},
		{Name: "namespaceSelector {} is every namespace", Src: docs(api, mon,
			ingressFrom("shop", "{namespaceSelector: {}, podSelector: {matchLabels: {app: prometheus-sever}}}"))},
		{Name: "namespaceSelector alone", Src: docs(api, mon, ingressFrom("shop", "namespaceSelector: {matchLabels: {team: obs}}"))},
		{Name: "egress", Src: docs(api, front, netpolDoc("api", "shop",
			"  podSelector: {}\n  egress:\n    - to:\n        - podSelector: {matchLabels: {app: frontnd}}  # want: network-policy-dangling-peer\n"))},
	})
}

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"frontend", "frontend", 0}, {"frontnd", "frontend", 1}, {"promethues", "prometheus", 2},
		{"api", "app", 1}, {"prometheus", "prometheus-adapter", 3}, {"", "ab", 2}, {"abc", "xyz", 3},
	} {
		if got := editDistance(tc.a, tc.b, 2); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
