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
	AutoFix:  check.FixUnsafe,
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
granted a Role or ClusterRole by a binding in the input use the API and are not reported.
Pods, ServiceAccounts and bindings relate when they are deployed together: in a namespace
they name, or in the implicit namespace of one deploy unit (a kustomization build, a
directory of plain files), so one sample's binding does not excuse another sample's pod.`,
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
	References: []check.Reference{check.CIS("5.1.6"), check.NSA("pod-security/service-account-tokens"), check.MITRE("T1552.007")},
	Facts:      accountFacts,
	Run: func(p *check.Pass) {
		accounts, bound, meet := indexAccounts(p)
		for _, f := range p.Facts {
			pods, _ := f.Value.([]*podAccount)
			for _, pod := range pods {
				reportAutomount(p, pod, meet.Resolve(pod.namespace), accounts, bound)
			}
		}
	},
}

func reportAutomount(p *check.Pass, pod *podAccount, ns check.Namespace, accounts map[accountKey]*account, bound bindings) {
	if pod.podSet && !pod.podValue {
		return
	}
	sa := accounts[accountKey{ns, pod.account}]
	if !pod.podSet && sa != nil && sa.automountSet && !sa.automount {
		return
	}
	if bound.has(ns, pod.account) {
		return
	}
	var why string
	switch {
	case pod.podSet:
		why = "the pod sets automountServiceAccountToken: true"
	case sa != nil:
		why = "neither the pod nor ServiceAccount " + pod.namespace.Name + "/" + pod.account + " sets automountServiceAccountToken: false"
	default:
		why = "the pod does not set automountServiceAccountToken: false"
	}
	d := check.Diagnostic{Object: pod.obj, Path: pod.path, At: &pod.at,
		Fix: check.NewFix("set automountServiceAccountToken: false on the pod spec; check first that the application does not call the Kubernetes API", false,
			check.SetTo(pod.path, false))}
	if pod.account == "default" {
		d.Message = fmt.Sprintf("the pod mounts an API token of the namespace's shared \"default\" service account: %s", why)
	} else {
		d.Message = fmt.Sprintf("the pod mounts an API token of service account %q, which no binding in the input grants a role: %s", pod.account, why)
		d.Severity = finding.Low
	}
	p.Report(d)
}

// accountFacts are what the check keeps of each object: the pods' accounts
// ([]*podAccount), a ServiceAccount (*account) or the accounts a binding names
// ([]boundAccount).
var accountFacts = &check.Facts{Name: "service-accounts", Of: accountFact}

// podAccount is one pod spec: the account it runs as and what it says about the token.
// Pods, ServiceAccounts and bindings relate when they meet in a namespace
// (check.Namespace): two deploy units that each leave their objects in the implicit
// "default" do not share accounts.
type podAccount struct {
	obj              *manifest.Object
	namespace        check.Namespace
	account          string
	podValue, podSet bool              // automountServiceAccountToken on the pod spec
	path             fieldpath.Path    // of that field
	at               manifest.Position // where it is (or would be) written
}

// account is one ServiceAccount.
type account struct {
	key                     accountKey
	automount, automountSet bool
}

// accountKey names a service account in the namespace it meets others in.
type accountKey struct {
	namespace check.Namespace
	name      string
}

// boundAccount is a service account that a role binding names.
type boundAccount accountKey

func accountFact(o *manifest.Object, s *check.Settings) any {
	switch {
	case o.Ref.Kind == "ServiceAccount" && o.Ref.APIVersion == "v1":
		v, set := fieldpath.Bool(o.Field("automountServiceAccountToken"))
		return &account{key: accountKey{s.ScopeOf(o), o.Ref.Name}, automount: v, automountSet: set}
	case (o.Ref.Kind == "RoleBinding" || o.Ref.Kind == "ClusterRoleBinding") &&
		strings.HasPrefix(o.Ref.APIVersion, "rbac.authorization.k8s.io/"):
		return boundAccounts(o, s)
	}
	var out []*podAccount
	for _, pod := range workload.Pods(o) {
		v, set := fieldpath.Bool(pod.Field("automountServiceAccountToken"))
		path := pod.Path.Keys("automountServiceAccountToken")
		out = append(out, &podAccount{obj: o, namespace: s.ScopeOf(o), account: pod.ServiceAccountName(),
			podValue: v, podSet: set, path: path, at: o.Locate(path)})
	}
	if out == nil {
		return nil
	}
	return out
}

// bindings are the service accounts, as namespace/name, that a role binding in the input
// names as a subject. Group subjects (system:serviceaccounts) are left out: they grant
// every account of a namespace or cluster something (PSP use, discovery) and say nothing
// about whether one pod calls the API.
type bindings map[accountKey]bool

func (b bindings) has(ns check.Namespace, name string) bool { return b[accountKey{ns, name}] }

// boundAccounts reads the service accounts a role binding names as subjects.
func boundAccounts(o *manifest.Object, s *check.Settings) []boundAccount {
	var out []boundAccount
	for _, sub := range fieldpath.Items(o.Field("subjects")) {
		kind, _ := fieldpath.Str(fieldpath.MapGet(sub, "kind"))
		name, _ := fieldpath.Str(fieldpath.MapGet(sub, "name"))
		// A subject that names its namespace meets that namespace anywhere; one that
		// does not is in the binding's.
		ns := s.ScopeOf(o)
		if nsName, _ := fieldpath.Str(fieldpath.MapGet(sub, "namespace")); nsName != "" {
			ns = check.Namespace{Name: nsName}
		}
		switch {
		case kind == "ServiceAccount":
			out = append(out, boundAccount{ns, name})
		case kind == "User" && strings.HasPrefix(name, "system:serviceaccount:"):
			if parts := strings.SplitN(strings.TrimPrefix(name, "system:serviceaccount:"), ":", 2); len(parts) == 2 {
				out = append(out, boundAccount{check.Namespace{Name: parts[0]}, parts[1]})
			}
		}
	}
	return out
}

// indexAccounts gathers the ServiceAccounts (by namespace/name) and the accounts role
// bindings name.
func indexAccounts(p *check.Pass) (map[accountKey]*account, bindings, check.Meetings) {
	meet := check.Meetings{}
	for _, f := range p.Facts {
		meet.Note(f.Object)
	}
	accounts := map[accountKey]*account{}
	bound := bindings{}
	for _, f := range p.Facts {
		switch v := f.Value.(type) {
		case *account:
			accounts[accountKey{meet.Resolve(v.key.namespace), v.key.name}] = v
		case []boundAccount:
			for _, b := range v {
				bound[accountKey{meet.Resolve(b.namespace), b.name}] = true
			}
		}
	}
	return accounts, bound, meet
}

func init() { check.Register(saTokenAutomount) }
