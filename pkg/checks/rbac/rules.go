package rbac

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Resource rules. Every check reports at most one finding per rule, at the entry a developer
// has to remove. A rule with resources: ["*"] is reported by rbac-wildcard and, because
// reading every Secret is its most direct consequence, by rbac-secrets-read; the other checks
// only fire on resources the rule names (exactly or as "*/subresource"), so a cluster-admin
// style "*"/"*"/"*" rule gives two findings rather than a dozen.

// resourceNamesNote is the Doc paragraph shared by the checks that resourceNames soften.
const resourceNamesNote = `
A rule with resourceNames applies only to the named objects; such rules are still reported,
at a lower severity, so that the names can be reviewed.`

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

// grantingVerbs lists the rule's verbs that grant one of verbs ("*" included).
func (r *rule) grantingVerbs(verbs []string) []string {
	var out []string
	for _, e := range r.verbs {
		if e.value == all {
			out = append(out, e.value)
			continue
		}
		for _, v := range verbs {
			if e.value == v {
				out = append(out, e.value)
			}
		}
	}
	return distinct(out)
}

// located picks where to report hits: the first verb (atVerb) or resource entry, preferring
// hits that really grant over loose "name/*" ones. It also returns the resources granted and
// whether all hits are loose.
func located(hits []hit, atVerb bool) (at entry, resources []string, loose bool) {
	var firm []hit
	for _, h := range hits {
		if !h.loose {
			firm = append(firm, h)
		}
	}
	loose = len(firm) == 0
	if loose {
		firm = hits
	}
	var es []entry
	for _, h := range firm {
		if atVerb {
			es = append(es, h.verb)
		} else {
			es = append(es, h.resource)
		}
		resources = append(resources, h.perm.resource)
	}
	return firstEntry(es), distinct(resources), loose
}

// ruleFinding is what a resource-rule check reports.
type ruleFinding struct {
	at       entry
	sev      finding.Severity // 0: the check's
	message  string
	fix      string
	safeFix  bool
	narrowed bool
}

func (f ruleFinding) report(p *check.Pass, r *rule) {
	p.Report(check.Diagnostic{Object: r.obj, Path: f.at.path, Severity: f.sev, Message: f.message,
		Fix: &finding.Fix{Description: f.fix, Safe: f.safeFix}})
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
leave "*" resources to this check.`,
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
	Run: func(p *check.Pass) {
		forEachRule(p, func(r *rule) {
			var stars []entry
			var fields []string
			for _, f := range []struct {
				name string
				es   []entry
			}{{"apiGroups", r.apiGroups}, {"resources", r.resources}, {"verbs", r.verbs}, {"nonResourceURLs", r.nonResourceURLs}} {
				for _, e := range f.es {
					if e.value == all {
						stars = append(stars, e)
						fields = append(fields, f.name)
						break
					}
				}
			}
			if len(stars) == 0 {
				return
			}
			what := wildcardMeaning(fields)
			ruleFinding{at: firstEntry(stars),
				message: fmt.Sprintf(`%s rule uses "*" in %s: %s%s`, r.kindName(), strings.Join(fields, ", "), what, r.namesSuffix()),
				fix:     `replace "*" with the API groups, resources and verbs the subject needs`,
			}.report(p, r)
		})
	},
}

func wildcardMeaning(fields []string) string {
	has := map[string]bool{}
	for _, f := range fields {
		has[f] = true
	}
	switch {
	case has["apiGroups"] && has["resources"] && has["verbs"]:
		return "every verb on every resource, which is full admin"
	case has["resources"] && has["verbs"]:
		return "every verb on every resource of the listed API groups, including any added later"
	case has["verbs"]:
		return "every verb, including escalate, bind, impersonate and deletecollection"
	case has["resources"]:
		return "every resource and subresource of the listed API groups, including any added later"
	case has["apiGroups"]:
		return "the listed resources in every API group, including groups installed later"
	}
	return "every non-resource URL of the API server"
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
well as by rbac-wildcard. Reported once per rule, at the first verb that reads.` + resourceNamesNote + `
With resourceNames the finding is low: get on named Secrets is the usual way to give a
controller its own credentials (list and watch with resourceNames are narrowed too).`,
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
	Run: func(p *check.Pass) {
		forEachRule(p, func(r *rule) {
			hits := r.grants([]perm{{verbs: readVerbs, groups: []string{""}, resource: "secrets"}}, true)
			if len(hits) == 0 {
				return
			}
			verbs := r.grantingVerbs(readVerbs)
			f := ruleFinding{at: hits[0].verb,
				message: fmt.Sprintf("%s lets its subjects read Secrets (%s) %s%s", r.kindName(), list(verbs), scope(p, r), r.namesSuffix()),
				fix:     "drop read access to secrets, or limit it to get on named Secrets with resourceNames",
			}
			// The reading verb written first, not the first verb of the rule.
			var es []entry
			for _, e := range r.verbs {
				for _, v := range verbs {
					if e.value == v {
						es = append(es, e)
					}
				}
			}
			f.at = firstEntry(es)
			if r.narrowed() {
				f.sev = finding.Low
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
		Title: "Role or ClusterRole allows exec, attach or port-forward into pods",
		Why: `kubectl exec and attach run commands in a running container (create on pods/exec and
pods/attach; older clients use get), and port-forward (pods/portforward) reaches ports the
pod never exposed. Whoever can do it acts with the pod's identity: its service account token,
mounted Secrets, cloud credentials and network position. Matches "pods/exec" and the like,
and "*/exec" style entries. Reported once per rule, at the first such resource.` + resourceNamesNote + ` (medium)` + looseNote,
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
		Fix: `Remove pods/exec, pods/attach and pods/portforward; grant them only to break-glass roles, ideally
just-in-time and with resourceNames.`,
	},
	Run: func(p *check.Pass) {
		var ps []perm
		for _, s := range []string{"pods/exec", "pods/attach", "pods/portforward"} {
			ps = append(ps, perm{verbs: []string{"create", "get"}, groups: []string{""}, resource: s})
		}
		forEachRule(p, func(r *rule) {
			hits := r.grants(ps, false)
			if len(hits) == 0 {
				return
			}
			at, res, loose := located(hits, false)
			f := ruleFinding{at: at,
				message: fmt.Sprintf("%s allows %s on %s %s: its subjects can run commands in those pods with their service account and Secrets%s",
					r.kindName(), list(r.grantingVerbs([]string{"create", "get"})), list(res), scope(p, r), r.namesSuffix()),
				fix: "remove pods/exec, pods/attach and pods/portforward from the rule",
			}
			switch {
			case loose:
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
	Run: func(p *check.Pass) {
		var ps []perm
		for _, w := range workloadResources {
			w.verbs = []string{"create"}
			ps = append(ps, w)
		}
		forEachRule(p, func(r *rule) {
			if r.narrowed() {
				return
			}
			hits := r.grants(ps, false)
			if len(hits) == 0 {
				return
			}
			at, res, _ := located(hits, true)
			ruleFinding{at: at,
				message: fmt.Sprintf("%s allows %s on %s %s: its subjects can start pods that mount any Secret and run as any service account there",
					r.kindName(), list(r.grantingVerbs([]string{"create"})), list(res), scope(p, r)),
				fix: "remove create on pods and workload resources, or enforce Pod Security admission in the namespace",
			}.report(p, r)
		})
	},
}
