package access

import "strings"

// Rule is one PolicyRule of a Role or ClusterRole, as written.
type Rule struct {
	APIGroups, Resources, Verbs, ResourceNames, NonResourceURLs []string
}

const all = "*" // rbacv1.VerbAll, APIGroupAll, ResourceAll

// perm is a request shape that gives a capability: one of verbs on resource of one of
// groups.
type perm struct {
	verbs    []string
	groups   []string
	resource string // "secrets", "pods/exec"
	// cluster marks cluster-scoped resources: a Role, or a ClusterRole bound by a
	// RoleBinding, never grants them.
	cluster bool
	// named says a rule limited by resourceNames still gives the capability: the request
	// names an object (a subresource of a pod, an identity to impersonate) and the named
	// objects are as powerful as any. Rules limited by resourceNames are not counted for
	// reading Secrets (a controller's own credentials) or for binding (the documented way
	// to delegate one role), and never grant create on a top-level resource.
	named bool
}

var (
	core     = []string{""}
	readOnly = []string{"get", "list", "watch"}
)

// capabilityPerms are the request shapes of each capability but ClusterAdmin, which is a
// rule shape of its own ("*" on "*" in "*").
var capabilityPerms = [numCapabilities][]perm{
	Escalate: {
		{verbs: []string{"escalate"}, groups: []string{rbacGroup}, resource: "roles", named: true},
		{verbs: []string{"escalate"}, groups: []string{rbacGroup}, resource: "clusterroles", cluster: true, named: true},
		{verbs: []string{"bind"}, groups: []string{rbacGroup}, resource: "roles"},
		{verbs: []string{"bind"}, groups: []string{rbacGroup}, resource: "clusterroles", cluster: true},
		{verbs: []string{"impersonate"}, groups: core, resource: "users", cluster: true, named: true},
		{verbs: []string{"impersonate"}, groups: core, resource: "groups", cluster: true, named: true},
		{verbs: []string{"impersonate"}, groups: core, resource: "serviceaccounts", named: true},
		{verbs: []string{"impersonate"}, groups: []string{"authentication.k8s.io"}, resource: "uids", cluster: true, named: true},
	},
	NodeProxy: {
		{verbs: []string{"get", "create", "update", "patch", "delete"}, groups: core, resource: "nodes/proxy", cluster: true, named: true},
	},
	TokenCreate: {
		{verbs: []string{"create"}, groups: core, resource: "serviceaccounts/token", named: true},
	},
	ReadSecrets: {
		{verbs: readOnly, groups: core, resource: "secrets"},
	},
	Exec: {
		{verbs: []string{"create", "get"}, groups: core, resource: "pods/exec", named: true},
		{verbs: []string{"create", "get"}, groups: core, resource: "pods/attach", named: true},
		{verbs: []string{"create", "get"}, groups: core, resource: "pods/portforward", named: true},
		{verbs: []string{"update", "patch"}, groups: core, resource: "pods/ephemeralcontainers", named: true},
	},
	CreateWorkloads: {
		{verbs: []string{"create"}, groups: core, resource: "pods"},
		{verbs: []string{"create"}, groups: core, resource: "replicationcontrollers"},
		{verbs: []string{"create"}, groups: []string{"apps", "extensions"}, resource: "deployments"},
		{verbs: []string{"create"}, groups: []string{"apps", "extensions"}, resource: "daemonsets"},
		{verbs: []string{"create"}, groups: []string{"apps", "extensions"}, resource: "replicasets"},
		{verbs: []string{"create"}, groups: []string{"apps"}, resource: "statefulsets"},
		{verbs: []string{"create"}, groups: []string{"batch"}, resource: "jobs"},
		{verbs: []string{"create"}, groups: []string{"batch"}, resource: "cronjobs"},
	},
}

// IsClusterAdmin reports the rule "*" verbs on "*" resources in "*" API groups, not limited
// by resourceNames: everything (namespace admin in a Role).
func (r *Rule) IsClusterAdmin() bool {
	return len(r.ResourceNames) == 0 && has(r.Verbs, all) && has(r.APIGroups, all) && has(r.Resources, all)
}

// Capabilities returns what the rule grants, worst first. namespaced is true when the rule
// applies in one namespace (a Role, or a ClusterRole bound by a RoleBinding): cluster-scoped
// resources are then out of reach. A rule that IsClusterAdmin returns ClusterAdmin alone.
func (r *Rule) Capabilities(namespaced bool) []Capability {
	if r.IsClusterAdmin() {
		return []Capability{ClusterAdmin}
	}
	var out []Capability
	for c := Escalate; c <= CreateWorkloads; c++ {
		for _, p := range capabilityPerms[c] {
			if !(namespaced && p.cluster) && r.grants(p) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// grants follows rbacv1helpers.RuleAllows for the requests of p: a verb, API group and
// resource match ("*" matches any; "*/sub" matches a subresource, "name/*" nothing), and a
// rule with resourceNames allows only requests that name an object.
func (r *Rule) grants(p perm) bool {
	if len(r.ResourceNames) > 0 && !p.named {
		return false
	}
	return r.anyVerb(p.verbs) && r.anyGroup(p.groups) && r.resource(p.resource)
}

func (r *Rule) anyVerb(verbs []string) bool {
	for _, v := range r.Verbs {
		if v == all || has(verbs, v) {
			return true
		}
	}
	return false
}

func (r *Rule) anyGroup(groups []string) bool {
	for _, g := range r.APIGroups {
		if g == all || has(groups, g) {
			return true
		}
	}
	return false
}

func (r *Rule) resource(want string) bool {
	_, sub, hasSub := strings.Cut(want, "/")
	for _, res := range r.Resources {
		if res == all || res == want || hasSub && res == "*/"+sub {
			return true
		}
	}
	return false
}

func has(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// builtinRoles are the user-facing ClusterRoles every cluster has, with what they grant
// (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles). The API
// server reconciles them at start-up, so an object of the same name in the input does not
// change them; admin, edit and view also aggregate the input's ClusterRoles labelled
// aggregate-to-<name>, which Analyze adds. The system: roles of the control plane are bound
// to its components, not to workloads, and are left out.
var builtinRoles = map[string][]Capability{
	// Every verb on every resource.
	"cluster-admin": {ClusterAdmin},
	// Read and write of most namespaced objects, Secrets included; exec, attach and
	// port-forward; create of every workload kind. (Both also impersonate service accounts
	// of the namespace, which the documentation calls out as running pods as any account;
	// CreateWorkloads stands for it here.)
	"admin": {ReadSecrets, Exec, CreateWorkloads},
	"edit":  {ReadSecrets, Exec, CreateWorkloads},
	// Read-only, Secrets excluded.
	"view": nil,
}

// aggregateLabel is the label that adds a ClusterRole's rules to a built-in one.
func aggregateLabel(role string) string { return rbacGroup + "/aggregate-to-" + role }
