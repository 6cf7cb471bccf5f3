package reach

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// synthetic is n namespaces of 10 workloads each, with a default deny, a frontend → api
// → db chain, DNS egress and metrics from a monitoring namespace: the shape of a real
// platform, to show the analysis grows with the input, not its square.
func synthetic(b *testing.B, n int) []check.Fact {
	b.Helper()
	var sb strings.Builder
	sb.WriteString(nsObj("monitoring", "{team: platform}") + "---\n" + dep("prometheus", "monitoring", "{app: prometheus}"))
	for i := range n {
		ns := fmt.Sprintf("team-%d", i)
		for j, app := range []string{"frontend", "api", "db", "worker", "cache", "a5", "a6", "a7", "a8", "a9"} {
			sb.WriteString("---\n" + dep(app, ns, fmt.Sprintf("{app: %s, tier: t%d}", app, j%3), "http=8080", "metrics=9102"))
		}
		sb.WriteString("---\n" + np("deny", ns, "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"))
		sb.WriteString("---\n" + np("dns", ns, "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}], ports: [{port: 53, protocol: UDP}]}]\n"))
		sb.WriteString("---\n" + np("api", ns, "  podSelector: {matchLabels: {app: api}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}], ports: [{port: http}]}]\n"))
		sb.WriteString("---\n" + np("db", ns, "  podSelector: {matchLabels: {app: db}}\n  ingress: [{from: [{podSelector: {matchExpressions: [{key: tier, operator: In, values: [t1, t2]}]}}]}]\n"))
		sb.WriteString("---\n" + np("metrics", ns, "  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {team: platform}}, podSelector: {matchLabels: {app: prometheus}}}], ports: [{port: metrics}]}]\n"))
	}
	res := manifest.Parse("bench.yaml", []byte(sb.String()), manifest.DefaultLimits)
	if res.Err != nil {
		b.Fatal(res.Err)
	}
	return CollectFacts(res.Objects, &check.Settings{}, Facts)
}

func BenchmarkAnalyze(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		facts := synthetic(b, n)
		b.Run(fmt.Sprintf("namespaces=%d", n), func(b *testing.B) {
			for b.Loop() {
				Analyze(facts, &check.Settings{})
			}
		})
	}
}
