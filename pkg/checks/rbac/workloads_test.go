package rbac

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

const podOf = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{name: app, image: app:1}]
`

const podDefault = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: app, image: app:1}]
`

func docs(parts ...string) string { return strings.Join(parts, "---\n") }

func TestWorkloadPrivileges(t *testing.T) {
	secretsRole := role(rl(`[""]`, `["secrets"]`, `["get", "list"]`))
	checktest.RunCases(t, "workload-rbac-privileges", []checktest.Case{
		{Name: "at serviceAccountName", Src: docs(podOf, secretsRole, bindingDoc("RoleBinding", "Role", "r", sa("api", "shop"))),
			Want: []string{"workload-rbac-privileges@7:27 spec.template.spec.serviceAccountName"}},
		{Name: "at the pod spec when it names none",
			Src:  docs(podDefault, bindingDoc("ClusterRoleBinding", "ClusterRole", "edit", "  - {kind: Group, name: \"system:serviceaccounts:shop\"}\n")),
			Want: []string{"workload-rbac-privileges@7:7 spec.template.spec"}},
		{Name: "another account", Src: docs(podOf, secretsRole, bindingDoc("RoleBinding", "Role", "r", sa("worker", "shop")))},
		{Name: "view is not reported", Src: docs(podOf, bindingDoc("RoleBinding", "ClusterRole", "view", sa("api", "shop")))},
		{Name: "a role the input lacks is not guessed", Src: docs(podOf, bindingDoc("RoleBinding", "ClusterRole", "my-operator", sa("api", "shop")))},
		{Name: "system:authenticated holds every pod's token",
			Src:  docs(podOf, bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", group("system:authenticated"))),
			Want: []string{"workload-rbac-privileges@7:27 spec.template.spec.serviceAccountName"}},
		{Name: "system:unauthenticated does not", Src: docs(podOf, bindingDoc("ClusterRoleBinding", "ClusterRole", "cluster-admin", group("system:unauthenticated")))},
	})
}

func TestWorkloadPrivilegesMessage(t *testing.T) {
	src := docs(podOf,
		clusterRole(rl(`[""]`, `["pods/exec"]`, `["create"]`), rl(`[""]`, `["secrets"]`, `["list"]`)),
		bindingDoc("RoleBinding", "ClusterRole", "r", sa("api", "shop")),
		strings.Replace(bindingDoc("ClusterRoleBinding", "ClusterRole", "r", sa("api", "shop")), "name: b,", "name: wide,", 1),
		strings.Replace(bindingDoc("RoleBinding", "ClusterRole", "admin", sa("api", "shop")), "name: b,", "name: adm,", 1))
	fs := checktest.Run(t, src, "workload-rbac-privileges")
	if len(fs) != 1 {
		t.Fatalf("want one finding per workload, got %q", checktest.Short(fs))
	}
	f := fs[0]
	want := `pods of Deployment "api" (service account "api") can read Secrets in every namespace through ClusterRoleBinding "wide" → ClusterRole "r" (and 2 more paths); ` +
		`exec into pods in every namespace through ClusterRoleBinding "wide" → ClusterRole "r" (and 2 more paths); ` +
		`create pods or workloads in namespace "shop" through RoleBinding "adm" → ClusterRole "admin"`
	if f.Message != want {
		t.Errorf("message\n got: %s\nwant: %s", f.Message, want)
	}
	if f.Severity != finding.High {
		t.Errorf("severity %s, want high (reading Secrets everywhere)", f.Severity)
	}
	// The same binding written twice (two copies of an install) is one path.
	twice := bindingDoc("RoleBinding", "Role", "r", sa("api", "shop"))
	fs = checktest.Run(t, docs(podOf, role(rl(`[""]`, `["secrets"]`, `["get"]`)), twice, twice), "workload-rbac-privileges")
	if len(fs) != 1 || strings.Contains(fs[0].Message, "more path") {
		t.Errorf("a binding written twice: %+v", fs)
	}
	// Escalation everywhere is critical.
	fs = checktest.Run(t, docs(podOf, clusterRole(rl(`[""]`, `["users"]`, `["impersonate"]`)),
		bindingDoc("ClusterRoleBinding", "ClusterRole", "r", sa("api", "shop"))), "workload-rbac-privileges")
	if len(fs) != 1 || fs[0].Severity != finding.Critical || !strings.Contains(fs[0].Message, "escalate, bind or impersonate") {
		t.Errorf("impersonate: %+v", fs)
	}
	// Creating workloads in one namespace is medium.
	fs = checktest.Run(t, docs(podOf, role(rl(`["apps"]`, `["deployments"]`, `["create"]`)),
		bindingDoc("RoleBinding", "Role", "r", sa("api", "shop"))), "workload-rbac-privileges")
	if len(fs) != 1 || fs[0].Severity != finding.Medium {
		t.Errorf("create deployments: %+v", fs)
	}
}

func TestDefaultAccountBound(t *testing.T) {
	checktest.RunCases(t, "default-service-account-bound", []checktest.Case{
		{Name: "runs as default, default bound", Src: docs(podDefault, bindingDoc("RoleBinding", "ClusterRole", "view", sa("default", "shop"))),
			Want: []string{"default-service-account-bound@7:7 spec.template.spec"}},
		{Name: "names default", Src: docs(strings.Replace(podOf, "serviceAccountName: api", "serviceAccountName: default", 1),
			bindingDoc("RoleBinding", "ClusterRole", "view", user("system:serviceaccount:shop:default"))),
			Want: []string{"default-service-account-bound@7:27 spec.template.spec.serviceAccountName"}},
		{Name: "the default of another namespace: at the binding, no workload of the input runs as it",
			Src:  docs(podDefault, bindingDoc("RoleBinding", "ClusterRole", "view", sa("default", "other"))),
			Want: []string{"default-service-account-bound@17:5 subjects[0]"}},
		{Name: "a binding alone", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "edit", user("system:serviceaccount:shop:default")),
			Want: []string{"default-service-account-bound@9:5 subjects[0]"}},
		{Name: "groups of every account are not the default account's own",
			Src: docs(podDefault, bindingDoc("ClusterRoleBinding", "ClusterRole", "view", group("system:serviceaccounts")))},
		{Name: "another account's binding", Src: docs(podOf, bindingDoc("RoleBinding", "ClusterRole", "view", sa("api", "shop")))},
		// The API server rejects a binding whose roleRef names no role; it grants nothing.
		{Name: "a binding without roleRef", Src: docs(podDefault, noRoleRef(bindingDoc("RoleBinding", "ClusterRole", "view", sa("default", "shop"))))},
		{Name: "a binding alone without roleRef", Src: noRoleRef(bindingDoc("RoleBinding", "ClusterRole", "view", sa("default", "shop")))},
		{Name: "roleRef with an empty name", Src: bindingDoc("RoleBinding", "ClusterRole", `""`, sa("default", "shop"))},
	})
}

// noRoleRef removes the roleRef of a bindingDoc.
func noRoleRef(doc string) string {
	i, j := strings.Index(doc, "roleRef:\n"), strings.Index(doc, "subjects:")
	return doc[:i] + doc[j:]
}

func TestAccountMissing(t *testing.T) {
	account := func(name, ns string) string {
		return "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: " + name + ", namespace: " + ns + "}\n"
	}
	checktest.RunCases(t, "workload-service-account-missing", []checktest.Case{
		{Name: "namespace defines others", Src: docs(podOf, account("worker", "shop")),
			Want: []string{"workload-service-account-missing@7:27 spec.template.spec.serviceAccountName"}},
		{Name: "defined", Src: docs(podOf, account("api", "shop"))},
		{Name: "the namespace's accounts are not in the input", Src: docs(podOf, account("api", "other"))},
		{Name: "default always exists", Src: docs(strings.Replace(podOf, "serviceAccountName: api", "serviceAccountName: default", 1), account("worker", "shop"))},
		{Name: "names none", Src: docs(podDefault, account("worker", "shop"))},
		{Name: "a template placeholder", Src: docs(strings.Replace(podOf, "serviceAccountName: api", "serviceAccountName: HELMSUBST_SA_NAME", 1), account("worker", "shop"))},
		{Name: "a templated namespace", Src: docs(strings.ReplaceAll(podOf, "namespace: shop", "namespace: \"{{ .Release.Namespace }}\""),
			"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: w, namespace: \"{{ .Release.Namespace }}\"}\n")},
	})
}
