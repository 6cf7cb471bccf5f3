package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// --- rbac-anonymous-binding ------------------------------------------------------------

// publicRoles are the ClusterRoles Kubernetes itself binds to system:authenticated and
// system:unauthenticated: API discovery, version and self-review only.
var publicRoles = map[string]bool{
	"system:basic-user":         true,
	"system:discovery":          true,
	"system:public-info-viewer": true,
}

// grant is what a role lets its subjects do, as severe as the worst of it.
type grant struct {
	severity finding.Severity
	what     string // for messages: "it reads Secrets"
}

// wellKnownRoles are the user-facing ClusterRoles every cluster has. The API server
// reconciles them at start-up, so what the cluster grants is theirs, whatever an input
// with the same name says.
var wellKnownRoles = map[string]grant{
	clusterAdmin: {finding.Critical, "it is every verb on every resource"},
	"admin":      {finding.High, "it reads Secrets and changes workloads and RBAC in a namespace"},
	"edit":       {finding.High, "it reads Secrets and changes workloads"},
	"view":       {finding.Medium, "it reads every resource but Secrets"},
}

// onlyReads only read. "head" is the verb of HEAD requests to non-resource URLs.
var onlyReads = map[string]bool{"get": true, "list": true, "watch": true, "head": true}

// escalating turn a grant into any other grant.
var escalating = map[string]bool{"escalate": true, "bind": true, "impersonate": true}

// grantOf rates what a role's rules grant: critical for every verb on every resource or an
// escalation verb; high for any other write or for reading Secrets (a resource "*" includes
// them); medium for reading whole resource types; low for reading named objects only, or
// non-resource URLs (health and version endpoints), or nothing.
func grantOf(rules []*rule) grant {
	g := grant{finding.Low, "it grants nothing"}
	raise := func(sev finding.Severity, what string) {
		if sev > g.severity || g.what == "it grants nothing" {
			g = grant{sev, what}
		}
	}
	for _, r := range rules {
		verbs, resources := values(r.verbs), values(r.resources)
		if len(verbs) == 0 || len(resources) == 0 && len(r.nonResourceURLs) == 0 {
			continue
		}
		var writes, escalates []string
		for _, v := range verbs {
			switch {
			case v == all:
				writes = append(writes, v)
			case escalating[v]:
				escalates = append(escalates, v)
			case !onlyReads[v]:
				writes = append(writes, v)
			}
		}
		readsSecrets := len(resources) > 0 && r.groupMatches([]string{""}) &&
			(contains(resources, "secrets") || contains(resources, all))
		switch {
		case contains(verbs, all) && contains(resources, all) && r.groupMatches([]string{all}):
			raise(finding.Critical, "it is every verb on every resource")
		case len(escalates) > 0:
			raise(finding.Critical, "it can "+list(escalates)+" (escalate to any permission)")
		case len(writes) > 0 && len(resources) > 0:
			raise(finding.High, "it can "+list(writes)+" "+list(resources))
		case readsSecrets:
			raise(finding.High, "it reads Secrets")
		case len(resources) > 0 && !r.narrowed():
			raise(finding.Medium, "it reads every object of "+list(resources))
		case len(resources) > 0:
			raise(finding.Low, "it only reads named objects ("+list(values(r.resourceNames))+" of "+list(resources)+")")
		default:
			raise(finding.Low, "it only reaches non-resource URLs")
		}
	}
	return g
}

// roleKey names a Role or ClusterRole as a binding refers to it: a ClusterRole by name, a
// Role by name in the namespace it meets its binding in.
type roleKey struct {
	kind      string
	namespace check.Namespace // zero for a ClusterRole
	name      string
}

// roleFact is what the check keeps of a Role or ClusterRole.
type roleFact struct {
	key   roleKey
	grant grant
	// aggregated ClusterRoles get their rules from the roles they select, which the
	// controller manager fills in: what they grant is not written in them.
	aggregated bool
}

// everyoneBinding is a binding with at least one subject that stands for everyone.
type everyoneBinding struct {
	obj      *manifest.Object
	role     roleKey
	subjects []everyoneSubject
}

type everyoneSubject struct {
	subject
	at manifest.Position
}

var anonymousFacts = &check.Facts{Name: "rbac-anonymous", Of: anonymousFact}

func anonymousFact(o *manifest.Object, s *check.Settings) any {
	switch {
	case isRBAC(o, "Role", "ClusterRole"):
		k := roleKey{kind: o.Ref.Kind, name: o.Ref.Name}
		if o.Ref.Kind == "Role" {
			k.namespace = s.ScopeOf(o)
		}
		agg := fieldpath.MapGet(o.Root, "aggregationRule")
		return &roleFact{key: k, grant: grantOf(rulesOf(o)), aggregated: agg != nil && agg.Tag != "!!null"}
	case isRBAC(o, "RoleBinding", "ClusterRoleBinding"):
		var out *everyoneBinding
		p := &check.Pass{Objects: []*manifest.Object{o}, Settings: s}
		forEachBinding(p, func(b *binding) {
			if b.roleKind == "ClusterRole" && publicRoles[b.roleName] {
				return
			}
			k := roleKey{kind: b.roleKind, name: b.roleName}
			if b.roleKind == "Role" {
				k.namespace = s.ScopeOf(o)
			}
			for _, sub := range b.subjects {
				if sub.isEveryone() {
					if out == nil {
						out = &everyoneBinding{obj: o, role: k}
					}
					out.subjects = append(out.subjects, everyoneSubject{sub, o.Locate(sub.path)})
				}
			}
		})
		if out == nil {
			return nil
		}
		return out
	}
	return nil
}

var anonymousBinding = &check.Check{
	ID:       "rbac-anonymous-binding",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Binding grants a role to anonymous, unauthenticated or all authenticated users",
		Why: `system:anonymous and system:unauthenticated are requests without credentials: the API server
accepts them by default, so a role bound to them is open to anyone who can reach the API
server. system:authenticated is everyone with any valid credential, including the service
account token of every pod in the cluster and, on some managed clusters, any account of the
cloud provider. Bindings of the ClusterRoles Kubernetes itself binds to these groups
(system:basic-user, system:discovery, system:public-info-viewer) are not reported. Each such
subject is reported at its subjects entry, as severe as what the role grants: critical for
cluster-admin, every verb on every resource or escalate, bind or impersonate; high for
reading Secrets or any write (admin, edit); medium for reading whole resource types (view);
low for reading only named objects or non-resource URLs. The role is looked up in the whole
input (a Role in the binding's namespace); a role that is not there, and is none of
cluster-admin, admin, edit and view, is high and the message says it was not found. A
severity set for this check in the config file applies to all its findings.`,
		Bad: `kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    name: system:authenticated
    apiGroup: rbac.authorization.k8s.io`,
		Good: `kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    name: platform-team
    apiGroup: rbac.authorization.k8s.io`,
		Fix: `Bind the role to the users, groups or service accounts that need it, not to everyone.`,
	},
	References: []check.Reference{check.NSA("authn-authz/authentication"), check.NSA("authn-authz/rbac"), check.MITRE("T1078")},
	Facts:      anonymousFacts,
	Run: func(p *check.Pass) {
		meet := check.Meetings{}
		for _, f := range p.Facts {
			meet.Note(f.Object)
		}
		roles := map[roleKey]*roleFact{}
		for _, f := range p.Facts {
			if r, ok := f.Value.(*roleFact); ok {
				k := r.key
				k.namespace = meet.Resolve(k.namespace)
				roles[k] = r
			}
		}
		for _, f := range p.Facts {
			b, ok := f.Value.(*everyoneBinding)
			if !ok {
				continue
			}
			k := b.role
			k.namespace = meet.Resolve(k.namespace)
			sev, why := roleGrant(k, roles[k])
			for _, s := range b.subjects {
				p.Report(check.Diagnostic{Object: b.obj, Path: s.path, At: &s.at, Severity: sev,
					Message: fmt.Sprintf("%s %s grants %s %s to %s: %s; %s",
						b.obj.Ref.Kind, quote(b.obj.Ref.Name), k.kind, quote(k.name), s.subject, everyone[s.name], why),
					Fix: &finding.Fix{Description: "remove the subject and bind the role to the identities that need it"}})
			}
		}
	},
}

// roleGrant rates the bound role: a well-known ClusterRole by what every cluster gives it,
// a role in the input by its rules, any other as the check's default severity.
func roleGrant(k roleKey, r *roleFact) (finding.Severity, string) {
	if g, ok := wellKnownRoles[k.name]; ok && k.kind == "ClusterRole" {
		return g.severity, g.what
	}
	switch {
	case r == nil:
		where := "the input"
		if k.kind == "Role" {
			where += " (in the binding's namespace)"
		}
		return 0, fmt.Sprintf("%s %s is not in %s, so what it grants is unknown", k.kind, quote(k.name), where)
	case r.aggregated:
		return 0, "it aggregates other ClusterRoles, so what it grants is decided in the cluster"
	}
	return r.grant.severity, strings.TrimSpace(r.grant.what)
}
