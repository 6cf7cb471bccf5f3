package netpol

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// peer is one from/to entry of a NetworkPolicy rule that has a podSelector.
type peer struct {
	dir  string // "ingress" or "egress"
	rule int
	path fieldpath.Path // of its podSelector
	at   manifest.Position
	pods labels.Selector // nil when invalid
	keys []string        // the label keys the pod selector requires something of
	// namespaces selects the namespaces of the peer; nil without a namespaceSelector
	// (the policy's own namespace), labels.Everything() for {}.
	namespaces labels.Selector
	nsInvalid  bool
}

// nameLabel is the label the API server sets on every Namespace to its name.
const nameLabel = "kubernetes.io/metadata.name"

// parsePeers reads the podSelector peers of the policy's rules.
func parsePeers(o *manifest.Object) []peer {
	var out []peer
	for _, d := range []struct{ dir, peers string }{{"ingress", "from"}, {"egress", "to"}} {
		for i, rule := range fieldpath.Items(o.Field("spec", d.dir)) {
			for j, n := range fieldpath.Items(fieldpath.MapGet(rule, d.peers)) {
				podNode := fieldpath.MapGet(n, "podSelector")
				if podNode == nil {
					continue
				}
				path := fieldpath.New("spec", d.dir).Child(fieldpath.Index(i)).Keys(d.peers).Child(fieldpath.Index(j)).Keys("podSelector")
				pr := peer{dir: d.dir, rule: i, path: path, at: o.Locate(path)}
				if ls, err := labelSelector(podNode); err == nil {
					if sel, err := metav1.LabelSelectorAsSelector(ls); err == nil {
						pr.pods = sel
						for k := range ls.MatchLabels {
							pr.keys = append(pr.keys, k)
						}
						for _, e := range ls.MatchExpressions {
							pr.keys = append(pr.keys, e.Key)
						}
					}
				}
				if nsNode := fieldpath.MapGet(n, "namespaceSelector"); nsNode != nil {
					ls, err := labelSelector(nsNode)
					if err == nil {
						pr.namespaces, err = metav1.LabelSelectorAsSelector(ls)
					}
					pr.nsInvalid = err != nil
				}
				out = append(out, pr)
			}
		}
	}
	return out
}

var peerSelectsNothing = &check.Check{
	ID:       "network-policy-peer-selects-nothing",
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: "NetworkPolicy rule allows traffic from or to a podSelector that matches no pod in the input",
		Why: `An ingress from: or egress to: peer whose podSelector matches no pod allows nothing: the
traffic it was written for is dropped, usually because a label is misspelt or the peer's
pods moved to another namespace, and the common "fix" under pressure is a wider rule. The
peer's pods are those of the policy's namespace, or, with a namespaceSelector, of the
namespaces it selects; a namespaceSelector is evaluated over the Namespaces of the input
(their labels and the kubernetes.io/metadata.name label every namespace carries) and the
namespaces the input's objects name, and a peer whose namespaceSelector is {} or selects no
namespace of the input is not judged: its pods are elsewhere.

Reported only when every selected namespace has workloads in the input, and only when at
least one label key the podSelector requires is used by one of their pod templates: a
selector whose keys no pod template of the input carries is taken to mean pods that the
input does not show (pods an operator creates at runtime, as longhorn-manager makes its
instance managers, or pods of another repository), not a typo. Selectors follow Kubernetes
semantics (matchLabels and matchExpressions). Reported at the peer's podSelector.`,
		Bad: `kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontnd}}   # the pods are labelled app: frontend`,
		Good: `kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}`,
		Fix: "Correct the peer's labels (or its namespaceSelector) so that it selects the pods the rule was written for.",
	},
	References: []check.Reference{
		{Framework: check.FrameworkCIS, ID: "5.3.2", Title: "Ensure that all Namespaces have NetworkPolicies defined"},
		{Framework: check.FrameworkNSA, ID: "network/network-policies", Title: "Network policies"},
	},
	Facts: facts,
	Run: func(p *check.Pass) {
		nss := analyse(p)
		named := make([]*namespace, 0, len(nss))
		for _, ns := range nss {
			if !ns.key.Implicit() {
				named = append(named, ns)
			}
		}
		for _, ns := range nss {
			for _, pol := range ns.policies {
				for _, pr := range pol.peers {
					reportPeer(p, pol, pr, peerNamespaces(pr, ns, named))
				}
			}
		}
	},
}

// peerNamespaces returns the namespaces of the input a peer's pods are in, or nil when they
// are not all known.
func peerNamespaces(pr peer, own *namespace, named []*namespace) []*namespace {
	switch {
	case pr.nsInvalid:
		return nil
	case pr.namespaces == nil:
		return []*namespace{own}
	case pr.namespaces.Empty():
		return nil // every namespace of the cluster
	}
	var out []*namespace
	for _, ns := range named {
		set := labels.Set{nameLabel: ns.name}
		if ns.nsObject != nil {
			for k, v := range ns.nsObject.labels {
				set[k] = v
			}
		}
		if pr.namespaces.Matches(set) {
			out = append(out, ns)
		}
	}
	return out
}

// reportPeer reports pr when its pods are known and none matches.
func reportPeer(p *check.Pass, pol *policy, pr peer, targets []*namespace) {
	if pr.pods == nil || len(targets) == 0 {
		return
	}
	keyUsed := false
	for _, ns := range targets {
		if len(ns.workloads) == 0 {
			return // pods the input does not hold
		}
		for _, w := range ns.workloads {
			if pr.pods.Matches(w.labels) {
				return
			}
			for _, k := range pr.keys {
				keyUsed = keyUsed || w.labels.Has(k)
			}
		}
	}
	if !keyUsed {
		return // no pod template of the input uses its keys: pods made elsewhere
	}
	where := fmt.Sprintf("namespace %q", targets[0].name)
	if len(targets) > 1 {
		where = fmt.Sprintf("the %d namespaces its namespaceSelector selects", len(targets))
	}
	peers := "from"
	if pr.dir == "egress" {
		peers = "to"
	}
	p.Report(check.Diagnostic{Object: pol.obj, Path: pr.path, At: &pr.at,
		Message: fmt.Sprintf("NetworkPolicy %q: %s rule %d allows traffic %s pods matching %s, and no pod in %s matches; check the labels",
			pol.obj.Ref.Name, pr.dir, pr.rule, peers, pr.pods, where)})
}

func init() { check.Register(peerSelectsNothing) }
