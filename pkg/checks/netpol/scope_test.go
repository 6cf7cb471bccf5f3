package netpol

import (
	"sort"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// runFiles parses each file under its own name, so that files of different directories
// are different deploy units, and runs the checks over all of them as one lint run.
func runFiles(t *testing.T, files map[string]string, settings *check.Settings, ids ...string) []string {
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
	var cs []*check.Check
	for _, id := range ids {
		cs = append(cs, check.Lookup(id))
	}
	var out []string
	for _, f := range lint.RunChecks(cs, objs, settings) {
		out = append(out, shortAt(f))
	}
	return out
}

func shortAt(f finding.Finding) string {
	return f.File + ":" + itoa(f.Line) + " " + f.Check + " " + f.Path
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

var allNetpol = []string{"namespace-without-network-policy", "no-default-deny-ingress", "no-default-deny-egress",
	"network-policy-selects-nothing", "workload-without-network-policy"}

func netpolNoNS(name, spec string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\nspec:\n" + spec
}

// Objects that name no namespace meet only within their deploy unit: one sample's policy
// says nothing about another sample, and the namespace finding stays in its own unit.
func TestDeployUnits(t *testing.T) {
	onlyA := "  podSelector:\n    matchLabels: {app: a}\n"
	cases := []struct {
		name     string
		files    map[string]string
		settings *check.Settings
		want     []string
	}{
		{
			name: "samples side by side do not relate",
			files: map[string]string{
				"samples/one/app.yaml":    docs(deploy("a", "", "{app: a}"), netpolNoNS("a", onlyA)),
				"samples/two/worker.yaml": deploy("w", "", "{app: w}"),
			},
			want: []string{
				"samples/one/app.yaml:1 no-default-deny-egress ",
				"samples/one/app.yaml:1 no-default-deny-ingress ",
				"samples/two/worker.yaml:1 namespace-without-network-policy ",
			},
		},
		{
			name: "one directory is one unit",
			files: map[string]string{
				"app/api.yaml":    deploy("a", "", "{app: a}"),
				"app/policy.yaml": netpolNoNS("a", onlyA),
				"app/worker.yaml": deploy("w", "", "{app: w}"),
			},
			want: []string{
				"app/api.yaml:1 no-default-deny-egress ",
				"app/api.yaml:1 no-default-deny-ingress ",
				"app/worker.yaml:1 workload-without-network-policy ",
			},
		},
		{
			name: "named namespaces meet across units",
			files: map[string]string{
				"policies/deny.yaml": netpolDoc("deny", "shop", denyAll),
				"apps/api.yaml":      deploy("a", "shop", "{app: a}"),
			},
		},
		{
			name: "a named namespace does not meet another unit's implicit one",
			files: map[string]string{
				"policies/deny.yaml": netpolDoc("deny", "default", denyAll),
				"apps/api.yaml":      deploy("a", "", "{app: a}"),
			},
			want: []string{"apps/api.yaml:1 namespace-without-network-policy "},
		},
		{
			name: "a unit that names the namespace it defaults to meets it",
			files: map[string]string{
				"app/deny.yaml": netpolDoc("deny", "default", denyAll),
				"app/api.yaml":  deploy("a", "", "{app: a}"),
			},
		},
		{
			name: "deployScope repository relates every unit",
			files: map[string]string{
				"samples/one/app.yaml":    docs(deploy("a", "", "{app: a}"), netpolNoNS("a", onlyA)),
				"samples/two/worker.yaml": deploy("w", "", "{app: w}"),
			},
			settings: &check.Settings{DeployScope: check.ScopeRepository},
			want: []string{
				"samples/one/app.yaml:1 no-default-deny-egress ",
				"samples/one/app.yaml:1 no-default-deny-ingress ",
				"samples/two/worker.yaml:1 workload-without-network-policy ",
			},
		},
		{
			name: "--namespace names the namespace of every unit",
			files: map[string]string{
				"policies/deny.yaml": netpolNoNS("deny", denyAll),
				"apps/api.yaml":      deploy("a", "", "{app: a}"),
			},
			settings: &check.Settings{Namespace: "shop"},
		},
		{
			name: "namespace findings go to the metadata.namespace line",
			files: map[string]string{
				"apps/api.yaml": docs(deploy("a", "shop", "{app: a}"), netpolDoc("a", "shop", onlyA)),
			},
			want: []string{
				"apps/api.yaml:5 no-default-deny-egress metadata.namespace",
				"apps/api.yaml:5 no-default-deny-ingress metadata.namespace",
			},
		},
		{
			name: "the Namespace object of another unit is the anchor",
			files: map[string]string{
				"cluster/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
				"apps/api.yaml":   docs(deploy("a", "shop", "{app: a}"), netpolDoc("a", "shop", onlyA)),
			},
			want: []string{
				"cluster/ns.yaml:4 no-default-deny-egress metadata.name",
				"cluster/ns.yaml:4 no-default-deny-ingress metadata.name",
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := runFiles(t, tc.files, tc.settings, allNetpol...)
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings differ\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

func ciliumDoc(kind, name, ns, body string) string {
	nsLine := ""
	if ns != "" {
		nsLine = "\n  namespace: " + ns
	}
	return "apiVersion: cilium.io/v2\nkind: " + kind + "\nmetadata:\n  name: " + name + nsLine + "\n" + body
}

func calicoDoc(api, kind, name, ns, body string) string {
	nsLine := ""
	if ns != "" {
		nsLine = "\n  namespace: " + ns
	}
	return "apiVersion: " + api + "\nkind: " + kind + "\nmetadata:\n  name: " + name + nsLine + "\n" + body
}

// Cilium and Calico policies cover the pods they select.
func TestForeignPoliciesCover(t *testing.T) {
	two := docs(deploy("a", "shop", "{app: a}"), deploy("b", "shop", "{app: b, tier: db}"))
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{name: "no policy", src: two, want: []string{
			"test.yaml:5 namespace-without-network-policy metadata.namespace", "test.yaml:19 namespace-without-network-policy metadata.namespace"}},
		{name: "cilium empty endpointSelector selects all",
			src: docs(two, ciliumDoc("CiliumNetworkPolicy", "all", "shop", "spec:\n  endpointSelector: {}\n  ingress: [{}]\n"))},
		{name: "cilium selects one with k8s: prefix", src: docs(two, ciliumDoc("CiliumNetworkPolicy", "a", "shop", "spec:\n  endpointSelector:\n    matchLabels: {'k8s:app': a}\n")),
			want: []string{"test.yaml:15 workload-without-network-policy "}},
		{name: "cilium specs list", src: docs(two, ciliumDoc("CiliumNetworkPolicy", "ab", "shop", "specs:\n  - endpointSelector: {matchLabels: {app: a}}\n  - endpointSelector: {matchExpressions: [{key: 'any:tier', operator: In, values: [db]}]}\n"))},
		{name: "cilium policy in another namespace", src: docs(two, ciliumDoc("CiliumNetworkPolicy", "all", "other", "spec:\n  endpointSelector: {}\n")), want: []string{
			"test.yaml:5 namespace-without-network-policy metadata.namespace", "test.yaml:19 namespace-without-network-policy metadata.namespace"}},
		{name: "cilium host policy selects no pod", src: docs(two, ciliumDoc("CiliumClusterwideNetworkPolicy", "host", "", "spec:\n  nodeSelector: {}\n")), want: []string{
			"test.yaml:5 namespace-without-network-policy metadata.namespace", "test.yaml:19 namespace-without-network-policy metadata.namespace"}},
		{name: "cilium clusterwide by namespace label", src: docs(two, ciliumDoc("CiliumClusterwideNetworkPolicy", "shop", "", "spec:\n  endpointSelector:\n    matchLabels: {'k8s:io.kubernetes.pod.namespace': shop}\n"))},
		{name: "cilium clusterwide selecting elsewhere", src: docs(two, ciliumDoc("CiliumClusterwideNetworkPolicy", "blog", "", "spec:\n  endpointSelector:\n    matchLabels: {'k8s:io.kubernetes.pod.namespace': blog}\n")), want: []string{
			"test.yaml:5 namespace-without-network-policy metadata.namespace", "test.yaml:19 namespace-without-network-policy metadata.namespace"}},
		{name: "calico v3 selects one", src: docs(two, calicoDoc("projectcalico.org/v3", "NetworkPolicy", "db", "shop", "spec:\n  selector: tier == 'db'\n")),
			want: []string{"test.yaml:1 workload-without-network-policy "}},
		{name: "calico crd v1 all()", src: docs(two, calicoDoc("crd.projectcalico.org/v1", "NetworkPolicy", "all", "shop", "spec:\n  selector: all()\n"))},
		{name: "calico absent selector is all()", src: docs(two, calicoDoc("projectcalico.org/v3", "NetworkPolicy", "all", "shop", "spec:\n  types: [Ingress]\n"))},
		{name: "calico global by namespace", src: docs(two, calicoDoc("projectcalico.org/v3", "GlobalNetworkPolicy", "g", "", "spec:\n  selector: projectcalico.org/namespace == 'shop'\n"))},
		{name: "calico global namespaceSelector against the Namespace object",
			src: docs("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: blue}\n", two,
				calicoDoc("projectcalico.org/v3", "GlobalNetworkPolicy", "g", "", "spec:\n  namespaceSelector: team == 'red'\n  selector: all()\n")),
			want: []string{"test.yaml:11 namespace-without-network-policy metadata.namespace", "test.yaml:25 namespace-without-network-policy metadata.namespace"}},
		{name: "calico global namespaceSelector that matches",
			src: docs("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: blue}\n", two,
				calicoDoc("projectcalico.org/v3", "GlobalNetworkPolicy", "g", "", "spec:\n  namespaceSelector: team == 'blue' && projectcalico.org/name == 'shop'\n  selector: all()\n"))},
		{name: "calico unparsable selector selects all", src: docs(two, calicoDoc("projectcalico.org/v3", "NetworkPolicy", "bad", "shop", "spec:\n  selector: app === a\n"))},
		{name: "calico staged policy is not enforced", src: docs(two, calicoDoc("projectcalico.org/v3", "StagedNetworkPolicy", "s", "shop", "spec:\n  selector: all()\n")), want: []string{
			"test.yaml:5 namespace-without-network-policy metadata.namespace", "test.yaml:19 namespace-without-network-policy metadata.namespace"}},
		{name: "default deny stays a Kubernetes NetworkPolicy matter",
			src:  docs(two, netpolDoc("a", "shop", "  podSelector:\n    matchLabels: {app: a}\n"), calicoDoc("projectcalico.org/v3", "NetworkPolicy", "db", "shop", "spec:\n  selector: tier == 'db'\n")),
			want: []string{"test.yaml:5 no-default-deny-egress metadata.namespace", "test.yaml:5 no-default-deny-ingress metadata.namespace"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := runFiles(t, map[string]string{"test.yaml": tc.src}, nil, allNetpol...)
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("findings differ\n got: %q\nwant: %q", got, want)
			}
		})
	}
	// The policies of Cilium and Calico are not NetworkPolicies to the dangling-selector
	// check: it reads podSelector.
	if got := checktest.Short(checktest.Run(t, docs(two, calicoDoc("projectcalico.org/v3", "NetworkPolicy", "x", "shop", "spec:\n  selector: app == 'zzz'\n")), "network-policy-selects-nothing")); len(got) != 0 {
		t.Errorf("selects-nothing on a Calico policy: %q", got)
	}
}

func TestCalicoSelector(t *testing.T) {
	l := map[string]string{"app": "web", "tier": "frontend", "env": "prod", "k8s-app": "x"}
	cases := []struct {
		sel  string
		want bool
	}{
		{"all()", true},
		{"global()", true},
		{"app == 'web'", true},
		{`app == "web"`, true},
		{"app == 'db'", false},
		{"app != 'db'", true},
		{"missing != 'x'", true},
		{"has(app)", true},
		{"has(missing)", false},
		{"!has(missing)", true},
		{"! has(app)", false},
		{"app in {'web', 'api'}", true},
		{"app in {}", false},
		{"missing in {'a'}", false},
		{"app not in {'web'}", false},
		{"missing not in {'a'}", true},
		{"tier contains 'front'", true},
		{"tier starts with 'fr'", true},
		{"tier ends with 'end'", true},
		{"tier ends with 'fr'", false},
		{"app == 'web' && env == 'prod'", true},
		{"app == 'web' && env == 'dev'", false},
		{"app == 'db' || env == 'prod'", true},
		{"app == 'db' || env == 'dev' && tier == 'frontend'", false},
		{"(app == 'db' || env == 'prod') && tier == 'frontend'", true},
		{"!(app == 'web')", false},
		{"k8s-app == 'x'", true},
		{"has(all)", false},
	}
	for _, tc := range cases {
		s, err := parseCalicoSelector(tc.sel)
		if err != nil {
			t.Errorf("%s: %v", tc.sel, err)
			continue
		}
		if got := s.matches(l); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.sel, got, tc.want)
		}
	}
	for _, bad := range []string{"", "app", "app ==", "app == web", "app == 'web", "(app == 'a'", "app in {'a'", "app in {'a' 'b'}",
		"has(app", "app == 'a' &&", "app not 'a'", "app starts 'a'", "app == 'a' extra", "&&", "app ~= 'a'"} {
		if _, err := parseCalicoSelector(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// A Cilium or Calico policy of the namespace that selects none of its workloads leaves
// them open, but the namespace does have a policy: the message must not say it has none.
func TestForeignPolicySelectingNothingMessage(t *testing.T) {
	src := docs(deploy("a", "shop", "{app: a}"),
		ciliumDoc("CiliumNetworkPolicy", "frontend", "shop", "spec:\n  endpointSelector:\n    matchLabels: {role: frontend}\n"),
		ciliumDoc("CiliumClusterwideNetworkPolicy", "elsewhere", "", "spec:\n  endpointSelector:\n    matchLabels: {role: frontend}\n"))
	fs := checktest.Run(t, src, "namespace-without-network-policy")
	if len(fs) != 1 {
		t.Fatalf("want one finding: %q", checktest.Short(fs))
	}
	want := `namespace "shop" has no NetworkPolicy that selects its workloads (CiliumNetworkPolicy "frontend" selects none of them): Deployment "a" accepts traffic from any pod`
	if !strings.HasPrefix(fs[0].Message, want) {
		t.Errorf("message\n got: %s\nwant: %s...", fs[0].Message, want)
	}
	// Without any policy of the namespace the message stays as it was.
	fs = checktest.Run(t, deploy("a", "shop", "{app: a}"), "namespace-without-network-policy")
	if len(fs) != 1 || !strings.HasPrefix(fs[0].Message, `namespace "shop" has no NetworkPolicy: `) {
		t.Errorf("plain namespace: %q", checktest.Short(fs))
	}
}
