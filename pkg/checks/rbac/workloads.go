package rbac

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-secure/kubectl-secure/pkg/access"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Checks of what the pods of each workload can do through their ServiceAccount, resolved by
// pkg/access. They are in the rbac category because what they report is granted, and is
// fixed, in RBAC objects and in the account a pod spec names; the token that carries the
// access into the pod is service-account-token-automount's (secrets).

// pathRelation is the doc paragraph the three checks share.
const pathRelation = `
The path is followed as the API server's RBAC authorizer would, offline: the pod spec's
serviceAccountName (or "default"), the RoleBindings and ClusterRoleBindings whose subjects
name that account (or the groups system:serviceaccounts, system:serviceaccounts:<ns> and
system:authenticated), their Role or ClusterRole (aggregated ClusterRoles resolved over the
input's ClusterRoles), and its rules. cluster-admin, admin, edit and view are known without
the input defining them. Objects relate as in every cross-object check: a namespace that is
named meets across the whole input; the implicit namespace of objects that name none is
their deploy unit's. Pods that name no account reach the bindings of their namespace's
"default" account only in their own deploy unit (with deployScope: repository, the whole
input): that account exists without anybody writing it, and a binding of it in another
unit is another deployment's decision, reported once at its subject instead of at every
unrelated pod of the namespace.`

// References, written out as pkg/check's table of each framework titles them (the
// check.CIS/NSA/MITRE helpers that look them up are not on this branch's base yet).
var (
	refCIS511   = check.Reference{Framework: check.FrameworkCIS, ID: "5.1.1", Title: "Ensure that the cluster-admin role is only used where required"}
	refCIS512   = check.Reference{Framework: check.FrameworkCIS, ID: "5.1.2", Title: "Minimize access to secrets"}
	refCIS514   = check.Reference{Framework: check.FrameworkCIS, ID: "5.1.4", Title: "Minimize access to create pods"}
	refCIS515   = check.Reference{Framework: check.FrameworkCIS, ID: "5.1.5", Title: "Ensure that default service accounts are not actively used"}
	refCIS518   = check.Reference{Framework: check.FrameworkCIS, ID: "5.1.8", Title: "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster"}
	refNSARBAC  = check.Reference{Framework: check.FrameworkNSA, ID: "authn-authz/rbac", Title: "Role-based access control"}
	refNSAToken = check.Reference{Framework: check.FrameworkNSA, ID: "pod-security/service-account-tokens", Title: "Protecting Pod service account tokens"}
	refT1078    = check.Reference{Framework: check.FrameworkMITRE, ID: "T1078.001", Title: "Valid Accounts: Default Accounts"}
	refT1552    = check.Reference{Framework: check.FrameworkMITRE, ID: "T1552.007", Title: "Unsecured Credentials: Container API"}
	refT1609    = check.Reference{Framework: check.FrameworkMITRE, ID: "T1609", Title: "Container Administration Command"}
	refT1610    = check.Reference{Framework: check.FrameworkMITRE, ID: "T1610", Title: "Deploy Container"}
	refT1098    = check.Reference{Framework: check.FrameworkMITRE, ID: "T1098.006", Title: "Account Manipulation: Additional Container Cluster Roles"}
)

// capabilitySeverity rates a capability by where it applies.
func capabilitySeverity(c access.Capability, clusterWide bool) finding.Severity {
	switch c {
	case access.ClusterAdmin, access.Escalate:
		if clusterWide {
			return finding.Critical
		}
		return finding.High
	case access.NodeProxy:
		return finding.Critical
	case access.TokenCreate:
		return finding.High
	case access.ReadSecrets, access.Exec:
		if clusterWide {
			return finding.High
		}
		return finding.Medium
	}
	return finding.Medium // CreateWorkloads
}

// pathText names a grant's path for a message: `through RoleBinding "b" → Role "r"`.
func pathText(g access.Grant) string {
	s := fmt.Sprintf("through %s %s → %s %s", g.Binding.Kind, quote(g.Binding.Name), g.Role.Kind, quote(g.Role.Name))
	if g.Source.Name != g.Role.Name || g.Source.Kind != g.Role.Kind {
		s += fmt.Sprintf(" (aggregating ClusterRole %s)", quote(g.Source.Name))
	}
	if g.Binding.Group != "" {
		s += fmt.Sprintf(" (as a member of group %s)", quote(g.Binding.Group))
	}
	return s
}

// scopeText says where a grant applies.
func scopeText(g access.Grant) string {
	if g.ClusterWide() {
		return "in every namespace"
	}
	return fmt.Sprintf("in namespace %q", g.Scope)
}

func workloadName(w *access.Workload) string {
	return fmt.Sprintf("%s %s", w.Object.Ref.Kind, quote(w.Object.Ref.Name))
}

// --- workload-rbac-privileges ----------------------------------------------------------

var workloadPrivileges = &check.Check{
	ID:       "workload-rbac-privileges",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Workload's pods can read Secrets, exec, create workloads, escalate or act as cluster-admin through their ServiceAccount",
		Why: `Whoever gets code execution in a pod (an injection bug, a compromised dependency, a
malicious image) holds its ServiceAccount token and so everything RBAC grants that account.
The role checks (rbac-secrets-read, rbac-pod-exec, ...) say what a role allows; this check
says which workloads actually hold it, and by which binding, which is what an attacker
follows from a foothold in a pod. One finding per pod spec, listing every capability with
one path (binding → role) each, and how many other paths grant it; as severe as the worst:
critical for cluster-admin-equivalent ("*" on "*" in "*", or cluster-admin) and
escalate/bind/impersonate in every namespace, and for nodes/proxy; high for those in one
namespace, for creating service account tokens, and for reading Secrets or exec in every
namespace; medium for reading Secrets or exec in one namespace and for creating pods or
workloads. Controllers and operators legitimately hold some of these: the finding is then
the inventory of the blast radius, and the place to narrow it (resourceNames, a Role
instead of a ClusterRole) or to accept it with a suppression comment.` + pathRelation + `
Reported at the pod spec's serviceAccountName, or at the pod spec when it names none.`,
		Bad: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{name: api, image: api:1.2}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api-secrets, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
subjects: [{kind: ServiceAccount, name: api}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: prod}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]`,
		Good: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: prod}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{name: api, image: api:1.2}]
      volumes: [{name: tls, secret: {secretName: api-tls}}]   # mount what it needs
# and no binding that lets "api" read Secrets`,
		Fix: `Give each workload its own ServiceAccount and bind it a Role listing only what it calls;
mount Secrets instead of reading them through the API; use resourceNames for the objects a
controller owns; prefer RoleBindings in the namespaces it works in to ClusterRoleBindings.`,
	},
	Facts:      access.Facts,
	References: []check.Reference{refCIS511, refCIS512, refCIS514, refCIS518, refNSARBAC, refT1552, refT1609, refT1610, refT1098},
	Run: func(p *check.Pass) {
		for _, w := range access.Analyze(p.Facts, p.Settings).Workloads() {
			if len(w.Grants) > 0 {
				reportPrivileges(p, w)
			}
		}
	},
}

// reportPrivileges reports one workload: each capability with its first path (cluster-wide
// paths first, being the wider) and the number of others.
func reportPrivileges(p *check.Pass, w *access.Workload) {
	first := map[access.Capability]access.Grant{}
	// Paths are counted as a reader tells them apart: the same binding and role written in
	// two files that both reach the account (two overlays, two copies of an install) are
	// one path.
	paths := map[access.Capability]map[string]bool{}
	for _, g := range w.Grants {
		if paths[g.Capability] == nil {
			paths[g.Capability] = map[string]bool{}
		}
		paths[g.Capability][scopeText(g)+" "+pathText(g)] = true
		if f, ok := first[g.Capability]; !ok || g.ClusterWide() && !f.ClusterWide() {
			first[g.Capability] = g
		}
	}
	var parts []string
	sev := finding.Severity(0)
	for _, c := range access.Capabilities() {
		g, ok := first[c]
		if !ok {
			continue
		}
		sev = max(sev, capabilitySeverity(c, g.ClusterWide()))
		what := c.Describe()
		if c == access.ClusterAdmin && !g.ClusterWide() {
			what = "do anything (every verb on every resource of the namespace)"
		}
		part := fmt.Sprintf("%s %s %s", what, scopeText(g), pathText(g))
		if n := len(paths[c]) - 1; n > 0 {
			part += fmt.Sprintf(" (and %d more path%s)", n, plural(n))
		}
		parts = append(parts, part)
	}
	p.Report(check.Diagnostic{Object: w.Object, Path: w.Path, At: &w.At, Severity: sev,
		Message: fmt.Sprintf("pods of %s (service account %q) can %s", workloadName(w), w.Account, strings.Join(parts, "; ")),
		Fix:     &finding.Fix{Description: "give the workload an account of its own bound to a role with only what it uses"}})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// --- default-service-account-bound --------------------------------------------

var defaultAccountBound = &check.Check{
	ID:       "default-service-account-bound",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: `A binding grants a role to a namespace's "default" ServiceAccount, which every pod that names no account runs as`,
		Why: `Every pod of a namespace that names no account runs as "default". A binding that grants the
default account a role therefore grants it to every such pod, today's and those added
later by anyone who can deploy to the namespace, and an attacker in any one of them holds
it. The CIS Kubernetes Benchmark (5.1.5) asks that default accounts not be used: workloads
that call the API get an account of their own. Reported for each workload that runs as
"default" (naming it or naming none) when a RoleBinding or ClusterRoleBinding in the input
names the default account itself (a ServiceAccount subject, or the user
system:serviceaccount:<ns>:default), whatever the role; bindings to the groups of all
accounts are not counted, they are not the default account's own. Such a binding that no
workload of the input runs under is reported at its subject instead: the pods of the
namespace that will hold it are deployed from elsewhere.` + pathRelation + `
Reported at serviceAccountName, or at the pod spec when it names none; at the binding's
subjects entry when no workload of the input runs as the account.`,
		Bad: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: web, image: web:1.2}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: default-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: default}]`,
		Good: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: web
      containers: [{name: web, image: web:1.2}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web-view, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web}]`,
		Fix: `Create a ServiceAccount for the workload, bind the role to it, set serviceAccountName, and
remove the binding of the default account.`,
	},
	Facts:      access.Facts,
	References: []check.Reference{refCIS515, refNSARBAC, refNSAToken, refT1078},
	Run: func(p *check.Pass) {
		m := access.Analyze(p.Facts, p.Settings)
		reached := map[*access.BindingRef]bool{} // by a workload of the input
		for _, w := range m.Workloads() {
			if w.Account != "default" {
				continue
			}
			var paths []string
			for _, b := range w.Bindings {
				if b.Group == "" {
					reached[b] = true
					paths = append(paths, fmt.Sprintf("%s %s → %s %s", b.Kind, quote(b.Name), b.Role.Kind, quote(b.Role.Name)))
				}
			}
			paths = distinct(paths) // the same binding written in two files is one path
			if len(paths) == 0 {
				continue
			}
			p.Report(check.Diagnostic{Object: w.Object, Path: w.Path, At: &w.At,
				Message: fmt.Sprintf(`%s runs as the "default" service account of namespace %q, which %s binds to a role: every pod of the namespace that names no account holds it`,
					workloadName(w), w.Namespace, strings.Join(paths, ", ")),
				Fix: &finding.Fix{Description: "give the workload its own ServiceAccount and bind the role to that"}})
		}
		for _, b := range m.AccountSubjects() {
			if b.Account != "default" || reached[b] {
				continue
			}
			p.Report(check.Diagnostic{Object: b.Object, Path: b.SubjectPath, At: &b.At,
				Message: fmt.Sprintf(`%s %s binds %s %s to the "default" service account of namespace %q: every pod of the namespace that names no account holds it`,
					b.Kind, quote(b.Name), b.Role.Kind, quote(b.Role.Name), b.AccountNamespace),
				Fix: &finding.Fix{Description: "bind the role to a ServiceAccount of the workloads that need it instead of default"}})
		}
	},
}

// --- workload-service-account-missing --------------------------------------------------

var accountMissing = &check.Check{
	ID:       "workload-service-account-missing",
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: "Workload names a ServiceAccount its namespace's ServiceAccounts in the input do not include",
		Why: `Pods that name an account that does not exist are not created: the ReplicaSet or Job controller
reports "serviceaccount not found" and retries. A misspelt name, or a rename that missed
the pod spec, also means the bindings written for the account reach nothing, and once
somebody creates an account of that name (another team, another chart), the pods run with
whatever it was given. Reported only when the input defines at least one ServiceAccount in
the workload's namespace, as the repository then manages that namespace's accounts; an
account created by a Helm chart, an operator or another repository is the common reason
for a false alarm, so the severity is low: suppress it there. The "default" account always
exists and is never reported, nor is an account or namespace that is no valid name (a
template placeholder such as HELMSUBST_SA_NAME or {{ .Release.Namespace }}).` + pathRelation + `
Reported at serviceAccountName.`,
		Bad: `apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: apii
      containers: [{name: api, image: api:1.2}]`,
		Good: `apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      serviceAccountName: api
      containers: [{name: api, image: api:1.2}]`,
		Fix: "Correct serviceAccountName, or add the ServiceAccount to the input.",
	},
	Facts:      access.Facts,
	References: []check.Reference{refNSARBAC, refT1078},
	Run: func(p *check.Pass) {
		for _, w := range access.Analyze(p.Facts, p.Settings).Workloads() {
			if !w.AccountNamed || w.Account == "default" || w.AccountDefined || w.NamespaceAccounts == 0 {
				continue
			}
			if len(validation.IsDNS1123Subdomain(w.Account)) > 0 || len(validation.IsDNS1123Label(w.Namespace)) > 0 {
				continue // a template's placeholder (HELMSUBST_..., {{ .Release.Namespace }}), not a name
			}
			p.Report(check.Diagnostic{Object: w.Object, Path: w.Path, At: &w.At,
				Message: fmt.Sprintf("%s runs as service account %q, which the input does not define in namespace %q (it defines %d other ServiceAccount%s there); its pods are not created until the account exists",
					workloadName(w), w.Account, w.Namespace, w.NamespaceAccounts, plural(w.NamespaceAccounts)),
				Fix: &finding.Fix{Description: "correct serviceAccountName or add the ServiceAccount"}})
		}
	},
}
