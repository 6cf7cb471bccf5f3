package rbac

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

func TestPVCreate(t *testing.T) {
	checktest.RunCases(t, "rbac-persistentvolume-create", []checktest.Case{
		{Name: "create", Src: clusterRole(rl(`[""]`, `["persistentvolumes"]`, `["get", "create"]`)),
			Want: []string{"rbac-persistentvolume-create@7:20 rules[0].verbs[1]"}},
		{Name: "a Role cannot grant it", Src: role(rl(`[""]`, `["persistentvolumes"]`, `["create"]`))},
		{Name: "resourceNames never grants create", Src: clusterRole(rl(`[""]`, `["persistentvolumes"]`, `["create"]`, `resourceNames: ["pv1"]`))},
		{Name: "resources * is rbac-wildcard's", Src: clusterRole(rl(`[""]`, `["*"]`, `["create"]`))},
		{Name: "another group", Src: clusterRole(rl(`["example.com"]`, `["persistentvolumes"]`, `["create"]`))},
	})
}

func TestDestructiveDelete(t *testing.T) {
	checktest.RunCases(t, "rbac-destructive-delete", []checktest.Case{
		{Name: "delete secrets", Src: clusterRole(rl(`[""]`, `["secrets"]`, `["get", "delete"]`)),
			Want: []string{"rbac-destructive-delete@7:20 rules[0].verbs[1]"}},
		{Name: "verbs * is rbac-wildcard's", Src: clusterRole(rl(`[""]`, `["secrets"]`, `["*"]`))},
		{Name: "a Role is the namespace's own business", Src: role(rl(`[""]`, `["pods"]`, `["delete"]`))},
		{Name: "other resources", Src: clusterRole(rl(`[""]`, `["events", "configmaps"]`, `["delete"]`))},
		{Name: "named objects only: low", Src: clusterRole(rl(`["apps"]`, `["deployments"]`, `["delete"]`, `resourceNames: ["old"]`)),
			Want: []string{"rbac-destructive-delete@7:13 rules[0].verbs[0]"}},
	})
	fs := checktest.Run(t, clusterRole(rl(`["apps"]`, `["deployments"]`, `["delete"]`, `resourceNames: ["old"]`)), "rbac-destructive-delete")
	if len(fs) != 1 || fs[0].Severity.String() != "low" {
		t.Errorf("resourceNames: %+v", fs)
	}
}

func TestNodeUpdate(t *testing.T) {
	checktest.RunCases(t, "rbac-node-update", []checktest.Case{
		{Name: "patch nodes", Src: clusterRole(rl(`[""]`, `["nodes"]`, `["get", "patch"]`)),
			Want: []string{"rbac-node-update@7:20 rules[0].verbs[1]"}},
		{Name: "update status", Src: clusterRole(rl(`[""]`, `["nodes/status"]`, `["update"]`)),
			Want: []string{"rbac-node-update@7:13 rules[0].verbs[0]"}},
		{Name: "read only", Src: clusterRole(rl(`[""]`, `["nodes"]`, `["get", "list", "watch"]`))},
		{Name: "a Role cannot grant it", Src: role(rl(`[""]`, `["nodes"]`, `["patch"]`))},
	})
}

func TestServiceStatusUpdate(t *testing.T) {
	checktest.RunCases(t, "rbac-service-status-update", []checktest.Case{
		{Name: "patch", Src: role(rl(`[""]`, `["services/status"]`, `["patch"]`)),
			Want: []string{"rbac-service-status-update@7:13 rules[0].verbs[0]"}},
		{Name: "*/status", Src: clusterRole(rl(`[""]`, `["*/status"]`, `["update"]`)),
			Want: []string{"rbac-service-status-update@7:13 rules[0].verbs[0]"}},
		{Name: "the Service itself", Src: role(rl(`[""]`, `["services"]`, `["patch"]`))},
		{Name: "read status", Src: role(rl(`[""]`, `["services/status"]`, `["get"]`))},
	})
}

func TestMastersBinding(t *testing.T) {
	checktest.RunCases(t, "rbac-system-masters-binding", []checktest.Case{
		{Name: "group", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", user("alice"), group("system:masters")),
			Want: []string{"rbac-system-masters-binding@10:5 subjects[1]"}},
		{Name: "in a RoleBinding too", Src: bindingDoc("RoleBinding", "Role", "r", group("system:masters")),
			Want: []string{"rbac-system-masters-binding@9:5 subjects[0]"}},
		{Name: "a user of that name is not the group", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", user("system:masters"))},
		{Name: "no roleRef: rejected, grants nothing", Src: noRoleRef(bindingDoc("ClusterRoleBinding", "ClusterRole", "view", group("system:masters")))},
		{Name: "other system groups", Src: bindingDoc("ClusterRoleBinding", "ClusterRole", "view", group("system:nodes"))},
	})
}
