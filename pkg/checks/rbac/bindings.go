package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// everyone maps the built-in identities that stand for "anyone" to what they cover.
var everyone = map[string]string{
	"system:anonymous":       "requests that carry no credentials (anonymous auth is on by default)",
	"system:unauthenticated": "every request that carries no credentials",
	"system:authenticated":   "everyone with any valid credential, the token of every pod in the cluster included",
}

// isEveryone reports a subject that stands for anonymous or all authenticated users.
func (s subject) isEveryone() bool {
	_, ok := everyone[s.name]
	return ok && s.kind != "ServiceAccount"
}

// isSystem reports a Kubernetes component identity (system:kube-controller-manager,
// system:masters, system:nodes...): bindings to them come with the control plane. Service
// account identities (system:serviceaccount:*, system:serviceaccounts[:*]) and the
// "everyone" identities are not components, whatever their prefix.
func (s subject) isSystem() bool {
	return (s.kind == "User" || s.kind == "Group") && strings.HasPrefix(s.name, "system:") &&
		!strings.HasPrefix(s.name, "system:serviceaccount") && !s.isEveryone()
}

const clusterAdmin = "cluster-admin"

func (b *binding) bindsClusterAdmin() bool {
	return b.roleKind == "ClusterRole" && b.roleName == clusterAdmin
}

// --- rbac-cluster-admin-binding --------------------------------------------------------

var clusterAdminBinding = &check.Check{
	ID:       "rbac-cluster-admin-binding",
	Category: category,
	Severity: finding.Critical,
	Doc: check.Doc{
		Title: "Binding grants the cluster-admin ClusterRole",
		Why: `cluster-admin is every verb on every resource. Through a ClusterRoleBinding it is full control of
the cluster: every Secret, every node, RBAC itself. Through a RoleBinding it is full control
of the namespace (high): its Secrets, its workloads and its RBAC, from which any service
account of the namespace can be used. An application, operator or CI service account with
cluster-admin turns any bug in it into a cluster takeover. Bindings whose subjects are all
Kubernetes component identities (User or Group names starting with "system:", such as
system:masters or system:kube-controller-manager) are left alone; service accounts,
system:serviceaccounts groups and the anonymous and authenticated groups are not exempt.
Reported at roleRef.name.`,
		Bad: `kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: operator
    namespace: operators`,
		Good: `kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: operator      # a ClusterRole listing what the operator uses
subjects:
  - kind: ServiceAccount
    name: operator
    namespace: operators`,
		Fix: `Write a ClusterRole (or, better, a Role per namespace) with the API groups, resources and verbs the
subject uses, and bind that; for people, bind admin or edit in their namespaces.`,
	},
	References: []check.Reference{check.CIS("5.1.1"), check.NSA("authn-authz/rbac"), check.MITRE("T1078")},
	Run: func(p *check.Pass) {
		forEachBinding(p, func(b *binding) {
			if !b.bindsClusterAdmin() {
				return
			}
			var who []string
			for _, s := range b.subjects {
				if !s.isSystem() {
					who = append(who, s.String())
				}
			}
			if len(who) == 0 {
				// No subjects grants nothing; only component identities is the control plane's own.
				return
			}
			d := check.Diagnostic{Object: b.obj, Path: fieldpath.New("roleRef", "name"),
				Message: fmt.Sprintf("%s %s binds cluster-admin to %s: full control of the cluster",
					b.obj.Ref.Kind, quote(b.obj.Ref.Name), strings.Join(who, ", ")),
				Fix: &finding.Fix{Description: "bind a role limited to what the subjects use instead of cluster-admin"}}
			if b.obj.Ref.Kind == "RoleBinding" {
				d.Severity = finding.High
				d.Message = fmt.Sprintf("%s %s binds cluster-admin to %s: full control of namespace %q, its Secrets and RBAC included",
					b.obj.Ref.Kind, quote(b.obj.Ref.Name), strings.Join(who, ", "), p.Settings.NamespaceOf(b.obj))
			}
			p.Report(d)
		})
	},
}
