package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Checks for the grants that lead straight to cluster-admin: the RBAC escalation verbs,
// minting service account tokens, the kubelet API, signing client certificates and
// admission webhooks. Each reports at most one finding per rule.

// grantCheck is the shared shape of these checks: a rule that grants any of perms is
// reported once, at the first granting verb (atVerb) or matching resource entry.
type grantCheck struct {
	perms  []perm
	atVerb bool
	// narrowedSev is the severity of a rule limited by resourceNames: the named objects
	// may be harmless, but the rule still needs a look.
	narrowedSev finding.Severity
	message     func(r *rule, s summary, scope string) string
	fix         string
}

func (g grantCheck) run(p *check.Pass) {
	forEachRule(p, func(r *rule) {
		hits := r.grants(g.perms, false)
		if len(hits) == 0 {
			return
		}
		s := summarize(hits, g.atVerb)
		f := ruleFinding{at: s.at, message: g.message(r, s, scope(p, r)) + r.namesSuffix(), fix: g.fix}
		switch {
		case s.loose:
			f.sev, f.message = finding.Low, f.message+looseSuffix
		case r.narrowed():
			f.sev = g.narrowedSev
		}
		f.report(p, r)
	})
}

// viaStar notes a grant that comes from verbs: ["*"], which is easy to miss when reading.
func viaStar(s summary) string {
	for _, v := range s.verbs {
		if v == all {
			return ` (through verbs "*")`
		}
	}
	return ""
}

// --- rbac-privilege-escalation-verbs ---------------------------------------------------

var escalationPerms = []perm{
	{verbs: []string{"escalate"}, groups: []string{rbacGroup}, resource: "roles"},
	{verbs: []string{"escalate"}, groups: []string{rbacGroup}, resource: "clusterroles", cluster: true},
	{verbs: []string{"bind"}, groups: []string{rbacGroup}, resource: "roles"},
	// Not cluster-only: the API server checks bind in the namespace of the binding being
	// written, so bind on clusterroles in a Role (or a RoleBinding) lets its subjects bind any
	// ClusterRole, admin or cluster-admin, in that namespace through a RoleBinding (the
	// delegation the RBAC documentation shows).
	{verbs: []string{"bind"}, groups: []string{rbacGroup}, resource: "clusterroles"},
	{verbs: []string{"impersonate"}, groups: []string{""}, resource: "users", cluster: true},
	{verbs: []string{"impersonate"}, groups: []string{""}, resource: "groups", cluster: true},
	{verbs: []string{"impersonate"}, groups: []string{""}, resource: "serviceaccounts"},
	{verbs: []string{"impersonate"}, groups: []string{"authentication.k8s.io"}, resource: "uids", cluster: true},
}

var escalationVerbs = &check.Check{
	ID:       "rbac-privilege-escalation-verbs",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Role or ClusterRole grants escalate, bind or impersonate",
		Why: `RBAC stops a subject from granting permissions it does not hold itself, unless it has escalate
on roles or clusterroles (it may then write any rule into a role) or bind (it may then bind
any role, cluster-admin included, to anyone, itself included). impersonate on users, groups,
service accounts or uids lets it send requests as someone else, for example as a member of
system:masters. Each of them is one step from cluster-admin (namespace admin for a Role).
Matches the verbs written out or granted by verbs: ["*"] on the named resources; resources:
["*"] is left to rbac-wildcard unless the verb is written out. Reported once per rule, at
the first such verb.
A rule with resourceNames is reported at medium (low when it only grants bind: binding the
named roles is the documented way to delegate role assignment); review that the names are
not powerful roles or identities.`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles", "clusterrolebindings"]
    verbs: ["get", "create", "bind", "escalate"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterrolebindings"]
    verbs: ["get", "create"]`,
		Fix: `Remove escalate, bind and impersonate (and "*" verbs on roles, clusterroles, users, groups and
serviceaccounts). A controller that must hand out one role should get bind with
resourceNames naming that role.`,
	},
	References: []check.Reference{check.CIS("5.1.8"), check.NSA("authn-authz/rbac"), check.MITRE("T1098.006")},
	Run: func(p *check.Pass) {
		forEachRule(p, func(r *rule) {
			hits := r.grants(escalationPerms, false)
			if len(hits) == 0 && r.hasVerb("escalate", "bind", "impersonate") {
				// An escalation verb written out is deliberate, even on resources: ["*"].
				hits = r.grants(escalationPerms, true)
			}
			if len(hits) == 0 {
				return
			}
			s := summarize(hits, true)
			byVerb := map[string][]string{}
			for _, h := range hits {
				v := h.perm.verbs[0]
				byVerb[v] = append(byVerb[v], h.perm.resource)
			}
			var parts []string
			for _, v := range []string{"escalate", "bind", "impersonate"} {
				if rs := distinct(byVerb[v]); len(rs) > 0 {
					parts = append(parts, v+" on "+list(rs))
				}
			}
			var effect []string
			if len(byVerb["escalate"]) > 0 || len(byVerb["bind"]) > 0 {
				effect = append(effect, "grant themselves or others any permission")
			}
			if len(byVerb["impersonate"]) > 0 {
				effect = append(effect, "act as other users, groups or service accounts")
			}
			where := scope(p, r)
			if clusterOnly(hits) {
				// users, groups, uids and clusterroles are not namespaced: a RoleBinding to
				// this ClusterRole grants none of it, so "in one namespace" would mislead.
				where = "when bound by a ClusterRoleBinding (a RoleBinding grants none of it: the resources are cluster-scoped)"
			}
			f := ruleFinding{at: s.at,
				message: fmt.Sprintf("%s grants %s%s %s: its subjects can %s%s",
					r.kindName(), strings.Join(parts, ", "), viaStar(s), where, strings.Join(effect, " and "), r.namesSuffix()),
				fix: "remove the escalate, bind and impersonate verbs from the rule",
			}
			if r.narrowed() {
				f.sev = finding.Medium
				if len(byVerb) == 1 && len(byVerb["bind"]) > 0 {
					f.sev = finding.Low
				}
			}
			f.report(p, r)
		})
	},
}

// clusterOnly reports hits that are all on cluster-scoped resources.
func clusterOnly(hits []hit) bool {
	for _, h := range hits {
		if !h.perm.cluster {
			return false
		}
	}
	return len(hits) > 0
}

// hasVerb reports whether one of verbs is written out in the rule.
func (r *rule) hasVerb(verbs ...string) bool {
	for _, e := range r.verbs {
		if contains(verbs, e.value) {
			return true
		}
	}
	return false
}

// --- rbac-token-create -----------------------------------------------------------------

var tokenCreate = &check.Check{
	ID:       "rbac-token-create",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Role or ClusterRole allows creating service account tokens",
		Why: `create on serviceaccounts/token is the TokenRequest API: it returns a fresh token for any service
account in scope, and the caller can then act as that service account with all of its
permissions. Bound to a namespace with a powerful service account (a controller, a CI
runner), it is that controller's access. Matches "serviceaccounts/token" and "*/token"
entries in the core API group. Reported once per rule, at the resource entry.
A rule with resourceNames is reported at medium: it mints tokens only for the named service
accounts, which are as powerful as their bindings make them.` + looseNote,
		Bad: `kind: Role
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts/token"]
    verbs: ["create"]`,
		Good: `kind: Role
rules:
  - apiGroups: [""]
    resources: ["serviceaccounts"]
    verbs: ["get", "list"]`,
		Fix: `Remove create on serviceaccounts/token; pods get their own tokens through projected volumes. Where
a component must mint tokens, name the service accounts with resourceNames.`,
	},
	References: []check.Reference{check.CIS("5.1.13"), check.NSA("authn-authz/rbac"), check.MITRE("T1552.007")},
	Run: grantCheck{
		perms:       []perm{{verbs: []string{"create"}, groups: []string{""}, resource: "serviceaccounts/token"}},
		narrowedSev: finding.Medium,
		message: func(r *rule, s summary, scope string) string {
			return fmt.Sprintf("%s allows %s on %s %s: its subjects can mint tokens for service accounts and act as them",
				r.kindName(), list(s.verbs), list(s.resources), scope)
		},
		fix: "remove create on serviceaccounts/token from the rule",
	}.run,
}

// --- rbac-node-proxy -------------------------------------------------------------------

var nodeProxy = &check.Check{
	ID:       "rbac-node-proxy",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "ClusterRole grants access to nodes/proxy (the kubelet API)",
		Why: `nodes/proxy lets its subjects reach the kubelet API of every node through the API server, or
directly with their token. The kubelet authorizes exec, attach, port-forward and run on its
pods with nothing more than nodes/proxy, and a websocket upgrade turns a get into exec, so
even read-only looking grants run commands in every pod of the cluster, past the admission
control that guards pods/exec (and, sent to the kubelet directly, past the audit log).
Monitoring agents that scrape kubelet metrics need nodes/metrics and nodes/stats, not
nodes/proxy. Any verb an HTTP method maps to (get, create, update, patch, delete) is
reported, once per rule, at the resource entry; nodes are cluster-scoped, so a Role cannot
grant it.
A rule with resourceNames is reported at medium (the named nodes only).` + looseNote,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["nodes", "nodes/proxy"]
    verbs: ["get", "list", "watch"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["nodes", "nodes/metrics", "nodes/stats"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Replace nodes/proxy with nodes/metrics and nodes/stats (and nodes/log where the agent reads
node logs); scrape kubelet metrics with those.`,
	},
	References: []check.Reference{check.CIS("5.1.10"), check.NSA("authn-authz/rbac"), check.MITRE("T1609")},
	Run: grantCheck{
		// The kubelet and the API server's proxy map HTTP methods to these verbs; a proxy
		// request always names its node, so list and watch never apply.
		perms:       []perm{{verbs: []string{"get", "create", "update", "patch", "delete"}, groups: []string{""}, resource: "nodes/proxy", cluster: true}},
		narrowedSev: finding.Medium,
		message: func(r *rule, s summary, _ string) string {
			return fmt.Sprintf("%s allows %s on %s: its subjects reach the kubelet API, which runs commands in any pod of the node",
				r.kindName(), list(s.verbs), list(s.resources))
		},
		fix: "replace nodes/proxy with nodes/metrics and nodes/stats",
	}.run,
}

// --- rbac-csr-approval -----------------------------------------------------------------

var csrApproval = &check.Check{
	ID:       "rbac-csr-approval",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "ClusterRole allows approving certificate signing requests",
		Why: `update or patch on certificatesigningrequests/approval approves CSRs. Together with approve on the
signer (signers in certificates.k8s.io), which many such roles also hold, its subjects can
sign a client certificate for the kube-apiserver-client signer with any user name and any
group, system:masters included, and so authenticate as cluster-admin without any binding.
Matches "certificatesigningrequests/approval" and "*/approval" in the certificates.k8s.io
group. Reported once per rule, at the resource entry; CSRs are cluster-scoped, so a Role
cannot grant it.
A rule with resourceNames is reported at medium (the named CSRs only).` + looseNote,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests", "certificatesigningrequests/approval"]
    verbs: ["get", "list", "update"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: ["certificates.k8s.io"]
    resources: ["certificatesigningrequests"]
    verbs: ["get", "list", "watch", "create"]`,
		Fix: `Leave approval to kube-controller-manager's approvers or a dedicated approver limited, with
resourceNames on signers, to a signer that cannot issue API client certificates.`,
	},
	References: []check.Reference{check.CIS("5.1.11"), check.NSA("authn-authz/rbac")},
	Run: grantCheck{
		perms: []perm{{verbs: []string{"update", "patch"}, groups: []string{"certificates.k8s.io"},
			resource: "certificatesigningrequests/approval", cluster: true}},
		narrowedSev: finding.Medium,
		message: func(r *rule, s summary, _ string) string {
			return fmt.Sprintf("%s allows %s on %s: its subjects can approve certificate requests, including client certificates for any user or group",
				r.kindName(), list(s.verbs), list(s.resources))
		},
		fix: "remove certificatesigningrequests/approval from the rule",
	}.run,
}

// --- rbac-webhook-write ----------------------------------------------------------------

var writeVerbs = []string{"create", "update", "patch", "delete", "deletecollection"}

var webhookWrite = &check.Check{
	ID:       "rbac-webhook-write",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "ClusterRole can create, change or delete admission webhook configurations",
		Why: `A mutating webhook sees, and may change, every object the API server admits: it can read
Secrets as they are written and inject containers, volumes or privileges into every pod.
A validating webhook sees them too. Deleting or loosening the webhooks of a policy engine
(Kyverno, Gatekeeper) switches enforcement off. Write verbs (create, update, patch, delete,
deletecollection) on mutatingwebhookconfigurations and validatingwebhookconfigurations in
admissionregistration.k8s.io are reported, once per rule, at the first write verb; webhook
configurations are cluster-scoped, so a Role cannot grant it.
Controllers that only keep their own webhook's caBundle up to date should name it with
resourceNames; such rules are reported at medium.`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations"]
    verbs: ["get", "list", "watch", "update", "patch"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["mutatingwebhookconfigurations"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Drop the write verbs, or limit update and patch with resourceNames to the webhook configuration
the controller owns (create cannot be limited by name: create it with the manifests instead).`,
	},
	References: []check.Reference{check.CIS("5.1.12"), check.NSA("authn-authz/rbac")},
	Run: grantCheck{
		perms: []perm{
			{verbs: writeVerbs, groups: []string{"admissionregistration.k8s.io"}, resource: "mutatingwebhookconfigurations", cluster: true},
			{verbs: writeVerbs, groups: []string{"admissionregistration.k8s.io"}, resource: "validatingwebhookconfigurations", cluster: true},
		},
		atVerb:      true,
		narrowedSev: finding.Medium,
		message: func(r *rule, s summary, _ string) string {
			return fmt.Sprintf("%s allows %s on %s: its subjects can intercept, change or switch off admission of every object",
				r.kindName(), list(s.verbs), list(s.resources))
		},
		fix: "remove the write verbs, or limit update and patch to the controller's own webhook configuration with resourceNames",
	}.run,
}
