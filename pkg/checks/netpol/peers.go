package netpol

import (
	"fmt"
	"slices"

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
	// wants are what the pod selector asks of labels, for the near-miss test: a key and
	// the values it may have (none for Exists and the negative operators).
	wants []labelWant
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
						for k, v := range ls.MatchLabels {
							pr.wants = append(pr.wants, labelWant{k, []string{v}})
						}
						for _, e := range ls.MatchExpressions {
							w := labelWant{key: e.Key}
							if e.Operator == metav1.LabelSelectorOpIn {
								w.values = e.Values
							}
							pr.wants = append(pr.wants, w)
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

var danglingPeer = &check.Check{
	ID:       "network-policy-dangling-peer",
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

Reported only when every selected namespace has workloads in the input, and only when one
of their pod templates has a label that is a near miss of what the podSelector asks (the
same key with a value one or two edits away, or the same value under a key one or two
edits away), which the message names. Pods the input does not show are common and are
not a typo: operators create pods at runtime (longhorn-manager its instance managers, the
Prometheus operator its Prometheus and Alertmanager pods, rook its Ceph daemons), and other
repositories deploy into shared namespaces; a selector that is no near miss of any pod
template is taken to mean such pods. Selectors follow Kubernetes semantics (matchLabels and
matchExpressions). Reported at the peer's podSelector.`,
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

// reportPeer reports pr when its pods are known, none matches, and a pod template's labels
// are a near miss of what it asks.
func reportPeer(p *check.Pass, pol *policy, pr peer, targets []*namespace) {
	if pr.pods == nil || len(targets) == 0 {
		return
	}
	var near *nearMiss
	for _, ns := range targets {
		if len(ns.workloads) == 0 {
			return // pods the input does not hold
		}
		for _, w := range ns.workloads {
			if pr.pods.Matches(w.labels) {
				return
			}
			if near == nil {
				near = nearLabel(pr.wants, w)
			}
		}
	}
	if near == nil {
		return // no typo in sight: pods made elsewhere (an operator, another repository)
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
		Message: fmt.Sprintf("NetworkPolicy %q: %s rule %d allows traffic %s pods matching %s, and no pod in %s matches; did you mean %s=%s (the pods of %s %q)?",
			pol.obj.Ref.Name, pr.dir, pr.rule, peers, pr.pods, where, near.key, near.value, near.w.obj.Ref.Kind, near.w.obj.Ref.Name)})
}

// labelWant is one requirement of a selector: a key and the values it may have.
type labelWant struct {
	key    string
	values []string // nil: any value (Exists), or a negative operator
}

// nearMiss is a pod template label one or two edits away from what a selector asks.
type nearMiss struct {
	key, value string
	w          *workloadRef
}

// nearLabel returns a label of w that is a likely typo of one of wants: the same key with
// a value one or two edits away, or the same value under a key one or two edits away.
func nearLabel(wants []labelWant, w *workloadRef) *nearMiss {
	for _, want := range wants {
		for k, v := range w.labels {
			switch {
			case k == want.key:
				for _, wv := range want.values {
					if d := editDistance(wv, v, 2); d > 0 && d <= 2 {
						return &nearMiss{k, v, w}
					}
				}
			case editDistance(want.key, k, 2) <= 2:
				if want.values == nil || slices.Contains(want.values, v) {
					return &nearMiss{k, v, w}
				}
			}
		}
	}
	return nil
}

// editDistance is the Levenshtein distance of a and b, or max+1 once it exceeds max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func init() { check.Register(danglingPeer) }
