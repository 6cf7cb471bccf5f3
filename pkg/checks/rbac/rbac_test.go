package rbac

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// rl renders one rule; rule i of a role starts on line 5+3*i when no rule has extra lines.
func rl(groups, resources, verbs string, extra ...string) string {
	s := fmt.Sprintf("  - apiGroups: %s\n    resources: %s\n    verbs: %s\n", groups, resources, verbs)
	for _, e := range extra {
		s += "    " + e + "\n"
	}
	return s
}

func role(rules ...string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: shop}\nrules:\n" + strings.Join(rules, "")
}

func clusterRole(rules ...string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n" + strings.Join(rules, "")
}

// bindingDoc renders a binding whose roleRef.name is on line 7 and subjects start on line 9.
func bindingDoc(kind, roleKind, roleName string, subjects ...string) string {
	return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: b, namespace: shop}\nroleRef:\n" +
		"  apiGroup: rbac.authorization.k8s.io\n  kind: " + roleKind + "\n  name: " + roleName + "\nsubjects:\n" + strings.Join(subjects, "")
}

func sa(name, ns string) string {
	return "  - {kind: ServiceAccount, name: " + name + ", namespace: " + ns + "}\n"
}

func group(name string) string {
	return "  - {kind: Group, name: \"" + name + "\", apiGroup: rbac.authorization.k8s.io}\n"
}

func user(name string) string {
	return "  - {kind: User, name: \"" + name + "\", apiGroup: rbac.authorization.k8s.io}\n"
}

func TestRegistered(t *testing.T) {
	ids := []string{"rbac-wildcard", "rbac-secrets-read", "rbac-pod-exec", "rbac-workload-create",
		"rbac-privilege-escalation-verbs", "rbac-token-create", "rbac-node-proxy", "rbac-csr-approval",
		"rbac-webhook-write", "rbac-cluster-admin-binding", "rbac-anonymous-binding",
		"workload-rbac-privileges", "default-service-account-bound", "workload-service-account-missing",
		"rbac-persistentvolume-create", "rbac-destructive-delete", "rbac-node-update", "rbac-service-status-update",
		"rbac-system-masters-binding"}
	for _, id := range ids {
		c := check.Lookup(id)
		if c == nil {
			t.Errorf("%s not registered", id)
			continue
		}
		if c.Category != "rbac" {
			t.Errorf("%s: category %q", id, c.Category)
		}
	}
	if got := len(rbacChecks()); got != len(ids) {
		t.Errorf("%d rbac checks registered, want %d", got, len(ids))
	}
}

// TestDocSnippets holds every check's Doc.Bad snippet to fire the check and its Good
// snippet to fire no rbac check at all (completeness is pkg/check's conformance test).
func TestDocSnippets(t *testing.T) {
	for _, c := range rbacChecks() {
		t.Run(c.ID, func(t *testing.T) {
			d := c.Doc
			// The snippets leave out apiVersion and metadata to stay short.
			full := func(s string) string {
				if strings.HasPrefix(s, "apiVersion:") {
					return s // a complete example, as the cross-object checks need
				}
				return "apiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: doc, namespace: shop}\n" + s
			}
			if fs := checktest.Run(t, full(d.Bad), c.ID); len(fs) == 0 {
				t.Errorf("Doc.Bad does not fire")
			}
			var ids []string
			for _, o := range rbacChecks() {
				ids = append(ids, o.ID)
			}
			if fs := checktest.Run(t, full(d.Good), ids...); len(fs) != 0 {
				t.Errorf("Doc.Good fires: %q", checktest.Short(fs))
			}
		})
	}
}

func TestWildcard(t *testing.T) {
	checktest.RunCases(t, "rbac-wildcard", []checktest.Case{
		{Name: "cluster-admin style", Src: clusterRole(rl(`["*"]`, `["*"]`, `["*"]`)),
			Want: []string{"rbac-wildcard@5:17 rules[0].apiGroups[0]"}},
		{Name: "verbs only, in the second rule at the second verb",
			Src:  role(rl(`[""]`, `["configmaps"]`, `["get"]`), rl(`["apps"]`, `["deployments"]`, `["get", "*"]`)),
			Want: []string{"rbac-wildcard@10:20 rules[1].verbs[1]"}},
		{Name: "resources only", Src: role(rl(`["batch"]`, `["*"]`, `["get"]`)),
			Want: []string{"rbac-wildcard@6:17 rules[0].resources[0]"}},
		{Name: "apiGroups only", Src: role(rl(`["*"]`, `["deployments"]`, `["get"]`)),
			Want: []string{"rbac-wildcard@5:17 rules[0].apiGroups[0]"}},
		{Name: "non-resource URLs",
			Src:  clusterRole("  - nonResourceURLs: [\"*\"]\n    verbs: [\"get\"]\n"),
			Want: []string{"rbac-wildcard@5:23 rules[0].nonResourceURLs[0]"}},
		{Name: "block style list", Src: clusterRole("  - apiGroups:\n      - apps\n    resources:\n      - deployments\n    verbs:\n      - get\n      - '*'\n"),
			Want: []string{"rbac-wildcard@11:9 rules[0].verbs[1]"}},
		{Name: "named everything", Src: role(rl(`["apps"]`, `["deployments"]`, `["get", "list", "watch"]`))},
		{Name: "*/subresource is left to the subresource checks", Src: role(rl(`[""]`, `["*/status"]`, `["get"]`))},
		{Name: "aggregated ClusterRole rules are written by the controller",
			Src: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg}\naggregationRule:\n  clusterRoleSelectors: [{matchLabels: {a: b}}]\nrules:\n" + rl(`["*"]`, `["*"]`, `["*"]`)},
		{Name: "a Role of another API group", Src: "apiVersion: example.com/v1\nkind: Role\nmetadata: {name: r}\nrules:\n" + rl(`["*"]`, `["*"]`, `["*"]`)},
		{Name: "rbac v1beta1 counts", Src: "apiVersion: rbac.authorization.k8s.io/v1beta1\nkind: Role\nmetadata: {name: r}\nrules:\n" + rl(`["*"]`, `["pods"]`, `["get"]`),
			Want: []string{"rbac-wildcard@5:17 rules[0].apiGroups[0]"}},
		{Name: "objects in a List", Src: "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRole\n    metadata: {name: r}\n    rules: [{apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}]\n",
			Want: []string{"rbac-wildcard@7:26 rules[0].apiGroups[0]"}},
	})
}

func TestWildcardSeverity(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      finding.Severity
	}{
		{"full in a ClusterRole", clusterRole(rl(`["*"]`, `["*"]`, `["*"]`)), finding.Critical},
		{"full in a Role", role(rl(`["*"]`, `["*"]`, `["*"]`)), finding.High},
		{"resources of the core group", role(rl(`[""]`, `["*"]`, `["get"]`)), finding.High},
		{"resources of a custom group", role(rl(`["example.com"]`, `["*"]`, `["*"]`)), finding.Medium},
		{"verbs on a custom resource", role(rl(`["example.com"]`, `["widgets"]`, `["*"]`)), finding.Low},
		{"verbs on a core resource", role(rl(`[""]`, `["configmaps"]`, `["*"]`)), finding.Medium},
		{"verbs on roles grant escalate and bind", role(rl(`["rbac.authorization.k8s.io"]`, `["roles"]`, `["*"]`)), finding.High},
		{"apiGroups alone", role(rl(`["*"]`, `["configmaps"]`, `["get"]`)), finding.Medium},
		{"apiGroups and verbs", role(rl(`["*"]`, `["configmaps"]`, `["*"]`)), finding.High},
		{"non-resource URLs", clusterRole("  - nonResourceURLs: [\"*\"]\n    verbs: [\"get\"]\n"), finding.Low},
		{"non-resource URLs and verbs", clusterRole("  - nonResourceURLs: [\"*\"]\n    verbs: [\"*\"]\n"), finding.Medium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, tc.src, "rbac-wildcard")
			if len(fs) != 1 || fs[0].Severity != tc.want {
				t.Fatalf("got %v, want one %s finding", fs, tc.want)
			}
		})
	}
}

// TestWildcardMessage: the message names what the stars cover; "*" in apiGroups and
// resources is every resource of every API group, not of "the listed" ones.
func TestWildcardMessage(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"resources of listed groups", role(rl(`["apps"]`, `["*"]`, `["get"]`)), "every resource and subresource of the listed API groups"},
		{"resources of every group", role(rl(`["*"]`, `["*"]`, `["get"]`)), "every resource and subresource in every API group"},
		{"resources and verbs of listed groups", role(rl(`["apps"]`, `["*"]`, `["*"]`)), "every verb on every resource of the listed API groups"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, tc.src, "rbac-wildcard")
			if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) {
				t.Fatalf("got %v, want one finding saying %q", fs, tc.want)
			}
		})
	}
}

func TestSecretsRead(t *testing.T) {
	checktest.RunCases(t, "rbac-secrets-read", []checktest.Case{
		{Name: "list and watch", Src: role(rl(`[""]`, `["secrets"]`, `["get", "list", "watch"]`)),
			Want: []string{"rbac-secrets-read@7:13 rules[0].verbs[0]"}},
		{Name: "at the first reading verb", Src: role(rl(`[""]`, `["configmaps", "secrets"]`, `["create", "watch"]`)),
			Want: []string{"rbac-secrets-read@7:23 rules[0].verbs[1]"}},
		{Name: "verbs *", Src: clusterRole(rl(`[""]`, `["secrets"]`, `["*"]`)),
			Want: []string{"rbac-secrets-read@7:13 rules[0].verbs[0]"}},
		{Name: "resources * in the core group", Src: role(rl(`[""]`, `["*"]`, `["list"]`)),
			Want: []string{"rbac-secrets-read@7:13 rules[0].verbs[0]"}},
		{Name: "apiGroups *", Src: role(rl(`["*"]`, `["secrets"]`, `["get"]`)),
			Want: []string{"rbac-secrets-read@7:13 rules[0].verbs[0]"}},
		{Name: "secrets of another API group", Src: role(rl(`["example.com"]`, `["secrets"]`, `["get", "list"]`))},
		{Name: "resources * of another API group", Src: role(rl(`["apps"]`, `["*"]`, `["get", "list"]`))},
		{Name: "write only", Src: role(rl(`[""]`, `["secrets"]`, `["create", "update", "delete"]`))},
		{Name: "resourceNames", Src: role(rl(`[""]`, `["secrets"]`, `["get", "watch"]`, `resourceNames: ["api-tls"]`))},
		{Name: "no apiGroups grants nothing", Src: role("  - resources: [\"secrets\"]\n    verbs: [\"get\"]\n")},
		{Name: "other resources", Src: role(rl(`[""]`, `["configmaps", "secrets/status"]`, `["get"]`))},
	})
	get := checktest.Run(t, role(rl(`[""]`, `["secrets"]`, `["get"]`)), "rbac-secrets-read")
	list := checktest.Run(t, role(rl(`[""]`, `["secrets"]`, `["get", "list"]`)), "rbac-secrets-read")
	if len(get) != 1 || get[0].Severity != finding.Medium || len(list) != 1 || list[0].Severity != finding.High {
		t.Errorf("get alone should be medium and list high: %v %v", get, list)
	}
	if msg := list[0].Message; !strings.Contains(msg, `Role "r" lets its subjects read Secrets ("get" and "list") in namespace "shop"`) {
		t.Errorf("message: %s", msg)
	}
}

func TestAggregatedIntoBuiltInRoles(t *testing.T) {
	src := strings.Replace(clusterRole(rl(`[""]`, `["secrets"]`, `["list"]`)), "metadata: {name: r}",
		"metadata: {name: r, labels: {rbac.authorization.k8s.io/aggregate-to-view: \"true\", rbac.authorization.k8s.io/aggregate-to-edit: \"true\"}}", 1)
	fs := checktest.Run(t, src, "rbac-secrets-read")
	if len(fs) != 1 || !strings.Contains(fs[0].Message, `built-in "edit" and "view" ClusterRole`) {
		t.Errorf("want the aggregation noted: %v", fs)
	}
	fs = checktest.Run(t, clusterRole(rl(`[""]`, `["secrets"]`, `["list"]`)), "rbac-secrets-read")
	if len(fs) != 1 || strings.Contains(fs[0].Message, "aggregate") {
		t.Errorf("no labels, no note: %v", fs)
	}
}

func TestPodExec(t *testing.T) {
	checktest.RunCases(t, "rbac-pod-exec", []checktest.Case{
		{Name: "exec", Src: role(rl(`[""]`, `["pods", "pods/exec"]`, `["get", "create"]`)),
			Want: []string{"rbac-pod-exec@6:25 rules[0].resources[1]"}},
		{Name: "attach and port-forward at the first", Src: clusterRole(rl(`[""]`, `["pods/portforward", "pods/attach"]`, `["create"]`)),
			Want: []string{"rbac-pod-exec@6:17 rules[0].resources[0]"}},
		{Name: "*/exec", Src: role(rl(`[""]`, `["*/exec"]`, `["create"]`)),
			Want: []string{"rbac-pod-exec@6:17 rules[0].resources[0]"}},
		{Name: "ephemeral containers", Src: role(rl(`[""]`, `["pods/ephemeralcontainers"]`, `["patch"]`)),
			Want: []string{"rbac-pod-exec@6:17 rules[0].resources[0]"}},
		{Name: "pods/* states the intent", Src: role(rl(`[""]`, `["pods/*"]`, `["create"]`)),
			Want: []string{"rbac-pod-exec@6:17 rules[0].resources[0]"}},
		{Name: "resourceNames narrow it but still allow exec", Src: role(rl(`[""]`, `["pods/exec"]`, `["create"]`, `resourceNames: ["debug"]`)),
			Want: []string{"rbac-pod-exec@6:17 rules[0].resources[0]"}},
		{Name: "pods/exec outside the core group", Src: role(rl(`["apps"]`, `["pods/exec"]`, `["create"]`))},
		{Name: "get on exec counts (older clients), get on ephemeral containers does not", Src: role(rl(`[""]`, `["pods/exec", "pods/ephemeralcontainers"]`, `["list", "watch", "get"]`)),
			Want: []string{"rbac-pod-exec@6:17 rules[0].resources[0]"}},
		{Name: "list on exec is nothing", Src: role(rl(`[""]`, `["pods/exec"]`, `["list", "watch"]`))},
		{Name: "logs and status", Src: role(rl(`[""]`, `["pods", "pods/log", "pods/status"]`, `["get", "create"]`))},
		{Name: "resources * is left to rbac-wildcard", Src: role(rl(`[""]`, `["*"]`, `["create"]`))},
	})
	fs := checktest.Run(t, role(rl(`[""]`, `["pods/*"]`, `["create"]`))+"---\n"+role(rl(`[""]`, `["pods/exec"]`, `["create"]`, `resourceNames: ["debug"]`)), "rbac-pod-exec")
	if len(fs) != 2 || fs[0].Severity != finding.Low || fs[1].Severity != finding.Medium {
		t.Errorf("pods/* should be low and resourceNames medium: %v", fs)
	}
}

func TestWorkloadCreate(t *testing.T) {
	checktest.RunCases(t, "rbac-workload-create", []checktest.Case{
		{Name: "deployments", Src: role(rl(`["apps"]`, `["deployments"]`, `["get", "list", "create", "update"]`)),
			Want: []string{"rbac-workload-create@7:28 rules[0].verbs[2]"}},
		{Name: "pods with verbs *", Src: role(rl(`[""]`, `["pods"]`, `["*"]`)),
			Want: []string{"rbac-workload-create@7:13 rules[0].verbs[0]"}},
		{Name: "extensions daemonsets", Src: clusterRole(rl(`["extensions"]`, `["daemonsets"]`, `["create"]`)),
			Want: []string{"rbac-workload-create@7:13 rules[0].verbs[0]"}},
		{Name: "jobs and cronjobs", Src: role(rl(`["batch"]`, `["jobs", "cronjobs"]`, `["create"]`)),
			Want: []string{"rbac-workload-create@7:13 rules[0].verbs[0]"}},
		{Name: "replicationcontrollers", Src: role(rl(`[""]`, `["replicationcontrollers"]`, `["create"]`)),
			Want: []string{"rbac-workload-create@7:13 rules[0].verbs[0]"}},
		{Name: "deployments in the core group do not exist", Src: role(rl(`[""]`, `["deployments"]`, `["create"]`))},
		{Name: "statefulsets were never in extensions", Src: role(rl(`["extensions"]`, `["statefulsets"]`, `["create"]`))},
		{Name: "cronjobs are not in apps", Src: role(rl(`["apps"]`, `["cronjobs", "jobs"]`, `["create"]`))},
		{Name: "update and patch only", Src: role(rl(`["apps"]`, `["deployments", "deployments/scale"]`, `["get", "update", "patch"]`))},
		{Name: "resourceNames cannot limit create", Src: role(rl(`["apps"]`, `["deployments"]`, `["create", "get"]`, `resourceNames: ["web"]`))},
		{Name: "resources * is left to rbac-wildcard", Src: role(rl(`["apps"]`, `["*"]`, `["create"]`))},
	})
}

func TestEscalationVerbs(t *testing.T) {
	const g = `["rbac.authorization.k8s.io"]`
	checktest.RunCases(t, "rbac-privilege-escalation-verbs", []checktest.Case{
		{Name: "escalate and bind", Src: clusterRole(rl(g, `["clusterroles"]`, `["get", "bind", "escalate"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:20 rules[0].verbs[1]"}},
		{Name: "bind in a Role", Src: role(rl(g, `["roles"]`, `["bind"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		{Name: "verbs * on roles", Src: role(rl(g, `["roles", "rolebindings"]`, `["*"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		{Name: "impersonate users", Src: clusterRole(rl(`[""]`, `["users", "groups"]`, `["impersonate"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		{Name: "impersonate service accounts in a Role", Src: role(rl(`[""]`, `["serviceaccounts"]`, `["impersonate"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		{Name: "impersonate uids", Src: clusterRole(rl(`["authentication.k8s.io"]`, `["uids"]`, `["impersonate"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		{Name: "written-out verb on resources *", Src: clusterRole(rl(`["*"]`, `["*"]`, `["impersonate"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		{Name: "bind with resourceNames", Src: clusterRole(rl(g, `["clusterroles"]`, `["bind"]`, `resourceNames: ["view"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@7:13 rules[0].verbs[0]"}},
		// trivy-checks KSV052 case: bind is checked in the binding's namespace, so a Role
		// that binds clusterroles hands out any ClusterRole there through a RoleBinding.
		{Name: "bind on clusterroles in a Role", Src: role(rl(g, `["rolebindings"]`, `["create"]`), rl(g, `["clusterroles"]`, `["bind"]`)),
			Want: []string{"rbac-privilege-escalation-verbs@10:13 rules[1].verbs[0]"}},
		{Name: "escalate on clusterroles in a Role grants nothing", Src: role(rl(g, `["clusterroles"]`, `["escalate"]`))},
		{Name: "users are cluster-scoped: a Role cannot impersonate them", Src: role(rl(`[""]`, `["users", "groups"]`, `["impersonate"]`))},
		{Name: "escalate in the wrong group", Src: clusterRole(rl(`[""]`, `["roles", "clusterroles"]`, `["escalate", "bind"]`))},
		{Name: "create roles and bindings", Src: clusterRole(rl(g, `["roles", "rolebindings", "clusterroles"]`, `["get", "create", "update"]`))},
		{Name: "verbs * on bindings only", Src: role(rl(g, `["rolebindings"]`, `["*"]`))},
		{Name: "resources * without a written-out verb is left to rbac-wildcard", Src: clusterRole(rl(`["*"]`, `["*"]`, `["*"]`))},
	})
	fs := checktest.Run(t, clusterRole(rl(g, `["clusterroles"]`, `["bind"]`, `resourceNames: ["view"]`), rl(g, `["clusterroles"]`, `["escalate", "bind"]`, `resourceNames: ["view"]`), rl(g, `["clusterroles"]`, `["escalate"]`)), "rbac-privilege-escalation-verbs")
	if len(fs) != 3 || fs[0].Severity != finding.Low || fs[1].Severity != finding.Medium || fs[2].Severity != finding.High {
		t.Errorf("want low (bind on names), medium (escalate on names), high: %v", fs)
	}
	if msg := fs[1].Message; !strings.Contains(msg, `grants escalate on "clusterroles", bind on "clusterroles"`) || !strings.Contains(msg, `resourceNames to "view"`) {
		t.Errorf("message: %s", msg)
	}
	// Users, groups and clusterroles are cluster-scoped: only a ClusterRoleBinding grants
	// them, so the message must not say "in one namespace through a RoleBinding"; a rule that
	// also reaches a namespaced resource (serviceaccounts) keeps the usual wording.
	for _, tc := range []struct{ src, want, not string }{
		{clusterRole(rl(`[""]`, `["users"]`, `["impersonate"]`)), `grants impersonate on "users" when bound by a ClusterRoleBinding (a RoleBinding grants none of it`, "in one namespace"},
		{clusterRole(rl(`[""]`, `["users", "serviceaccounts"]`, `["impersonate"]`)), "in one namespace through a RoleBinding", "grants none of it"},
		{clusterRole(rl(`["rbac.authorization.k8s.io"]`, `["clusterroles"]`, `["bind"]`)), "in one namespace through a RoleBinding", "grants none of it"},
	} {
		fs := checktest.Run(t, tc.src, "rbac-privilege-escalation-verbs")
		if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) || strings.Contains(fs[0].Message, tc.not) {
			t.Errorf("want one finding saying %q, not %q: %v", tc.want, tc.not, fs)
		}
	}
}

func TestTokenCreate(t *testing.T) {
	checktest.RunCases(t, "rbac-token-create", []checktest.Case{
		{Name: "token request", Src: role(rl(`[""]`, `["serviceaccounts", "serviceaccounts/token"]`, `["get", "create"]`)),
			Want: []string{"rbac-token-create@6:36 rules[0].resources[1]"}},
		{Name: "*/token", Src: clusterRole(rl(`[""]`, `["*/token"]`, `["create"]`)),
			Want: []string{"rbac-token-create@6:17 rules[0].resources[0]"}},
		{Name: "named service accounts", Src: role(rl(`[""]`, `["serviceaccounts/token"]`, `["create"]`, `resourceNames: ["builder"]`)),
			Want: []string{"rbac-token-create@6:17 rules[0].resources[0]"}},
		{Name: "get on the token subresource", Src: role(rl(`[""]`, `["serviceaccounts/token"]`, `["get", "list"]`))},
		{Name: "wrong API group", Src: role(rl(`["authentication.k8s.io"]`, `["serviceaccounts/token"]`, `["create"]`))},
		{Name: "service accounts themselves", Src: role(rl(`[""]`, `["serviceaccounts"]`, `["create"]`))},
	})
}

func TestNodeProxy(t *testing.T) {
	checktest.RunCases(t, "rbac-node-proxy", []checktest.Case{
		{Name: "get", Src: clusterRole(rl(`[""]`, `["nodes", "nodes/proxy"]`, `["get", "list"]`)),
			Want: []string{"rbac-node-proxy@6:26 rules[0].resources[1]"}},
		{Name: "*/proxy", Src: clusterRole(rl(`[""]`, `["*/proxy"]`, `["get"]`)),
			Want: []string{"rbac-node-proxy@6:17 rules[0].resources[0]"}},
		{Name: "nodes/*", Src: clusterRole(rl(`[""]`, `["nodes/*"]`, `["get"]`)),
			Want: []string{"rbac-node-proxy@6:17 rules[0].resources[0]"}},
		{Name: "metrics and stats", Src: clusterRole(rl(`[""]`, `["nodes", "nodes/metrics", "nodes/stats"]`, `["get"]`))},
		{Name: "a Role cannot grant node access", Src: role(rl(`[""]`, `["nodes/proxy"]`, `["get"]`))},
		{Name: "wrong API group", Src: clusterRole(rl(`["metrics.k8s.io"]`, `["nodes/proxy"]`, `["get"]`))},
		{Name: "list and watch never reach a node", Src: clusterRole(rl(`[""]`, `["nodes/proxy"]`, `["list", "watch"]`))},
		{Name: "services/proxy", Src: clusterRole(rl(`[""]`, `["services/proxy"]`, `["get"]`))},
	})
}

func TestCSRApproval(t *testing.T) {
	const g = `["certificates.k8s.io"]`
	checktest.RunCases(t, "rbac-csr-approval", []checktest.Case{
		{Name: "update approval", Src: clusterRole(rl(g, `["certificatesigningrequests", "certificatesigningrequests/approval"]`, `["get", "update"]`)),
			Want: []string{"rbac-csr-approval@6:47 rules[0].resources[1]"}},
		{Name: "patch", Src: clusterRole(rl(g, `["certificatesigningrequests/approval"]`, `["patch"]`)),
			Want: []string{"rbac-csr-approval@6:17 rules[0].resources[0]"}},
		{Name: "read only", Src: clusterRole(rl(g, `["certificatesigningrequests/approval"]`, `["get", "list"]`))},
		{Name: "creating requests", Src: clusterRole(rl(g, `["certificatesigningrequests"]`, `["create", "update"]`))},
		{Name: "wrong API group", Src: clusterRole(rl(`[""]`, `["certificatesigningrequests/approval"]`, `["update"]`))},
		{Name: "a Role cannot grant it", Src: role(rl(g, `["certificatesigningrequests/approval"]`, `["update"]`))},
	})
}

func TestWebhookWrite(t *testing.T) {
	const g = `["admissionregistration.k8s.io"]`
	checktest.RunCases(t, "rbac-webhook-write", []checktest.Case{
		{Name: "patch", Src: clusterRole(rl(g, `["mutatingwebhookconfigurations"]`, `["get", "list", "patch"]`)),
			Want: []string{"rbac-webhook-write@7:28 rules[0].verbs[2]"}},
		{Name: "delete validating", Src: clusterRole(rl(g, `["validatingwebhookconfigurations"]`, `["delete"]`)),
			Want: []string{"rbac-webhook-write@7:13 rules[0].verbs[0]"}},
		{Name: "update on a named webhook", Src: clusterRole(rl(g, `["validatingwebhookconfigurations"]`, `["get", "update"]`, `resourceNames: ["mine"]`)),
			Want: []string{"rbac-webhook-write@7:20 rules[0].verbs[1]"}},
		{Name: "create with resourceNames grants no create", Src: clusterRole(rl(g, `["validatingwebhookconfigurations"]`, `["create", "get"]`, `resourceNames: ["mine"]`))},
		{Name: "read only", Src: clusterRole(rl(g, `["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]`, `["get", "list", "watch"]`))},
		{Name: "wrong API group", Src: clusterRole(rl(`[""]`, `["mutatingwebhookconfigurations"]`, `["update"]`))},
		{Name: "a Role cannot grant it", Src: role(rl(g, `["mutatingwebhookconfigurations"]`, `["update"]`))},
	})
	fs := checktest.Run(t, clusterRole(rl(g, `["validatingwebhookconfigurations"]`, `["update"]`, `resourceNames: ["mine"]`)), "rbac-webhook-write")
	if len(fs) != 1 || fs[0].Severity != finding.Medium {
		t.Errorf("resourceNames should lower to medium: %v", fs)
	}
}

func TestClusterAdminBinding(t *testing.T) {
	checktest.RunCases(t, "rbac-cluster-admin-binding", []checktest.Case{
		{Name: "service account", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", sa("ci", "build")),
			Want: []string{"rbac-cluster-admin-binding@7:9 roleRef.name"}},
		{Name: "RoleBinding", Src: bindingDoc("RoleBinding", "ClusterRole", "cluster-admin", user("alice")),
			Want: []string{"rbac-cluster-admin-binding@7:9 roleRef.name"}},
		{Name: "system groups and users are the control plane's", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", group("system:masters"), user("system:kube-controller-manager"))},
		{Name: "one person among system subjects", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", group("system:masters"), user("bob")),
			Want: []string{"rbac-cluster-admin-binding@7:9 roleRef.name"}},
		{Name: "all service accounts are not a component", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", group("system:serviceaccounts")),
			Want: []string{"rbac-cluster-admin-binding@7:9 roleRef.name"}},
		{Name: "a service account written as a user", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", user("system:serviceaccount:kube-system:tiller")),
			Want: []string{"rbac-cluster-admin-binding@7:9 roleRef.name"}},
		{Name: "authenticated users", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", group("system:authenticated")),
			Want: []string{"rbac-cluster-admin-binding@7:9 roleRef.name"}},
		{Name: "a Role named cluster-admin", Src: bindingDoc("RoleBinding", "Role", "cluster-admin", user("alice"))},
		{Name: "another ClusterRole", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", user("alice"))},
		{Name: "no subjects", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin")},
	})
	fs := checktest.Run(t, bindingDoc("RoleBinding", "ClusterRole", "cluster-admin", "  - {kind: ServiceAccount, name: app}\n")+"---\n"+
		bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", sa("ci", "build")), "rbac-cluster-admin-binding")
	if len(fs) != 2 || fs[0].Severity != finding.High || fs[1].Severity != finding.Critical {
		t.Fatalf("want high for the RoleBinding and critical for the ClusterRoleBinding: %v", fs)
	}
	if msg := fs[0].Message; !strings.Contains(msg, "ServiceAccount shop/app") || !strings.Contains(msg, `namespace "shop"`) {
		t.Errorf("message: %s", msg)
	}
}

func TestAnonymousBinding(t *testing.T) {
	checktest.RunCases(t, "rbac-anonymous-binding", []checktest.Case{
		{Name: "authenticated", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", group("system:authenticated")),
			Want: []string{"rbac-anonymous-binding@9:5 subjects[0]"}},
		{Name: "no roleRef: rejected, grants nothing", Src: noRoleRef(bindingDoc("ClusterRoleBinding", "ClusterRole", "view", user("system:anonymous")))},
		{Name: "roleRef with an empty name", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", `""`, user("system:anonymous"))},
		{Name: "anonymous user second", Src: bindingDoc("RoleBinding", "Role", "reader", user("alice"), user("system:anonymous")),
			Want: []string{"rbac-anonymous-binding@10:5 subjects[1]"}},
		{Name: "each subject", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", group("system:unauthenticated"), group("system:authenticated")),
			Want: []string{"rbac-anonymous-binding@9:5 subjects[0]", "rbac-anonymous-binding@10:5 subjects[1]"}},
		{Name: "the roles Kubernetes binds to everyone", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "system:public-info-viewer", group("system:unauthenticated"), group("system:authenticated"))},
		{Name: "a Role named like a public ClusterRole", Src: bindingDoc("RoleBinding", "Role", "system:discovery", group("system:authenticated")),
			Want: []string{"rbac-anonymous-binding@9:5 subjects[0]"}},
		{Name: "named subjects", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", group("developers"), user("alice"), sa("app", "shop"))},
	})
	fs := checktest.Run(t, bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", user("system:anonymous")), "rbac-anonymous-binding", "rbac-cluster-admin-binding")
	if got := checktest.Short(fs); len(fs) != 2 || fs[0].Severity != finding.Critical || fs[1].Severity != finding.Critical {
		t.Errorf("anonymous cluster-admin should be critical in both checks: %q %v", got, fs)
	}
}

// TestHardened: a least-privilege Role, its ServiceAccount and RoleBinding give no finding.
func TestHardened(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "hardened.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range rbacChecks() {
		ids = append(ids, c.ID)
	}
	fs := checktest.Run(t, string(src), ids...)
	if len(fs) != 0 {
		t.Errorf("findings on the hardened file:\n%s", strings.Join(checktest.Short(fs), "\n"))
	}
}

// The severity of rbac-anonymous-binding follows what the bound role grants, found in the
// whole input (issue 16: system:authenticated bound to a role that can only get one named
// ConfigMap was reported high).
func TestAnonymousBindingSeverityFollowsTheRole(t *testing.T) {
	role := func(kind, name, rules string) string {
		return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata: {name: " + name + ", namespace: shop}\nrules:\n" + rules + "---\n"
	}
	authenticated := group("system:authenticated")
	tests := []struct {
		name, src string
		want      finding.Severity
		message   string
	}{
		{"get one named ConfigMap", role("Role", "cfg", "- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [app-config], verbs: [get]}\n") +
			bindingDoc("RoleBinding", "Role", "cfg", authenticated), finding.Low, `only reads named objects ("app-config" of "configmaps")`},
		{"non-resource URLs", role("ClusterRole", "health", "- {nonResourceURLs: [/healthz], verbs: [get]}\n") +
			bindingDoc("ClusterRoleBinding", "ClusterRole", "health", authenticated), finding.Low, "non-resource URLs"},
		{"empty role", role("ClusterRole", "nothing", "") + bindingDoc("ClusterRoleBinding", "ClusterRole", "nothing", authenticated),
			finding.Low, "grants nothing"},
		{"list ConfigMaps", role("Role", "cfg", "- {apiGroups: [\"\"], resources: [configmaps], verbs: [get, list]}\n") +
			bindingDoc("RoleBinding", "Role", "cfg", authenticated), finding.Medium, `reads every object of "configmaps"`},
		{"read Secrets", role("Role", "sec", "- {apiGroups: [\"\"], resources: [secrets], resourceNames: [s], verbs: [get]}\n") +
			bindingDoc("RoleBinding", "Role", "sec", authenticated), finding.High, "reads Secrets"},
		{"read every resource", role("ClusterRole", "all", "- {apiGroups: [\"\"], resources: [\"*\"], verbs: [list]}\n") +
			bindingDoc("ClusterRoleBinding", "ClusterRole", "all", authenticated), finding.High, "reads Secrets"},
		{"write", role("Role", "w", "- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [c], verbs: [get, update]}\n") +
			bindingDoc("RoleBinding", "Role", "w", authenticated), finding.High, `can "update" "configmaps"`},
		{"escalate", role("ClusterRole", "e", "- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}\n") +
			bindingDoc("ClusterRoleBinding", "ClusterRole", "e", authenticated), finding.Critical, `can "bind"`},
		{"every verb on every resource", role("ClusterRole", "god", "- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}\n") +
			bindingDoc("ClusterRoleBinding", "ClusterRole", "god", authenticated), finding.Critical, "every verb on every resource"},
		{"worst rule wins", role("Role", "mix", "- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [c], verbs: [get]}\n- {apiGroups: [\"\"], resources: [pods], verbs: [create]}\n") +
			bindingDoc("RoleBinding", "Role", "mix", authenticated), finding.High, `can "create" "pods"`},
		{"view", bindingDoc("ClusterRoleBinding", "ClusterRole", "view", authenticated), finding.Medium, "every resource but Secrets"},
		{"edit", bindingDoc("ClusterRoleBinding", "ClusterRole", "edit", authenticated), finding.High, "reads Secrets"},
		{"cluster-admin", bindingDoc("RoleBinding", "ClusterRole", "cluster-admin", authenticated), finding.Critical, "every verb"},
		{"unknown ClusterRole", bindingDoc("ClusterRoleBinding", "ClusterRole", "vendor-role", authenticated), finding.High,
			`ClusterRole "vendor-role" is not in the input, so what it grants is unknown`},
		{"a Role of another namespace is not the bound one", strings.Replace(role("Role", "cfg", "- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [c], verbs: [get]}\n"), "namespace: shop", "namespace: other", 1) +
			bindingDoc("RoleBinding", "Role", "cfg", authenticated), finding.High, "not in the input"},
		{"a ClusterRole is not a Role", role("ClusterRole", "cfg", "- {apiGroups: [\"\"], resources: [configmaps], resourceNames: [c], verbs: [get]}\n") +
			bindingDoc("RoleBinding", "Role", "cfg", authenticated), finding.High, "not in the input"},
		{"aggregated", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: agg}\naggregationRule: {clusterRoleSelectors: [{matchLabels: {a: b}}]}\nrules: []\n---\n" +
			bindingDoc("ClusterRoleBinding", "ClusterRole", "agg", authenticated), finding.High, "aggregates other ClusterRoles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, tc.src, "rbac-anonymous-binding")
			if len(fs) != 1 {
				t.Fatalf("want one finding, got %q", checktest.Short(fs))
			}
			if fs[0].Severity != tc.want || !strings.Contains(fs[0].Message, tc.message) {
				t.Errorf("got %s %q, want %s containing %q", fs[0].Severity, fs[0].Message, tc.want, tc.message)
			}
		})
	}
}
