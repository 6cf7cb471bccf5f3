package rbac

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Grants the peers flag that the checks above do not: a hostPath escape through
// PersistentVolumes, destructive deletes, writes to nodes and to Service status
// (CVE-2020-8554), and bindings to system:masters. Each reports at most one finding per
// rule (per subject for the binding check).

// --- rbac-persistentvolume-create ------------------------------------------------------

var pvCreate = &check.Check{
	ID:       "rbac-persistentvolume-create",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "ClusterRole allows creating PersistentVolumes",
		Why: `A PersistentVolume is cluster-scoped and may be a hostPath volume: whoever can create one can
point it at any directory of a node (/, /etc, the container runtime's socket), claim it from
a pod and read or write the node's file system, even where Pod Security admission forbids
hostPath in pods, since the pod itself only names a claim. Storage provisioners create
PersistentVolumes; people and applications should create PersistentVolumeClaims instead
(CIS 5.1.9). Matches create on persistentvolumes in the core group (written out or through
verbs "*"; resources "*" is rbac-wildcard's). Reported once per rule, at the first verb that
creates; PersistentVolumes are cluster-scoped, so a Role cannot grant it.`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["persistentvolumes"]
    verbs: ["get", "list", "create"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["persistentvolumes"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Create PersistentVolumeClaims and let a StorageClass provisioner make the volumes; keep create
on persistentvolumes to the provisioner's own account.`,
	},
	References: []check.Reference{
		{Framework: check.FrameworkCIS, ID: "5.1.9", Title: "Minimize access to create persistent volumes"},
		refNSARBAC,
		{Framework: check.FrameworkMITRE, ID: "T1611", Title: "Escape to Host"},
	},
	Run: grantCheck{
		perms:  []perm{{verbs: []string{"create"}, groups: []string{""}, resource: "persistentvolumes", cluster: true}},
		atVerb: true,
		message: func(r *rule, s summary, _ string) string {
			return fmt.Sprintf("%s allows %s on persistentvolumes%s: its subjects can mount any directory of a node through a hostPath PersistentVolume",
				r.kindName(), list(s.verbs), viaStar(s))
		},
		fix: "remove create on persistentvolumes; create PersistentVolumeClaims and let a provisioner make the volumes",
	}.run,
}

// --- rbac-destructive-delete -----------------------------------------------------------

// deletable are the resources whose deletion destroys data or takes an application down:
// kubescape's data-destruction control (C-0007) and CIS' examples, and the namespaces,
// volumes and claims that hold everything else.
var deletable = []perm{
	{resource: "secrets", groups: []string{""}},
	{resource: "pods", groups: []string{""}},
	{resource: "services", groups: []string{""}},
	{resource: "persistentvolumeclaims", groups: []string{""}},
	{resource: "persistentvolumes", groups: []string{""}, cluster: true},
	{resource: "namespaces", groups: []string{""}, cluster: true},
	{resource: "deployments", groups: []string{"apps", "extensions"}},
	{resource: "daemonsets", groups: []string{"apps", "extensions"}},
	{resource: "replicasets", groups: []string{"apps", "extensions"}},
	{resource: "statefulsets", groups: []string{"apps"}},
	{resource: "jobs", groups: []string{"batch"}},
	{resource: "cronjobs", groups: []string{"batch"}},
}

var destructiveDelete = &check.Check{
	ID:       "rbac-destructive-delete",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "ClusterRole allows deleting Secrets, workloads, volumes or namespaces",
		Why: `delete and deletecollection on Secrets, pods, Services, workloads, PersistentVolumes,
PersistentVolumeClaims or namespaces destroy data and take applications down (MITRE ATT&CK
Data Destruction, Inhibit System Recovery); deletecollection removes every object of the kind
in one call, and deleting a namespace deletes everything in it. In a ClusterRole bound by a
ClusterRoleBinding it reaches every namespace, so one stolen token of, say, a cleanup job
empties the cluster. Only ClusterRoles are reported: deleting in one's own namespace (a
Role) is ordinary application management. Only the verbs delete and deletecollection
written out are matched; verbs "*" and resources "*" are rbac-wildcard's. Reported once per
rule, at the first deleting verb. A rule with resourceNames (the named objects only) is
reported at low.`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: ["", "apps"]
    resources: ["pods", "deployments"]
    verbs: ["get", "list", "delete", "deletecollection"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: ["", "apps"]
    resources: ["pods", "deployments"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Grant delete in a Role of the namespaces where it is needed, name the objects with
resourceNames, and leave deletecollection and namespace deletion to administrators.`,
	},
	References: []check.Reference{refNSARBAC, {Framework: check.FrameworkMITRE, ID: "T1485", Title: "Data Destruction"}},
	Run: func(p *check.Pass) {
		ps := make([]perm, len(deletable))
		for i, d := range deletable {
			d.verbs = []string{"delete", "deletecollection"}
			ps[i] = d
		}
		forEachRule(p, func(r *rule) {
			if r.namespaced || !r.hasVerb("delete", "deletecollection") {
				return
			}
			var hits []hit
			for _, h := range r.grants(ps, false) {
				// verbs "*" alone is rbac-wildcard's.
				if h.verb.value != all {
					hits = append(hits, h)
				}
			}
			if len(hits) == 0 {
				return
			}
			s := summarize(hits, true)
			var verbs []string
			for _, v := range s.verbs {
				if v != all {
					verbs = append(verbs, v)
				}
			}
			f := ruleFinding{at: s.at,
				message: fmt.Sprintf("%s allows %s on %s in every namespace when bound by a ClusterRoleBinding: its subjects can destroy data and take applications down%s",
					r.kindName(), list(verbs), list(s.resources), r.namesSuffix()),
				fix: "move delete into Roles of the namespaces that need it, or limit it with resourceNames",
			}
			if r.narrowed() {
				f.sev = finding.Low
			}
			f.report(p, r)
		})
	},
}

// --- rbac-node-update ------------------------------------------------------------------

var nodeUpdate = &check.Check{
	ID:       "rbac-node-update",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "ClusterRole allows changing Node objects or their status",
		Why: `update or patch on nodes changes their labels and taints: a subject can label a node it
controls so that the node selectors and affinities of sensitive workloads send them there,
or remove the taints that keep ordinary pods off control-plane and dedicated nodes. On
nodes/status it can rewrite a node's addresses and conditions, which the API server and
controllers trust (where the API server sends kubelet traffic, whether pods are evicted).
Kubelets change their own Node through the Node authorizer, not through RBAC. Matches update
and patch on nodes and nodes/status in the core group (written out or through verbs "*";
resources "*" is rbac-wildcard's). Reported once per rule, at the first such verb; Nodes are
cluster-scoped, so a Role cannot grant it. A rule with resourceNames is reported at low.`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get", "list", "patch"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["nodes"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Remove update and patch on nodes and nodes/status; node labels and taints belong to the
cluster's provisioning (kubelet flags, the cloud controller, node pools).`,
	},
	References: []check.Reference{refNSARBAC, {Framework: check.FrameworkMITRE, ID: "T1611", Title: "Escape to Host"}},
	Run: grantCheck{
		perms: []perm{
			{verbs: []string{"update", "patch"}, groups: []string{""}, resource: "nodes", cluster: true},
			{verbs: []string{"update", "patch"}, groups: []string{""}, resource: "nodes/status", cluster: true},
		},
		atVerb:      true,
		narrowedSev: finding.Low,
		message: func(r *rule, s summary, _ string) string {
			return fmt.Sprintf("%s allows %s on %s%s: its subjects can relabel and untaint nodes to steer pods onto nodes they control, or rewrite node status",
				r.kindName(), list(s.verbs), list(s.resources), viaStar(s))
		},
		fix: "remove update and patch on nodes and nodes/status",
	}.run,
}

// --- rbac-service-status-update --------------------------------------------------------

var serviceStatusUpdate = &check.Check{
	ID:       "rbac-service-status-update",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Role or ClusterRole allows changing the status of Services (CVE-2020-8554)",
		Why: `update or patch on services/status sets status.loadBalancer.ingress of a LoadBalancer
Service. kube-proxy then captures the traffic of every pod of the cluster to that IP and
sends it to the Service's endpoints: a subject can intercept the traffic meant for any
address, outside the cluster too (CVE-2020-8554, unfixed in Kubernetes; only admission
policy mitigates it). Load-balancer controllers need it; nothing else does. Matches update
and patch on services/status and "*/status" in the core group (written out or through verbs
"*"). Reported once per rule, at the first such verb. A rule with resourceNames is reported
at low.`,
		Bad: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["services/status"]
    verbs: ["update", "patch"]`,
		Good: `kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["services"]
    verbs: ["get", "list", "watch"]`,
		Fix: `Remove update and patch on services/status from every role but the load-balancer controller's,
and block status.loadBalancer.ingress changes by others with an admission policy.`,
	},
	References: []check.Reference{refNSARBAC, {Framework: check.FrameworkNSA, ID: "network/network-policies", Title: "Network policies"}},
	Run: grantCheck{
		perms:       []perm{{verbs: []string{"update", "patch"}, groups: []string{""}, resource: "services/status"}},
		atVerb:      true,
		narrowedSev: finding.Low,
		message: func(r *rule, s summary, scope string) string {
			return fmt.Sprintf("%s allows %s on %s%s %s: its subjects can set a Service's load-balancer IP and so intercept the cluster's traffic to any address (CVE-2020-8554)",
				r.kindName(), list(s.verbs), list(s.resources), viaStar(s), scope)
		},
		fix: "remove update and patch on services/status",
	}.run,
}

// --- rbac-system-masters-binding -------------------------------------------------------

const systemMasters = "system:masters"

var mastersBinding = &check.Check{
	ID:       "rbac-system-masters-binding",
	Category: category,
	Severity: finding.Critical,
	Doc: check.Doc{
		Title: "Binding names the system:masters group",
		Why: `Members of system:masters bypass authorization altogether: the API server allows their every
request before RBAC is consulted, and no binding can take that away. Membership comes from
a client certificate (O=system:masters) or an authenticating proxy, so it cannot be revoked
short of rotating the cluster's CA (CIS 5.1.7: avoid use of system:masters). A binding that
names the group grants it nothing, but shows that access to the cluster is designed around
it, or that someone expects the binding to limit or document what the group can do: it
does neither. Reported at each such subject.`,
		Bad: `kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    name: system:masters`,
		Good: `kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: Group
    name: platform-admins`,
		Fix: `Bind the role to a group of your identity provider (OIDC, cloud IAM) whose membership can be
revoked, and keep system:masters certificates for break-glass access only, offline.`,
	},
	References: []check.Reference{
		{Framework: check.FrameworkCIS, ID: "5.1.7", Title: "Avoid use of system:masters group"},
		refNSARBAC,
		{Framework: check.FrameworkNSA, ID: "authn-authz/authentication", Title: "Authentication"},
	},
	Run: func(p *check.Pass) {
		forEachBinding(p, func(b *binding) {
			for _, s := range b.subjects {
				if s.kind != "Group" || s.name != systemMasters {
					continue
				}
				p.Report(check.Diagnostic{Object: b.obj, Path: s.path,
					Message: fmt.Sprintf("%s %s binds %s %s to group %q, whose members bypass authorization and cannot be revoked short of rotating the cluster CA",
						b.obj.Ref.Kind, quote(b.obj.Ref.Name), b.roleKind, quote(b.roleName), systemMasters),
					Fix: &finding.Fix{Description: "bind the role to a revocable group of your identity provider instead of " + systemMasters}})
			}
		})
	},
}
