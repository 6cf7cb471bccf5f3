package secrets

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// saTokenAutomount reports pods that get a Kubernetes API token they do not appear to
// need.
var saTokenAutomount = &check.Check{
	ID:       "service-account-token-automount",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Service account API token is mounted into a pod that does not need it",
		Why: `Unless automountServiceAccountToken is false on the pod or its ServiceAccount, every
container gets a token for the Kubernetes API at
/var/run/secrets/kubernetes.io/serviceaccount/token. An attacker who gets code execution or a
file-read bug in the application can use it to call the API with the account's permissions,
and to probe the API server itself. Most applications never talk to the API. The "default"
account is reported with higher severity: every pod of the namespace that names no account
shares it, so any permission ever granted to it reaches all of them. Pods whose account is
granted a Role or ClusterRole by a binding in the input use the API and are not reported.`,
		Bad: `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.4.2`,
		Good: `apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      automountServiceAccountToken: false
      containers:
        - name: app
          image: registry.example.com/app:1.4.2`,
		Fix: "Set automountServiceAccountToken: false on the pod spec (or on a dedicated ServiceAccount). If the application calls the API, give it its own ServiceAccount with a minimal Role instead of the default one.",
	},
	Run: func(p *check.Pass) {
		var accounts map[string]*manifest.Object
		var bound bindings
		p.ForEachPod(func(pod *workload.Pod) {
			podValue, podSet := fieldpath.Bool(pod.Field("automountServiceAccountToken"))
			if podSet && !podValue {
				return
			}
			if accounts == nil {
				accounts, bound = indexAccounts(p)
			}
			ns := p.Settings.NamespaceOf(pod.Object)
			name := serviceAccountName(pod)
			sa := accounts[ns+"/"+name]
			if !podSet && sa != nil {
				if v, set := fieldpath.Bool(sa.Get(fieldpath.New("automountServiceAccountToken"))); set && !v {
					return
				}
			}
			if bound.has(ns, name) {
				return
			}
			var why string
			switch {
			case podSet:
				why = "the pod sets automountServiceAccountToken: true"
			case sa != nil:
				why = "neither the pod nor ServiceAccount " + ns + "/" + name + " sets automountServiceAccountToken: false"
			default:
				why = "the pod does not set automountServiceAccountToken: false"
			}
			d := check.Diagnostic{Object: pod.Object, Path: pod.Path.Keys("automountServiceAccountToken"),
				Fix: &finding.Fix{
					Description: "set automountServiceAccountToken: false on the pod spec; check first that the application does not call the Kubernetes API",
					Changes:     []finding.Change{{Op: finding.Set, Path: pod.Path.Keys("automountServiceAccountToken"), Value: false}},
				}}
			if name == "default" {
				d.Message = fmt.Sprintf("the pod mounts an API token of the namespace's shared \"default\" service account: %s", why)
			} else {
				d.Message = fmt.Sprintf("the pod mounts an API token of service account %q, which no binding in the input grants a role: %s", name, why)
				d.Severity = finding.Low
			}
			p.Report(d)
		})
	},
}

// serviceAccountName is the pod's account: serviceAccountName, the deprecated
// serviceAccount alias, or "default".
func serviceAccountName(pod *workload.Pod) string {
	for _, f := range []string{"serviceAccountName", "serviceAccount"} {
		if s, ok := fieldpath.Str(pod.Field(f)); ok && s != "" {
			return s
		}
	}
	return "default"
}

// bindings are the service accounts, as namespace/name, that a role binding in the input
// names as a subject. Group subjects (system:serviceaccounts) are left out: they grant
// every account of a namespace or cluster something (PSP use, discovery) and say nothing
// about whether one pod calls the API.
type bindings map[string]bool

func (b bindings) has(ns, name string) bool { return b[ns+"/"+name] }

// indexAccounts reads the ServiceAccounts (by namespace/name) and the role bindings' subjects.
func indexAccounts(p *check.Pass) (map[string]*manifest.Object, bindings) {
	accounts := map[string]*manifest.Object{}
	bound := bindings{}
	p.ForEachObject(func(o *manifest.Object) {
		switch {
		case o.Ref.Kind == "ServiceAccount" && o.Ref.APIVersion == "v1":
			accounts[p.Settings.NamespaceOf(o)+"/"+o.Ref.Name] = o
		case (o.Ref.Kind == "RoleBinding" || o.Ref.Kind == "ClusterRoleBinding") &&
			strings.HasPrefix(o.Ref.APIVersion, "rbac.authorization.k8s.io/"):
			for _, s := range fieldpath.Items(o.Get(fieldpath.New("subjects"))) {
				kind, _ := fieldpath.Str(fieldpath.MapGet(s, "kind"))
				name, _ := fieldpath.Str(fieldpath.MapGet(s, "name"))
				ns, _ := fieldpath.Str(fieldpath.MapGet(s, "namespace"))
				if ns == "" {
					ns = p.Settings.NamespaceOf(o)
				}
				switch {
				case kind == "ServiceAccount":
					bound[ns+"/"+name] = true
				case kind == "User" && strings.HasPrefix(name, "system:serviceaccount:"):
					if parts := strings.SplitN(strings.TrimPrefix(name, "system:serviceaccount:"), ":", 2); len(parts) == 2 {
						bound[parts[0]+"/"+parts[1]] = true
					}
				}
			}
		}
	})
	return accounts, bound
}

func init() { check.Register(saTokenAutomount) }
