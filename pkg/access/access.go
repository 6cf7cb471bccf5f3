// Package access answers one question about the objects of a lint run: what can the pods of
// each workload do with the Kubernetes API? It follows the path the API server's RBAC
// authorizer follows, offline:
//
//	workload → ServiceAccount → RoleBinding / ClusterRoleBinding → Role / ClusterRole → rules
//
// A workload's pods run as spec.serviceAccountName (or the deprecated serviceAccount, or
// "default"). A binding reaches that account when one of its subjects is the account
// (kind ServiceAccount with its namespace; a RoleBinding's subject without a namespace is in
// the binding's namespace; or User "system:serviceaccount:<ns>:<name>"), or a group every
// account is in ("system:serviceaccounts", "system:serviceaccounts:<ns>"). Its roleRef names a
// Role in the binding's namespace or a ClusterRole; a ClusterRole with an aggregationRule
// gets the rules of the ClusterRoles of the input its selectors match, and the built-in
// admin, edit and view also get those of the input's ClusterRoles labelled
// rbac.authorization.k8s.io/aggregate-to-<role>: "true". A RoleBinding grants in its
// namespace only (cluster-scoped resources never); a ClusterRoleBinding grants everywhere.
//
// Objects relate as every cross-object check relates them (check.Settings.ScopeOf and
// check.Meetings): objects that name their namespace meet across the run, the implicit
// namespace of objects that name none is their deploy unit's. A ServiceAccount subject that
// names a namespace counts as naming it in its unit, like metadata.namespace does.
//
// The rules are reduced to Capabilities, the grants that matter for security (reading
// Secrets, exec, creating workloads, escalation, cluster-admin, ...; see Capability). Roles
// that are not in the input but exist in every cluster (cluster-admin, admin, edit, view)
// are known from a small table (builtinRoles); other roles that are not in the input grant
// nothing the model can see, and Grants never invent them.
//
// Use: a cross-object check declares Facts: access.Facts and calls Analyze in its Run; a
// report that runs the engine itself collects the facts of access.Facts and does the same.
//
//	m := access.Analyze(pass.Facts, pass.Settings)
//	for _, w := range m.Workloads() {
//		for _, g := range w.Grants { ... g.Capability, g.Binding, g.Role, g.Rule, g.Scope ... }
//	}
//
// Analyze is linear in the number of objects plus the number of (workload, binding) pairs
// that relate: bindings are indexed by subject, roles by key, aggregated roles by label.
package access

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Capability is one security-relevant thing RBAC lets a subject do.
type Capability uint8

// The capabilities, worst first (Capabilities sort in this order).
const (
	// ClusterAdmin is every verb on every resource of every API group ("*" on "*" in "*"),
	// or a binding to the cluster-admin ClusterRole; it implies every other capability, which
	// Grants then do not list again for the same rule. Through a RoleBinding it is namespace
	// admin.
	ClusterAdmin Capability = iota + 1
	// Escalate is escalate or bind on roles or clusterroles, or impersonate on users, groups,
	// service accounts or uids: one step from any permission.
	Escalate
	// NodeProxy is any verb on nodes/proxy: the kubelet API of every node, which runs
	// commands in any pod.
	NodeProxy
	// TokenCreate is create on serviceaccounts/token: acting as any service account in scope.
	TokenCreate
	// ReadSecrets is get, list or watch on secrets (rules limited by resourceNames excluded:
	// reading its own named Secret is how a controller gets its credentials).
	ReadSecrets
	// Exec is exec, attach or port-forward into pods, or adding ephemeral containers.
	Exec
	// CreateWorkloads is create on pods or on a workload resource that makes pods
	// (deployments, daemonsets, statefulsets, replicasets, replicationcontrollers, jobs,
	// cronjobs): such pods may mount any Secret and run as any account of the namespace.
	CreateWorkloads
	numCapabilities = iota + 1 // one past the last, the length of tables indexed by Capability
)

var capabilityNames = [...]string{"", "cluster-admin", "escalate", "node-proxy", "token-create",
	"read-secrets", "exec", "create-workloads"}

// String is the capability's stable name, as JSON and reports show it.
func (c Capability) String() string {
	if int(c) < len(capabilityNames) {
		return capabilityNames[c]
	}
	return "unknown"
}

// MarshalText gives JSON the stable name.
func (c Capability) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Describe says what the capability lets pods do, for messages: "read Secrets".
func (c Capability) Describe() string {
	switch c {
	case ClusterAdmin:
		return "do anything (every verb on every resource)"
	case Escalate:
		return "escalate, bind or impersonate (grant themselves any permission)"
	case NodeProxy:
		return "reach the kubelet API (nodes/proxy), which runs commands in any pod of a node"
	case TokenCreate:
		return "create service account tokens and act as those accounts"
	case ReadSecrets:
		return "read Secrets"
	case Exec:
		return "exec into pods"
	case CreateWorkloads:
		return "create pods or workloads"
	}
	return c.String()
}

// Capabilities lists every capability, worst first.
func Capabilities() []Capability {
	out := make([]Capability, 0, numCapabilities)
	for c := ClusterAdmin; c <= CreateWorkloads; c++ {
		out = append(out, c)
	}
	return out
}

// BindingRef is one binding that reaches a workload's account, and the subject entry that
// makes it reach it.
type BindingRef struct {
	Kind      string // RoleBinding or ClusterRoleBinding
	Namespace string // of a RoleBinding; "" for a ClusterRoleBinding
	Name      string
	Object    *manifest.Object
	// Subject is the index of the subjects entry, At where it is written and SubjectPath
	// its field path: the place to edit to take the grant away.
	Subject     int
	SubjectPath fieldpath.Path
	At          manifest.Position
	// Group is the group subject that reaches the account ("system:serviceaccounts" or
	// "system:serviceaccounts:<ns>"), "" when the subject names the account itself.
	Group string
	Role  RoleRef // what roleRef names
}

// RoleRef is a Role or ClusterRole as a binding names it.
type RoleRef struct {
	Kind      string // Role or ClusterRole
	Namespace string // of a Role
	Name      string
	// Object is the role in the input, nil when it is not there.
	Object *manifest.Object
	// Builtin says the role is one every cluster has (cluster-admin, admin, edit, view),
	// whose capabilities come from the table of this package whether or not the input
	// has an object of that name: the API server reconciles them at start-up.
	Builtin bool
}

// Grant is one capability a workload's pods hold, with the path that grants it.
type Grant struct {
	Capability Capability
	Binding    BindingRef
	Role       RoleRef // the bound role (Binding.Role)
	// Source is the role whose rule grants it: Role itself, or a ClusterRole of the input
	// aggregated into it. Rule is the index of that rule in Source's rules, -1 when the
	// capability comes from the built-in table (or from binding cluster-admin).
	Source RoleRef
	Rule   int
	// Scope is the namespace the grant applies in, "" when it applies cluster-wide.
	Scope string
}

// ClusterWide reports a grant that applies in every namespace.
func (g Grant) ClusterWide() bool { return g.Scope == "" }

// Workload is one pod spec of an object of the input and what its pods may do.
type Workload struct {
	Object    *manifest.Object
	Namespace string // the namespace's name
	Account   string // the ServiceAccount the pods run as
	// AccountNamed says the pod spec names its account (serviceAccountName or
	// serviceAccount); Path and At are then that field, otherwise the pod spec.
	AccountNamed bool
	Path         fieldpath.Path
	At           manifest.Position
	// AccountDefined says the input defines the ServiceAccount where the workload meets
	// it; NamespaceAccounts counts the ServiceAccounts the input defines there.
	AccountDefined    bool
	NamespaceAccounts int
	// Bindings are every binding that reaches the account, in input order, whatever it
	// grants; Grants the capabilities they give, in input order of the bindings and then
	// of the rules.
	Bindings []BindingRef
	Grants   []Grant
}

// Model is the result of Analyze.
type Model struct {
	workloads []*Workload
}

// Workloads returns every workload of the input, in input order.
func (m *Model) Workloads() []*Workload { return m.workloads }

// Facts is what Analyze reads; declare it as the Facts of a check that calls Analyze.
var Facts = &check.Facts{Name: "access", Of: factOf}
