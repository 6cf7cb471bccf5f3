package access

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// file is one input file of a test.
type file struct{ name, src string }

// analyzeFiles parses the files and analyses them as one run.
func analyzeFiles(t testing.TB, s *check.Settings, files ...file) *Model {
	t.Helper()
	var facts []check.Fact
	for _, f := range files {
		res := manifest.Parse(f.name, []byte(f.src), manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatalf("parse %s: %v", f.name, res.Err)
		}
		for _, o := range res.Objects {
			if v := Facts.Of(o, s); v != nil {
				facts = append(facts, check.Fact{Object: o, Value: v})
			}
			o.Release() // as the engine does: the model must not need the trees
		}
	}
	return Analyze(facts, s)
}

// summary renders a model as one line per grant: "Deployment/api sa=api: read-secrets
// via RoleBinding/b → Role/r rules[0] in shop".
func summary(m *Model) []string {
	var out []string
	for _, w := range m.Workloads() {
		head := fmt.Sprintf("%s/%s sa=%s", w.Object.Ref.Kind, w.Object.Ref.Name, w.Account)
		if len(w.Grants) == 0 {
			out = append(out, head+": none")
		}
		for _, g := range w.Grants {
			where := "cluster-wide"
			if !g.ClusterWide() {
				where = "in " + g.Scope
			}
			src := ""
			if g.Source.Name != g.Role.Name {
				src = " from " + g.Source.Kind + "/" + g.Source.Name
			}
			out = append(out, fmt.Sprintf("%s: %s via %s/%s → %s/%s%s rules[%d] %s", head, g.Capability,
				g.Binding.Kind, g.Binding.Name, g.Role.Kind, g.Role.Name, src, g.Rule, where))
		}
	}
	return out
}

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{name: app, image: app:1}]
`

const deployDefault = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: app, image: app:1}]
`

func doc(parts ...string) string { return strings.Join(parts, "---\n") }

func roleDoc(kind, name, ns string, rules ...string) string {
	meta := "{name: " + name + "}"
	if ns != "" {
		meta = "{name: " + name + ", namespace: " + ns + "}"
	}
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: " + meta + "\nrules:\n" + strings.Join(rules, "")
}

func rule(groups, resources, verbs string, extra ...string) string {
	s := "  - {apiGroups: " + groups + ", resources: " + resources + ", verbs: " + verbs
	for _, e := range extra {
		s += ", " + e
	}
	return s + "}\n"
}

func bindingDoc(kind, name, ns, roleKind, roleName string, subjects ...string) string {
	meta := "{name: " + name + "}"
	if ns != "" {
		meta = "{name: " + name + ", namespace: " + ns + "}"
	}
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: " + meta +
		"\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: " + roleKind + ", name: " + roleName + "}\nsubjects:\n" +
		strings.Join(subjects, "")
}

func saSubject(name, ns string) string {
	if ns == "" {
		return "  - {kind: ServiceAccount, name: " + name + "}\n"
	}
	return "  - {kind: ServiceAccount, name: " + name + ", namespace: " + ns + "}\n"
}

func groupSubject(name string) string {
	return "  - {kind: Group, name: \"" + name + "\", apiGroup: rbac.authorization.k8s.io}\n"
}

func TestAnalyze(t *testing.T) {
	secretReader := roleDoc("Role", "secret-reader", "shop", rule(`[""]`, `["secrets"]`, `["get", "list"]`))
	cases := []struct {
		name  string
		files []file
		want  []string
	}{
		{"RoleBinding to a Role in the namespace",
			[]file{{"a.yaml", doc(deploy, secretReader, bindingDoc("RoleBinding", "api-secrets", "shop", "Role", "secret-reader", saSubject("api", "")))}},
			[]string{"Deployment/api sa=api: read-secrets via RoleBinding/api-secrets → Role/secret-reader rules[0] in shop"}},
		{"a Role of another namespace is not the binding's",
			[]file{{"a.yaml", doc(deploy, roleDoc("Role", "secret-reader", "other", rule(`[""]`, `["secrets"]`, `["get"]`)),
				bindingDoc("RoleBinding", "b", "shop", "Role", "secret-reader", saSubject("api", "shop")))}},
			[]string{"Deployment/api sa=api: none"}},
		{"another account's binding",
			[]file{{"a.yaml", doc(deploy, secretReader, bindingDoc("RoleBinding", "b", "shop", "Role", "secret-reader", saSubject("worker", "")))}},
			[]string{"Deployment/api sa=api: none"}},
		{"cluster-admin is known without the input defining it",
			[]file{{"a.yaml", doc(deploy, bindingDoc("ClusterRoleBinding", "ops", "", "ClusterRole", "cluster-admin", saSubject("api", "shop")))}},
			[]string{"Deployment/api sa=api: cluster-admin via ClusterRoleBinding/ops → ClusterRole/cluster-admin rules[-1] cluster-wide"}},
		{"edit through a RoleBinding, and what aggregates into it",
			[]file{{"a.yaml", doc(deploy, bindingDoc("RoleBinding", "dev", "shop", "ClusterRole", "edit", saSubject("api", "shop")),
				"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: crd-edit\n  labels: {rbac.authorization.k8s.io/aggregate-to-edit: \"true\"}\nrules:\n"+
					rule(`[""]`, `["serviceaccounts/token"]`, `["create"]`))}},
			[]string{
				"Deployment/api sa=api: read-secrets via RoleBinding/dev → ClusterRole/edit rules[-1] in shop",
				"Deployment/api sa=api: exec via RoleBinding/dev → ClusterRole/edit rules[-1] in shop",
				"Deployment/api sa=api: create-workloads via RoleBinding/dev → ClusterRole/edit rules[-1] in shop",
				"Deployment/api sa=api: token-create via RoleBinding/dev → ClusterRole/edit from ClusterRole/crd-edit rules[0] in shop",
			}},
		{"view grants none of the capabilities",
			[]file{{"a.yaml", doc(deploy, bindingDoc("ClusterRoleBinding", "v", "", "ClusterRole", "view", saSubject("api", "shop")))}},
			[]string{"Deployment/api sa=api: none"}},
		{"cluster-scoped resources only through a ClusterRoleBinding",
			[]file{{"a.yaml", doc(deploy, roleDoc("ClusterRole", "kubelet", "", rule(`[""]`, `["nodes/proxy"]`, `["get"]`)),
				bindingDoc("RoleBinding", "in-ns", "shop", "ClusterRole", "kubelet", saSubject("api", "")),
				bindingDoc("ClusterRoleBinding", "everywhere", "", "ClusterRole", "kubelet", saSubject("api", "shop")))}},
			[]string{"Deployment/api sa=api: node-proxy via ClusterRoleBinding/everywhere → ClusterRole/kubelet rules[0] cluster-wide"}},
		{"the service account groups",
			[]file{{"a.yaml", doc(deployDefault, roleDoc("ClusterRole", "exec", "", rule(`[""]`, `["pods/exec"]`, `["create"]`)),
				bindingDoc("ClusterRoleBinding", "ns-group", "", "ClusterRole", "exec", groupSubject("system:serviceaccounts:shop")),
				bindingDoc("ClusterRoleBinding", "other-ns", "", "ClusterRole", "exec", groupSubject("system:serviceaccounts:dev")),
				bindingDoc("ClusterRoleBinding", "all", "", "ClusterRole", "exec", groupSubject("system:serviceaccounts")),
				bindingDoc("ClusterRoleBinding", "people", "", "ClusterRole", "exec", groupSubject("system:authenticated")),
				bindingDoc("ClusterRoleBinding", "anonymous", "", "ClusterRole", "exec", groupSubject("system:unauthenticated")))}},
			[]string{
				"Deployment/web sa=default: exec via ClusterRoleBinding/ns-group → ClusterRole/exec rules[0] cluster-wide",
				"Deployment/web sa=default: exec via ClusterRoleBinding/all → ClusterRole/exec rules[0] cluster-wide",
				"Deployment/web sa=default: exec via ClusterRoleBinding/people → ClusterRole/exec rules[0] cluster-wide",
			}},
		{"a service account user name",
			[]file{{"a.yaml", doc(deploy, roleDoc("ClusterRole", "esc", "", rule(`["rbac.authorization.k8s.io"]`, `["clusterroles"]`, `["escalate"]`)),
				bindingDoc("ClusterRoleBinding", "u", "", "ClusterRole", "esc", "  - {kind: User, name: \"system:serviceaccount:shop:api\"}\n"))}},
			[]string{"Deployment/api sa=api: escalate via ClusterRoleBinding/u → ClusterRole/esc rules[0] cluster-wide"}},
		{"an aggregated ClusterRole gets the rules its selectors match",
			[]file{{"a.yaml", doc(deploy,
				"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg}\naggregationRule:\n  clusterRoleSelectors: [{matchLabels: {team: a}}]\nrules: []\n",
				"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: part, labels: {team: a}}\nrules:\n"+rule(`[""]`, `["pods"]`, `["get"]`)+rule(`["*"]`, `["*"]`, `["*"]`),
				"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: unrelated, labels: {team: b}}\nrules:\n"+rule(`[""]`, `["secrets"]`, `["list"]`),
				bindingDoc("ClusterRoleBinding", "b", "", "ClusterRole", "agg", saSubject("api", "shop")))}},
			[]string{"Deployment/api sa=api: cluster-admin via ClusterRoleBinding/b → ClusterRole/agg from ClusterRole/part rules[1] cluster-wide"}},
		{"implicit namespaces of two directories do not meet",
			[]file{
				{"a/deploy.yaml", strings.Replace(deploy, ", namespace: shop", "", 1)},
				{"b/rbac.yaml", doc(roleDoc("Role", "r", "", rule(`[""]`, `["secrets"]`, `["get"]`)), bindingDoc("RoleBinding", "b", "", "Role", "r", saSubject("api", "")))},
			},
			[]string{"Deployment/api sa=api: none"}},
		{"a subject's namespace is the implicit one of its unit",
			[]file{{"a/all.yaml", doc(strings.Replace(deploy, ", namespace: shop", "", 1),
				bindingDoc("ClusterRoleBinding", "b", "", "ClusterRole", "cluster-admin", saSubject("api", "default")))}},
			[]string{"Deployment/api sa=api: cluster-admin via ClusterRoleBinding/b → ClusterRole/cluster-admin rules[-1] cluster-wide"}},
		{"a missing role grants nothing the model can see",
			[]file{{"a.yaml", doc(deploy, bindingDoc("RoleBinding", "b", "shop", "Role", "absent", saSubject("api", "")))}},
			[]string{"Deployment/api sa=api: none"}},
		{"resourceNames: named Secrets are not reading Secrets, exec on named pods is exec",
			[]file{{"a.yaml", doc(deploy, roleDoc("Role", "r", "shop",
				rule(`[""]`, `["secrets"]`, `["get"]`, `resourceNames: [own]`),
				rule(`[""]`, `["pods/exec"]`, `["create"]`, `resourceNames: [debug]`),
				rule(`[""]`, `["pods"]`, `["create"]`, `resourceNames: [x]`)),
				bindingDoc("RoleBinding", "b", "shop", "Role", "r", saSubject("api", "")))}},
			[]string{"Deployment/api sa=api: exec via RoleBinding/b → Role/r rules[1] in shop"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := summary(analyzeFiles(t, nil, tc.files...))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestWorkloadFields(t *testing.T) {
	sa := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: shop}\n"
	other := "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: other, namespace: shop}\n"
	m := analyzeFiles(t, nil, file{"a.yaml", doc(deploy, deployDefault, sa, other,
		bindingDoc("RoleBinding", "b", "shop", "ClusterRole", "view", saSubject("api", ""), groupSubject("system:serviceaccounts")))})
	ws := m.Workloads()
	if len(ws) != 2 {
		t.Fatalf("%d workloads", len(ws))
	}
	api, web := ws[0], ws[1]
	if !api.AccountNamed || api.Path.String() != "spec.template.spec.serviceAccountName" || api.At.Line != 7 {
		t.Errorf("api: named %v at %s line %d", api.AccountNamed, api.Path, api.At.Line)
	}
	if web.AccountNamed || web.Path.String() != "spec.template.spec" || web.At.Line != 16 {
		t.Errorf("web: named %v at %s line %d", web.AccountNamed, web.Path, web.At.Line)
	}
	if !api.AccountDefined || web.AccountDefined || api.NamespaceAccounts != 2 {
		t.Errorf("defined: api %v, web %v, accounts %d", api.AccountDefined, web.AccountDefined, api.NamespaceAccounts)
	}
	// One path per binding: the subject naming the account, not the group after it.
	if len(api.Bindings) != 1 || api.Bindings[0].Subject != 0 || api.Bindings[0].Group != "" || api.Bindings[0].At.Line != 31 {
		t.Errorf("api bindings: %+v", api.Bindings)
	}
	if len(web.Bindings) != 1 || web.Bindings[0].Group != "system:serviceaccounts" || web.Bindings[0].Subject != 1 {
		t.Errorf("web bindings: %+v", web.Bindings)
	}
	if b := api.Bindings[0]; b.Namespace != "shop" || b.Role.Kind != "ClusterRole" || b.Role.Name != "view" || !b.Role.Builtin {
		t.Errorf("binding ref: %+v", b)
	}
}

// Grants share their references: the bound role is the binding's, and the source is the
// bound role itself unless a rule comes from an aggregated ClusterRole.
func TestGrantReferences(t *testing.T) {
	m := analyzeFiles(t, nil, file{"a.yaml", doc(deploy, deploy,
		roleDoc("Role", "r", "shop", rule(`[""]`, `["secrets"]`, `["get"]`)),
		bindingDoc("RoleBinding", "b", "shop", "Role", "r", saSubject("api", "")))})
	ws := m.Workloads()
	if len(ws) != 2 || len(ws[0].Grants) != 1 {
		t.Fatalf("model: %s", summary(m))
	}
	g := ws[0].Grants[0]
	if g.Role != &g.Binding.Role || g.Source != g.Role || g.Rule != 0 || g.Role.Object == nil {
		t.Errorf("grant references: %+v", g)
	}
	if ws[1].Grants[0].Binding != g.Binding {
		t.Errorf("two workloads of one account do not share the binding's path")
	}
	if subs := m.AccountSubjects(); len(subs) != 1 || subs[0] != g.Binding || subs[0].Account != "api" || subs[0].AccountNamespace != "shop" {
		t.Errorf("account subjects: %+v", subs)
	}
}

func TestAccountSubjects(t *testing.T) {
	m := analyzeFiles(t, nil, file{"a.yaml", doc(
		bindingDoc("ClusterRoleBinding", "c", "", "ClusterRole", "view", groupSubject("system:serviceaccounts"),
			"  - {kind: User, name: \"system:serviceaccount:dev:default\"}\n", saSubject("ci", "tools")),
		bindingDoc("RoleBinding", "r", "shop", "Role", "x", saSubject("default", "")))})
	var got []string
	for _, s := range m.AccountSubjects() {
		got = append(got, fmt.Sprintf("%s/%s[%d] %s/%s", s.Kind, s.Name, s.Subject, s.AccountNamespace, s.Account))
	}
	want := "ClusterRoleBinding/c[1] dev/default,ClusterRoleBinding/c[2] tools/ci,RoleBinding/r[0] shop/default"
	if strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestRuleCapabilities(t *testing.T) {
	cases := []struct {
		rule       Rule
		namespaced bool
		want       string
	}{
		{Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, false, "[cluster-admin]"},
		{Rule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}, ResourceNames: []string{"x"}}, false, "[escalate node-proxy token-create exec]"},
		{Rule{APIGroups: []string{""}, Resources: []string{"*"}, Verbs: []string{"get"}}, true, "[read-secrets exec]"},
		{Rule{APIGroups: []string{""}, Resources: []string{"*/exec"}, Verbs: []string{"create"}}, true, "[exec]"},
		{Rule{APIGroups: []string{""}, Resources: []string{"pods/*"}, Verbs: []string{"create"}}, true, "[]"},
		{Rule{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"}}, true, "[]"},
		{Rule{APIGroups: []string{""}, Resources: []string{"users"}, Verbs: []string{"impersonate"}}, false, "[escalate]"},
		{Rule{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"clusterroles"}, Verbs: []string{"bind"}, ResourceNames: []string{"view"}}, false, "[]"},
		{Rule{APIGroups: []string{"batch"}, Resources: []string{"cronjobs"}, Verbs: []string{"create", "delete"}}, true, "[create-workloads]"},
		{Rule{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"update"}}, true, "[]"},
		{Rule{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}, false, "[]"},
	}
	for _, tc := range cases {
		if got := fmt.Sprint(tc.rule.Capabilities(tc.namespaced)); got != tc.want {
			t.Errorf("%+v (namespaced %v): %s, want %s", tc.rule, tc.namespaced, got, tc.want)
		}
	}
}

// TestLinear holds Analyze to linear work: n workloads with their own accounts, roles
// and bindings, and n aggregated roles, analysed in time that grows with n, not n².
func TestLinear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	build := func(n int) []file {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "---\n%s---\n%s---\n%s", strings.ReplaceAll(deploy, "api", fmt.Sprintf("api%d", i)),
				roleDoc("Role", fmt.Sprintf("r%d", i), "shop", rule(`[""]`, `["secrets"]`, `["get"]`)),
				bindingDoc("RoleBinding", fmt.Sprintf("b%d", i), "shop", "Role", fmt.Sprintf("r%d", i), saSubject(fmt.Sprintf("api%d", i), "")))
		}
		return []file{{"a.yaml", b.String()}}
	}
	run := func(n int) float64 {
		files := build(n)
		r := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				m := analyzeFiles(b, nil, files...)
				if len(m.Workloads()) != n || len(m.Workloads()[n-1].Grants) != 1 {
					b.Fatalf("wrong model")
				}
			}
		})
		return float64(r.NsPerOp()) / float64(n)
	}
	small, large := run(200), run(2000)
	if large > 4*small {
		t.Errorf("per-object cost grows with n: %.0f ns at 200, %.0f ns at 2000", small, large)
	}
}

// TestImplicitDefaultAccountStaysInItsUnit: pods that name no account reach the bindings
// of their namespace's "default" account only in their own deploy unit; a workload that
// names its account (even "default") reaches them wherever they are written, and with
// deployScope: repository the whole input is one unit.
func TestImplicitDefaultAccountStaysInItsUnit(t *testing.T) {
	admin := bindingDoc("ClusterRoleBinding", "default-admin", "", "ClusterRole", "cluster-admin", saSubject("default", "shop"))
	namedDefault := strings.Replace(deployDefault, "    spec:\n", "    spec:\n      serviceAccountName: default\n", 1)
	other := func(s *check.Settings, workload string) []string {
		return summary(analyzeFiles(t, s, file{"tests/rbac/admin.yaml", admin}, file{"apps/web/web.yaml", workload}))
	}
	reached := []string{"Deployment/web sa=default: cluster-admin via ClusterRoleBinding/default-admin → ClusterRole/cluster-admin rules[-1] cluster-wide"}
	for _, tc := range []struct {
		name string
		got  []string
		want []string
	}{
		{"same unit", summary(analyzeFiles(t, nil, file{"apps/web/admin.yaml", admin}, file{"apps/web/web.yaml", deployDefault})), reached},
		{"another unit, account implicit", other(nil, deployDefault), []string{"Deployment/web sa=default: none"}},
		{"another unit, account named", other(nil, namedDefault), reached},
		{"deployScope repository", other(&check.Settings{DeployScope: check.ScopeRepository}, deployDefault), reached},
	} {
		if strings.Join(tc.got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, tc.got, tc.want)
		}
	}
}
