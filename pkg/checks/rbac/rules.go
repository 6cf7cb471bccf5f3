package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Resource rules. Every check reports at most one finding per rule, at the entry a developer
// has to remove. A rule with resources: ["*"] is reported by rbac-wildcard and, because
// reading every Secret is its most direct consequence, by rbac-secrets-read; the other checks
// only fire on resources the rule names (exactly or as "*/subresource"), so a cluster-admin
// style "*"/"*"/"*" rule gives two findings rather than a dozen. The one exception is an
// escalation verb written out (impersonate on "*"): that is deliberate, not a shortcut.

// looseNote explains "pods/*" findings.
const looseNote = `
Kubernetes RBAC expands only "*" and "*/subresource"; a "pods/*" style entry grants no
subresource at all. It is still reported, at low severity, because it states the intent to
grant them all and becomes effective the day someone "fixes" it to "*/exec" or "*".`

// scope describes where a rule's grants apply.
func scope(p *check.Pass, r *rule) string {
	if r.namespaced {
		return fmt.Sprintf("in namespace %q", p.Settings.NamespaceOf(r.obj))
	}
	return "in every namespace when bound by a ClusterRoleBinding (in one namespace through a RoleBinding)"
}

// aggregatesInto notes the built-in roles a ClusterRole adds its rules to through the
// aggregate-to-* labels: every subject bound to admin, edit or view then gets them too,
// which the role alone does not show.
func (r *rule) aggregatesInto() string {
	if r.namespaced {
		return ""
	}
	labels := fieldpath.LookupKeys(r.obj.Root, "metadata", "labels")
	var into []string
	for _, role := range []string{"admin", "edit", "view"} {
		if v, _ := fieldpath.Str(fieldpath.MapGet(labels, "rbac.authorization.k8s.io/aggregate-to-"+role)); v == "true" {
			into = append(into, role)
		}
	}
	if len(into) == 0 {
		return ""
	}
	return fmt.Sprintf("; its aggregate-to labels add this rule to the built-in %s ClusterRole, and so to everyone bound to it", list(into))
}

// summary is what a check needs to report a rule's hits.
type summary struct {
	at        entry    // where to report: the first granting verb or matching resource
	resources []string // the resources granted
	verbs     []string // the verbs that grant them, as written
	loose     bool     // every hit is a "name/*" entry that grants nothing today
}

// summarize picks where to report hits, at the first verb (atVerb) or resource entry,
// preferring hits that really grant over loose "name/*" ones.
func summarize(hits []hit, atVerb bool) summary {
	var firm []hit
	for _, h := range hits {
		if !h.loose {
			firm = append(firm, h)
		}
	}
	s := summary{loose: len(firm) == 0}
	if s.loose {
		firm = hits
	}
	var at, verbs []entry
	for _, h := range firm {
		if atVerb {
			at = append(at, h.verb)
		} else {
			at = append(at, h.resource)
		}
		verbs = append(verbs, h.verbs...)
		s.resources = append(s.resources, h.perm.resource)
	}
	s.at, s.resources, s.verbs = firstEntry(at), distinct(s.resources), values(verbs)
	return s
}

// ruleFinding is what a resource-rule check reports.
type ruleFinding struct {
	at      entry
	sev     finding.Severity // 0: the check's
	message string
	fix     string
}

func (f ruleFinding) report(p *check.Pass, r *rule) {
	p.Report(check.Diagnostic{Object: r.obj, Path: f.at.path, Severity: f.sev, Message: f.message + r.aggregatesInto(),
		Fix: &finding.Fix{Description: f.fix}})
}

// namesSuffix describes a rule's resourceNames for a message.
func (r *rule) namesSuffix() string {
	if !r.narrowed() {
		return ""
	}
	var vs []string
	for _, e := range r.resourceNames {
		vs = append(vs, e.value)
	}
	return fmt.Sprintf(" (limited by resourceNames to %s)", list(vs))
}

const looseSuffix = `; Kubernetes RBAC does not expand "name/*" entries, so this grants nothing today, but it states the intent: list the subresources you need explicitly`

// --- rbac-wildcard ---------------------------------------------------------------------

var wildcard = &check.Check{
	ID:       "rbac-wildcard",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: `Role or ClusterRole rule uses "*" in apiGroups, resources, verbs or nonResourceURLs`,
		Why: `"*" grants everything that exists today and everything added later: every verb (including
escalate, bind and impersonate), every resource including Secrets and every subresource
(pods/exec, nodes/proxy, serviceaccounts/token), and every API group including the custom
resources of operators installed next year. A "*"/"*"/"*" rule is cluster-admin (in a
ClusterRole) or namespace admin (in a Role). Reported once per rule, at the first "*" entry;
the message lists every wildcarded field. The same rule is also reported by
rbac-secrets-read when it lets its subjects read Secrets, the most common way such access is
abused; the checks for other named resources (pod exec, workload creation, escalation verbs)
leave "*" resources to this check.

Severity follows what the wildcard reaches: critical for "*"/"*"/"*" in a ClusterRole (it is
cluster-admin); high for a full wildcard in a Role, "*" resources in the core, apps, batch,
RBAC, admission, certificates or authentication groups, "*" verbs together with "*" API
groups, and "*" verbs on roles, clusterroles, users, groups or serviceaccounts (they grant
escalate, bind or impersonate); medium for "*" resources of other groups, "*" API groups
alone and "*" verbs on other resources of those sensitive groups; low for "*" verbs on the
resources of other groups (an operator's own custom resources) and for non-resource URL
rules, unless both their verbs and URLs are "*" (medium).`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Replace each "*" with the API groups, resources and verbs the subject actually uses (audit logs or
"kubectl auth can-i --list" help to find them).`,
	},
	References: []check.Reference{check.CIS("5.1.3"), check.NSA("authn-authz/rbac")},
	Run: func(p *check.Pass) {
		forEachRule(p, func(r *rule) {
			var stars []entry
			var fields []string
			has := map[string]bool{}
			for _, f := range []struct {
				name string
				es   []entry
			}{{"apiGroups", r.apiGroups}, {"resources", r.resources}, {"verbs", r.verbs}, {"nonResourceURLs", r.nonResourceURLs}} {
				for _, e := range f.es {
					if e.value == all {
						stars = append(stars, e)
						fields = append(fields, f.name)
						has[f.name] = true
						break
					}
				}
			}
			if len(stars) == 0 {
				return
			}
			sev, what := r.wildcardImpact(has)
			ruleFinding{at: firstEntry(stars), sev: sev,
				message: fmt.Sprintf(`%s rule uses "*" in %s: %s%s`, r.kindName(), strings.Join(fields, ", "), what, r.namesSuffix()),
				fix:     `replace "*" with the API groups, resources and verbs the subject needs`,
			}.report(p, r)
		})
	},
}

// sensitiveGroups hold Secrets, pods and workloads, RBAC, admission webhooks, certificates
// and tokens: a wildcard there reaches what the other checks of this package look for.
var sensitiveGroups = map[string]bool{
	"": true, all: true, "apps": true, "batch": true, "extensions": true, rbacGroup: true,
	"admissionregistration.k8s.io": true, "certificates.k8s.io": true, "authentication.k8s.io": true,
}

// wildcardImpact rates a rule whose fields in has contain "*" and says what it grants.
func (r *rule) wildcardImpact(has map[string]bool) (finding.Severity, string) {
	sensitive := false
	for _, e := range r.apiGroups {
		sensitive = sensitive || sensitiveGroups[e.value]
	}
	switch {
	case len(r.nonResourceURLs) > 0 && len(r.resources) == 0:
		if has["nonResourceURLs"] && has["verbs"] {
			return finding.Medium, "every HTTP verb on every non-resource URL of the API server (health, version, metrics, logs and debug endpoints)"
		}
		if has["verbs"] {
			return finding.Low, "every HTTP verb on the listed non-resource URLs"
		}
		return finding.Low, "every non-resource URL of the API server (health, version, metrics, logs and debug endpoints)"
	case has["apiGroups"] && has["resources"] && has["verbs"]:
		if r.namespaced {
			return finding.High, "every verb on every resource of the namespace, which is namespace admin"
		}
		return finding.Critical, "every verb on every resource, which is cluster-admin"
	case has["resources"]:
		sev := finding.Medium
		if sensitive {
			sev = finding.High
		}
		groups := "of the listed API groups"
		if has["apiGroups"] {
			groups = "in every API group" // with the verbs listed: "*" in all three is above
		}
		if has["verbs"] {
			return sev, "every verb on every resource " + groups + ", including any added later"
		}
		return sev, "every resource and subresource " + groups + ", including any added later"
	case has["apiGroups"]:
		if has["verbs"] {
			return finding.High, "every verb on the listed resources in every API group, including groups installed later"
		}
		return finding.Medium, "the listed resources in every API group, including groups installed later"
	}
	// Only verbs: what "*" adds over the usual verbs depends on the resources.
	var special []string
	for _, e := range r.resources {
		switch e.value {
		case "roles", "clusterroles":
			special = append(special, "escalate", "bind")
		case "users", "groups", "serviceaccounts", "uids":
			special = append(special, "impersonate")
		}
	}
	sev := finding.Low
	if sensitive {
		sev = finding.Medium
	}
	if special = distinct(special); len(special) > 0 {
		return finding.High, "every verb, including " + strings.Join(special, ", ") + " and deletecollection"
	}
	return sev, "every verb, including delete, deletecollection and any verb added later"
}

// --- rbac-secrets-read -----------------------------------------------------------------

var readVerbs = []string{"get", "list", "watch"}

var secretsRead = &check.Check{
	ID:       "rbac-secrets-read",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Role or ClusterRole lets its subjects read Secrets",
		Why: `get, list or watch on secrets returns their contents: service account tokens, TLS keys,
registry and database credentials. list and watch return every Secret of the namespace (of
the cluster, for a ClusterRole bound by a ClusterRoleBinding) in one call. Rules with
resources: ["*"] in the core ("") or "*" API group read Secrets too and are reported here as
well as by rbac-wildcard. Reported once per rule, at the first verb that reads; medium when
the only reading verb is get, which needs the Secret's name (names are rarely secret, though).
A rule with resourceNames is not reported: get on named Secrets is the usual way to give a
controller its own credentials, and the fix this check recommends (list and watch with
resourceNames are narrowed to the named Secrets too).`,
		Bad: `kind: Role
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "watch"]`,
		Good: `kind: Role
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["api-tls"]
    verbs: ["get"]`,
		Fix: `Mount the Secrets the workload needs instead of reading them through the API, or limit the rule
to get on the named Secrets with resourceNames.`,
	},
	References: []check.Reference{check.CIS("5.1.2"), check.NSA("authn-authz/rbac"), check.MITRE("T1552.007")},
	Run: func(p *check.Pass) {
		forEachRule(p, func(r *rule) {
			if r.narrowed() {
				return
			}
			hits := r.grants([]perm{{verbs: readVerbs, groups: []string{""}, resource: "secrets"}}, true)
			if len(hits) == 0 {
				return
			}
			// At the reading verb written first, not the first verb of the rule.
			s := summarize(hits, true)
			f := ruleFinding{at: s.at,
				message: fmt.Sprintf("%s lets its subjects read Secrets (%s) %s", r.kindName(), list(s.verbs), scope(p, r)),
				fix:     "drop read access to secrets, or limit it to get on named Secrets with resourceNames",
			}
			if len(s.verbs) == 1 && s.verbs[0] == "get" {
				f.sev = finding.Medium
			}
			f.report(p, r)
		})
	},
}

// --- rbac-pod-exec ---------------------------------------------------------------------

var podExec = &check.Check{
	ID:       "rbac-pod-exec",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Role or ClusterRole allows exec, attach, port-forward or debug containers in pods",
		Why: `kubectl exec and attach run commands in a running container (create on pods/exec and
pods/attach; older clients use get), port-forward (pods/portforward) reaches ports the pod
never exposed, and kubectl debug (update or patch on pods/ephemeralcontainers) adds a
container of the caller's choosing to a running pod. Whoever can do it acts with the pod's
identity: its service account token, mounted Secrets, cloud credentials and network position.
Matches "pods/exec" and the like in the core API group, and "*/exec" style entries. Reported
once per rule, at the first such resource.
A rule with resourceNames is reported at medium: it still opens a shell in the named pods.` + looseNote,
		Bad: `kind: Role
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/exec"]
    verbs: ["get", "create"]`,
		Good: `kind: Role
rules:
  - apiGroups: [""]
    resources: ["pods", "pods/log"]
    verbs: ["get", "list"]`,
		Fix: `Remove pods/exec, pods/attach, pods/portforward and pods/ephemeralcontainers; grant them only to
break-glass roles, ideally just-in-time and with resourceNames.`,
	},
	References: []check.Reference{check.NSA("authn-authz/rbac"), check.MITRE("T1609")},
	Run: func(p *check.Pass) {
		ps := []perm{
			{verbs: []string{"create", "get"}, groups: []string{""}, resource: "pods/exec"},
			{verbs: []string{"create", "get"}, groups: []string{""}, resource: "pods/attach"},
			{verbs: []string{"create", "get"}, groups: []string{""}, resource: "pods/portforward"},
			{verbs: []string{"update", "patch"}, groups: []string{""}, resource: "pods/ephemeralcontainers"},
		}
		forEachRule(p, func(r *rule) {
			hits := r.grants(ps, false)
			if len(hits) == 0 {
				return
			}
			s := summarize(hits, false)
			f := ruleFinding{at: s.at,
				message: fmt.Sprintf("%s allows %s on %s %s: its subjects can run commands in those pods with their service account and Secrets%s",
					r.kindName(), list(s.verbs), list(s.resources), scope(p, r), r.namesSuffix()),
				fix: "remove " + strings.Join(s.resources, ", ") + " from the rule",
			}
			switch {
			case s.loose:
				f.sev, f.message = finding.Low, f.message+looseSuffix
			case r.narrowed():
				f.sev = finding.Medium
			}
			f.report(p, r)
		})
	},
}

// --- rbac-workload-create --------------------------------------------------------------

var workloadResources = []perm{
	{resource: "pods", groups: []string{""}},
	{resource: "replicationcontrollers", groups: []string{""}},
	{resource: "deployments", groups: []string{"apps", "extensions"}},
	{resource: "daemonsets", groups: []string{"apps", "extensions"}},
	{resource: "replicasets", groups: []string{"apps", "extensions"}},
	{resource: "statefulsets", groups: []string{"apps"}},
	{resource: "jobs", groups: []string{"batch"}},
	{resource: "cronjobs", groups: []string{"batch"}},
}

var workloadCreate = &check.Check{
	ID:       "rbac-workload-create",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Role or ClusterRole allows creating pods or workloads",
		Why: `Whoever can create a pod (directly or through a Deployment, DaemonSet, StatefulSet, ReplicaSet,
Job, CronJob or ReplicationController) can mount any Secret of the namespace, run as any of
its service accounts and, unless Pod Security admission forbids it, start a privileged pod on
a node. Creating workloads is therefore as strong as reading every Secret and using every
service account of the namespace. Reported once per rule, at the first verb that creates.
A rule with resourceNames is not reported: create cannot be limited by name, so such a rule
grants no create at all. (update and patch on workloads can change their pod template too;
they are not reported, to keep controllers that scale or annotate workloads quiet.)`,
		Bad: `kind: Role
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "create", "update"]`,
		Good: `kind: Role
rules:
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Let a deployment pipeline or GitOps controller create workloads and give people and
applications read access; where create is needed, enforce Pod Security admission
(restricted) in the namespace and keep powerful service accounts out of it.`,
	},
	References: []check.Reference{check.CIS("5.1.4"), check.NSA("authn-authz/rbac"), check.MITRE("T1610")},
	Run: func(p *check.Pass) {
		var ps []perm
		for _, w := range workloadResources {
			w.verbs = []string{"create"}
			ps = append(ps, w)
		}
		forEachRule(p, func(r *rule) {
			// grants drops create from rules with resourceNames: they cannot grant it.
			hits := r.grants(ps, false)
			if len(hits) == 0 {
				return
			}
			s := summarize(hits, true)
			ruleFinding{at: s.at,
				message: fmt.Sprintf("%s allows %s on %s %s: its subjects can start pods that mount any Secret and run as any service account there",
					r.kindName(), list(s.verbs), list(s.resources), scope(p, r)),
				fix: "remove create on pods and workload resources, or enforce Pod Security admission in the namespace",
			}.report(p, r)
		})
	},
}
