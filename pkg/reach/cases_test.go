package reach

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// dep is a Deployment in ns ("" names none) whose pods carry labels and, optionally, one
// container port ("8080" or "http=8080", protocol TCP).
func dep(name, ns, labels string, ports ...string) string {
	nsLine := ""
	if ns != "" {
		nsLine = ", namespace: " + ns
	}
	portLines := ""
	if len(ports) > 0 {
		portLines = "\n          ports:"
		for _, p := range ports {
			if n, port, ok := strings.Cut(p, "="); ok {
				portLines += "\n            - {name: " + n + ", containerPort: " + port + "}"
			} else {
				portLines += "\n            - {containerPort: " + p + "}"
			}
		}
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + nsLine + `}
spec:
  template:
    metadata:
      labels: ` + labels + `
    spec:
      containers:
        - name: app
          image: nginx:1.27` + portLines + "\n"
}

func np(name, ns, spec string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec
}

func nsObj(name, labels string) string {
	return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + ", labels: " + labels + "}\n"
}

func docs(ds ...string) string { return strings.Join(ds, "---\n") }

// build analyses files (name → content) with default settings.
func build(t *testing.T, files map[string]string) *Graph {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var objs []*manifest.Object
	for _, n := range names {
		res := manifest.Parse(n, []byte(files[n]), manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatalf("parse %s: %v", n, res.Err)
		}
		objs = append(objs, res.Objects...)
	}
	return FromObjects(objs, &check.Settings{})
}

// short names a node in the expectations: ns/name, external, other-ns.
func short(g *Graph, id string) string {
	switch id {
	case External:
		return "external"
	case OtherNamespaces:
		return "other-ns"
	case AnyPod:
		return "any-pod"
	}
	if strings.HasPrefix(id, Unmatched) {
		return g.Node(id).Name
	}
	n := g.Node(id)
	return n.Namespace + "/" + n.Name
}

func dirState(d Direction) string {
	switch {
	case !d.Isolated:
		return "all"
	case d.Open == nil:
		return "-"
	}
	return "policy:" + d.Open.String()
}

// summary is the graph as the table states it: one line per edge ("a -> b: ports"), and
// one per workload with what any peer may use in each direction (all: not isolated; -:
// isolated, nothing open to any peer; policy:P: ports a rule without peers opens).
func summary(g *Graph) []string {
	var out []string
	for _, e := range g.Edges {
		line := fmt.Sprintf("%s -> %s: %s", short(g, e.From), short(g, e.To), e.Ports)
		if len(e.CIDRs) > 0 {
			line += " [" + strings.Join(e.CIDRs, "; ") + "]"
		}
		if e.Approximate {
			line += " ~"
		}
		out = append(out, line)
	}
	for _, n := range g.Nodes {
		if n.Kind != "Outside" {
			out = append(out, fmt.Sprintf("%s in=%s out=%s", short(g, n.ID), dirState(n.Ingress), dirState(n.Egress)))
		}
	}
	sort.Strings(out)
	return out
}

type policyCase struct {
	name string
	src  string
	want []string
}

// The big example of the Kubernetes NetworkPolicy documentation
// (https://kubernetes.io/docs/concepts/services-networking/network-policies/).
const docsExample = `  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
        - namespaceSelector: {matchLabels: {project: myproject}}
        - podSelector: {matchLabels: {role: frontend}}
      ports:
        - {protocol: TCP, port: 6379}
  egress:
    - to:
        - ipBlock: {cidr: 10.0.0.0/24}
      ports:
        - {protocol: TCP, port: 5978}
`

// The cases of the Kubernetes documentation.
var docsCases = []policyCase{
	{name: "no policy: everything open", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}")),
		want: []string{"default/a in=all out=all", "default/b in=all out=all"}},
	{name: "default deny all ingress", src: docs(dep("a", "default", "{app: a}"),
		np("default-deny-ingress", "default", "  podSelector: {}\n  policyTypes: [Ingress]\n")),
		want: []string{"default/a in=- out=all"}},
	{name: "allow all ingress", src: docs(dep("a", "default", "{app: a}"),
		np("allow-all-ingress", "default", "  podSelector: {}\n  ingress: [{}]\n  policyTypes: [Ingress]\n")),
		want: []string{"default/a in=policy:all ports out=all"}},
	{name: "default deny all egress", src: docs(dep("a", "default", "{app: a}"),
		np("default-deny-egress", "default", "  podSelector: {}\n  policyTypes: [Egress]\n")),
		want: []string{"default/a in=all out=-"}},
	{name: "allow all egress", src: docs(dep("a", "default", "{app: a}"),
		np("allow-all-egress", "default", "  podSelector: {}\n  egress: [{}]\n  policyTypes: [Egress]\n")),
		want: []string{"default/a in=all out=policy:all ports"}},
	{name: "default deny all ingress and egress", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"),
		np("default-deny-all", "default", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n")),
		want: []string{"default/a in=- out=-", "default/b in=- out=-"}},
	{name: "the documentation's example policy", src: docs(
		dep("db", "default", "{role: db}"), dep("frontend", "default", "{role: frontend}"), dep("other", "default", "{role: other}"),
		nsObj("myproject", "{project: myproject}"), dep("client", "myproject", "{app: client}"),
		np("test-network-policy", "default", docsExample)),
		want: []string{
			"default/db -> external: TCP 5978 [10.0.0.0/24]",
			"default/db in=- out=-",
			"default/frontend -> default/db: TCP 6379",
			"default/frontend in=all out=all",
			"default/other in=all out=all",
			"external -> default/db: TCP 6379 [172.17.0.0/16 except 172.17.1.0/24]",
			"myproject/client -> default/db: TCP 6379",
			"myproject/client in=all out=all",
			"other-ns -> default/db: TCP 6379",
		}},
	{name: "namespaceSelector AND podSelector in one peer", src: docs(
		nsObj("alice", "{user: alice}"), nsObj("bob", "{user: bob}"),
		dep("client", "alice", "{role: client}"), dep("web", "alice", "{role: web}"), dep("client", "bob", "{role: client}"),
		dep("db", "default", "{role: db}"), dep("client", "default", "{role: client}"),
		np("and", "default", "  podSelector: {matchLabels: {role: db}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {user: alice}}\n          podSelector: {matchLabels: {role: client}}\n")),
		want: []string{
			"alice/client -> default/db: all ports", "alice/client in=all out=all", "alice/web in=all out=all",
			"bob/client in=all out=all", "default/client in=all out=all", "default/db in=- out=all",
			"other-ns -> default/db: all ports",
		}},
	{name: "namespaceSelector OR podSelector: two peers", src: docs(
		nsObj("alice", "{user: alice}"), nsObj("bob", "{user: bob}"),
		dep("client", "alice", "{role: client}"), dep("web", "alice", "{role: web}"), dep("client", "bob", "{role: client}"),
		dep("db", "default", "{role: db}"), dep("client", "default", "{role: client}"),
		np("or", "default", "  podSelector: {matchLabels: {role: db}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {user: alice}}\n        - podSelector: {matchLabels: {role: client}}\n")),
		want: []string{
			"alice/client -> default/db: all ports", "alice/client in=all out=all",
			"alice/web -> default/db: all ports", "alice/web in=all out=all",
			"bob/client in=all out=all",
			"default/client -> default/db: all ports", "default/client in=all out=all", "default/db in=- out=all",
			"other-ns -> default/db: all ports",
		}},
	{name: "endPort: a range of ports", src: docs(dep("db", "default", "{role: db}"),
		np("multi-port-egress", "default", "  podSelector: {matchLabels: {role: db}}\n  policyTypes: [Egress]\n  egress:\n    - to: [{ipBlock: {cidr: 10.0.0.0/24}}]\n      ports: [{protocol: TCP, port: 32000, endPort: 32768}]\n")),
		want: []string{"default/db -> external: TCP 32000-32768 [10.0.0.0/24]", "default/db in=all out=-"}},
	{name: "kubernetes.io/metadata.name selects a namespace the input only names", src: docs(
		dep("api", "prod", "{app: api}"), dep("api", "dev", "{app: api}"), dep("db", "default", "{app: db}"),
		np("from-prod", "default", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: prod}}}]\n")),
		want: []string{"default/db in=- out=all", "dev/api in=all out=all", "prod/api -> default/db: all ports", "prod/api in=all out=all"}},
	{name: "named port resolved against the target's container ports", src: docs(
		dep("web", "default", "{app: web}", "http=8080", "metrics=9090"), dep("cache", "default", "{app: cache}", "6379"),
		dep("client", "default", "{app: client}"),
		np("http-only", "default", "  podSelector: {}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: client}}}]\n      ports: [{port: http}]\n")),
		want: []string{"default/cache in=- out=all", "default/client -> default/web: TCP 8080", "default/client in=- out=all", "default/web in=- out=all"}},
	{name: "protocols: UDP and SCTP are their own ports", src: docs(
		dep("dns", "default", "{app: dns}"), dep("client", "default", "{app: client}"),
		np("dns-in", "default", "  podSelector: {matchLabels: {app: dns}}\n  ingress:\n    - from: [{podSelector: {}}]\n      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}, {protocol: SCTP}]\n")),
		want: []string{"default/client -> default/dns: SCTP all, TCP 53, UDP 53", "default/client in=all out=all",
			"default/dns -> default/dns: SCTP all, TCP 53, UDP 53", "default/dns in=- out=all"}},
}

// The cases of ahmetb/kubernetes-network-policy-recipes, written from their documented
// behaviour.
var recipeCases = []policyCase{
	{name: "01 deny all traffic to an application", src: docs(dep("web", "default", "{app: web}"), dep("other", "default", "{app: other}"),
		np("web-deny-all", "default", "  podSelector: {matchLabels: {app: web}}\n  ingress: []\n")),
		want: []string{"default/other in=all out=all", "default/web in=- out=all"}},
	{name: "02 limit traffic to an application", src: docs(
		dep("api", "default", "{app: bookstore, role: api}"), dep("frontend", "default", "{app: bookstore, role: frontend}"), dep("coffee", "default", "{app: coffeeshop}"),
		np("api-allow", "default", "  podSelector: {matchLabels: {app: bookstore, role: api}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: bookstore}}}]\n")),
		want: []string{"default/api -> default/api: all ports", "default/api in=- out=all", "default/coffee in=all out=all",
			"default/frontend -> default/api: all ports", "default/frontend in=all out=all"}},
	{name: "02a allow all traffic to an application", src: docs(dep("web", "default", "{app: web}"),
		np("web-deny-all", "default", "  podSelector: {matchLabels: {app: web}}\n  ingress: []\n"),
		np("web-allow-all", "default", "  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n")),
		want: []string{"default/web in=policy:all ports out=all"}},
	{name: "03 deny all non-whitelisted traffic in the namespace", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"),
		np("default-deny-all", "default", "  podSelector: {}\n  ingress: []\n")),
		want: []string{"default/a in=- out=all", "default/b in=- out=all"}},
	{name: "04 deny traffic from other namespaces", src: docs(dep("a", "secondary", "{app: a}"), dep("b", "secondary", "{app: b}"), dep("x", "default", "{app: x}"),
		np("deny-from-other-namespaces", "secondary", "  podSelector: {}\n  ingress:\n    - from: [{podSelector: {}}]\n")),
		want: []string{"default/x in=all out=all",
			"secondary/a -> secondary/a: all ports", "secondary/a -> secondary/b: all ports", "secondary/a in=- out=all",
			"secondary/b -> secondary/a: all ports", "secondary/b -> secondary/b: all ports", "secondary/b in=- out=all"}},
	{name: "05 allow traffic from all namespaces", src: docs(dep("web", "secondary", "{app: web}"), dep("x", "default", "{app: x}"),
		np("web-allow-all-namespaces", "secondary", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n    - from: [{namespaceSelector: {}}]\n")),
		want: []string{"any-pod -> secondary/web: all ports", "default/x in=all out=all", "secondary/web in=- out=all"}},
	{name: "06 allow traffic from a namespace", src: docs(dep("web", "default", "{app: web}"),
		nsObj("prod", "{purpose: production}"), nsObj("dev", "{purpose: testing}"), dep("p", "prod", "{app: p}"), dep("d", "dev", "{app: d}"),
		np("web-allow-prod", "default", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n    - from: [{namespaceSelector: {matchLabels: {purpose: production}}}]\n")),
		want: []string{"default/web in=- out=all", "dev/d in=all out=all", "other-ns -> default/web: all ports",
			"prod/p -> default/web: all ports", "prod/p in=all out=all"}},
	{name: "07 allow traffic from some pods in another namespace", src: docs(dep("web", "default", "{app: web}"),
		nsObj("other", "{team: operations}"), dep("mon", "other", "{type: monitoring}"), dep("job", "other", "{type: batch}"), dep("mon", "default", "{type: monitoring}"),
		np("web-allow-all-ns-monitoring", "default", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {team: operations}}\n          podSelector: {matchLabels: {type: monitoring}}\n")),
		want: []string{"default/mon in=all out=all", "default/web in=- out=all", "other-ns -> default/web: all ports",
			"other/job in=all out=all", "other/mon -> default/web: all ports", "other/mon in=all out=all"}},
	{name: "08 allow external traffic", src: docs(dep("web", "default", "{app: web}"),
		np("web-allow-external", "default", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n    - from: []\n      ports: [{port: 80}]\n")),
		want: []string{"default/web in=policy:TCP 80 out=all"}},
	{name: "09 allow traffic only to a port of an application", src: docs(
		dep("api", "default", "{app: apiserver}", "5000", "metrics=8000"), dep("mon", "default", "{role: monitoring}"), dep("x", "default", "{role: x}"),
		np("api-allow-5000", "default", "  podSelector: {matchLabels: {app: apiserver}}\n  ingress:\n    - ports: [{port: 5000}]\n      from: [{podSelector: {matchLabels: {role: monitoring}}}]\n")),
		want: []string{"default/api in=- out=all", "default/mon -> default/api: TCP 5000", "default/mon in=all out=all", "default/x in=all out=all"}},
	{name: "10 allow traffic with multiple selectors", src: docs(
		dep("db", "default", "{app: bookstore, role: db}"), dep("search", "default", "{app: bookstore, role: search}"),
		dep("api", "default", "{app: bookstore, role: api}"), dep("inv", "default", "{app: inventory, role: web}"), dep("x", "default", "{app: inventory, role: x}"),
		np("redis-allow-services", "default", "  podSelector: {matchLabels: {app: bookstore, role: db}}\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: bookstore, role: search}}\n        - podSelector: {matchLabels: {app: bookstore, role: api}}\n        - podSelector: {matchLabels: {app: inventory, role: web}}\n")),
		want: []string{"default/api -> default/db: all ports", "default/api in=all out=all", "default/db in=- out=all",
			"default/inv -> default/db: all ports", "default/inv in=all out=all",
			"default/search -> default/db: all ports", "default/search in=all out=all", "default/x in=all out=all"}},
	{name: "11 deny egress traffic from an application", src: docs(dep("foo", "default", "{app: foo}"), dep("bar", "default", "{app: bar}"),
		np("foo-deny-egress", "default", "  podSelector: {matchLabels: {app: foo}}\n  policyTypes: [Egress]\n  egress: []\n")),
		want: []string{"default/bar in=all out=all", "default/foo in=all out=-"}},
	{name: "11a deny egress except DNS", src: docs(dep("foo", "default", "{app: foo}"),
		np("foo-deny-egress", "default", "  podSelector: {matchLabels: {app: foo}}\n  policyTypes: [Egress]\n  egress:\n    - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n")),
		want: []string{"default/foo in=all out=policy:TCP 53, UDP 53"}},
	{name: "12 deny all non-whitelisted egress in the namespace", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"),
		np("default-deny-all-egress", "default", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: []\n")),
		want: []string{"default/a in=all out=-", "default/b in=all out=-"}},
	{name: "14 deny external egress", src: docs(dep("foo", "default", "{app: foo}"), dep("bar", "other", "{app: bar}"),
		np("foo-deny-external-egress", "default", "  podSelector: {matchLabels: {app: foo}}\n  policyTypes: [Egress]\n  egress:\n    - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n    - to: [{namespaceSelector: {}}]\n")),
		want: []string{"default/foo -> any-pod: all ports", "default/foo in=all out=policy:TCP 53, UDP 53", "other/bar in=all out=all"}},
}

// Cases of the model itself: both sides must allow, deploy units, CNI policies.
var modelCases = []policyCase{
	{name: "source egress AND target ingress", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"), dep("c", "default", "{app: c}"),
		np("a-out", "default", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress: [{to: [{podSelector: {matchLabels: {app: b}}}]}]\n"),
		np("b-in", "default", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: c}}}]}]\n")),
		want: []string{"default/a in=all out=-", "default/b in=- out=all", "default/c -> default/b: all ports", "default/c in=all out=all"}},
	{name: "ports are the intersection of both sides", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"),
		np("a-out", "default", "  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n  egress: [{to: [{podSelector: {matchLabels: {app: b}}}], ports: [{port: 8000, endPort: 8100}]}]\n"),
		np("b-in", "default", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}], ports: [{port: 8080}, {port: 9000}, {port: 8080, protocol: UDP}]}]\n")),
		want: []string{"default/a -> default/b: TCP 8080", "default/a in=all out=-", "default/b in=- out=all"}},
	{name: "policies are additive", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"),
		np("deny", "default", "  podSelector: {}\n  policyTypes: [Ingress]\n"),
		np("b-80", "default", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}], ports: [{port: 80}]}]\n"),
		np("b-443", "default", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}], ports: [{port: 443}]}]\n")),
		want: []string{"default/a -> default/b: TCP 80, TCP 443", "default/a in=- out=all", "default/b in=- out=all"}},
	{name: "a policy in another namespace selects nothing here", src: docs(dep("a", "shop", "{app: a}"),
		np("deny", "other", "  podSelector: {}\n  policyTypes: [Ingress]\n")),
		want: []string{"shop/a in=all out=all"}},
	{name: "a peer no workload of the input matches is a node of its own (operator-made pods)", src: docs(dep("grafana", "monitoring", "{app: grafana}", "http=3000"),
		np("grafana", "monitoring", "  podSelector: {matchLabels: {app: grafana}}\n  ingress: [{from: [{podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}], ports: [{port: 3000}]}]\n")),
		want: []string{"monitoring/grafana in=- out=all", "pods app.kubernetes.io/name=prometheus in monitoring (none in the input) -> monitoring/grafana: TCP 3000"}},
	{name: "Cilium policy: edges approximate", src: docs(dep("a", "default", "{app: a}"), dep("b", "default", "{app: b}"),
		np("b-in", "default", "  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]\n"),
		"apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: default}\nspec:\n  endpointSelector: {matchLabels: {app: a}}\n  egress: [{toEndpoints: [{matchLabels: {app: b}}]}]\n"),
		want: []string{"default/a -> default/b: all ports ~", "default/a in=all out=all", "default/b in=- out=all"}},
}

func TestPolicyCases(t *testing.T) {
	for _, group := range []struct {
		name  string
		cases []policyCase
	}{{"docs", docsCases}, {"recipes", recipeCases}, {"model", modelCases}} {
		for _, c := range group.cases {
			t.Run(group.name+"/"+c.name, func(t *testing.T) {
				g := build(t, map[string]string{"test.yaml": c.src})
				got := summary(g)
				want := slices.Clone(c.want)
				sort.Strings(want)
				if !slices.Equal(got, want) {
					t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
			})
		}
	}
}

// Two directories of plain manifests are two deploy units: the implicit namespace of one
// is not the other's, so a default deny in one isolates nothing in the other.
func TestDeployUnits(t *testing.T) {
	g := build(t, map[string]string{
		"a/app.yaml": docs(dep("web", "", "{app: web}"), np("deny", "default", "  podSelector: {}\n  policyTypes: [Ingress]\n")),
		"b/app.yaml": dep("web", "", "{app: web}"),
	})
	got := summary(g)
	want := []string{"default/web in=- out=all", "default/web in=all out=all"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// The policy names "default": unit a's implicit namespace is that named one.
	if len(g.Namespaces) != 2 || g.Namespaces[0].ID != "default" || g.Namespaces[1].ID != "default@b" {
		t.Errorf("namespaces: %+v %+v", g.Namespaces[0], g.Namespaces[1])
	}
}

// A policy whose spec does not decode is left out with a note, not a panic.
func TestUndecodablePolicy(t *testing.T) {
	g := build(t, map[string]string{"x.yaml": docs(dep("web", "default", "{app: web}"),
		np("bad", "default", "  podSelector: {}\n  ingress: [{ports: [{port: [1]}]}]\n"))})
	if len(g.Notes) != 1 || !strings.Contains(g.Notes[0], "NetworkPolicy default/bad (x.yaml) left out") {
		t.Errorf("notes: %q", g.Notes)
	}
	if got := summary(g); !slices.Equal(got, []string{"default/web in=all out=all"}) {
		t.Errorf("got %q", got)
	}
}

// NodeOf finds a workload's node by its object, as access paths attach to the graph.
func TestNodeOf(t *testing.T) {
	res := manifest.Parse("x.yaml", []byte(docs(dep("web", "shop", "{app: web}"), np("deny", "shop", "  podSelector: {}\n"))), manifest.DefaultLimits)
	g := FromObjects(res.Objects, &check.Settings{})
	if n := g.NodeOf(res.Objects[0]); n == nil || n.ID != "shop/Deployment/web" {
		t.Errorf("NodeOf(web) = %+v", n)
	}
	if n := g.NodeOf(res.Objects[1]); n != nil {
		t.Errorf("NodeOf(policy) = %+v, want nil", n)
	}
}

// An input without workloads is an empty graph whose lists are [] in JSON.
func TestEmptyGraphJSON(t *testing.T) {
	g := build(t, map[string]string{"x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
	var b strings.Builder
	if err := JSON(&b, g); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"namespaces\": [],\n  \"nodes\": [],\n  \"edges\": []\n}\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
