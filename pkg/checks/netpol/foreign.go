package netpol

import (
	"strings"

	"gopkg.in/yaml.v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// foreignPolicy is a network policy of a CNI plugin, Cilium or Calico, that the cluster
// enforces beside (or instead of) Kubernetes NetworkPolicies. Pods it selects are covered:
// the namespace and workload coverage checks do not report them. Default deny is read
// from Kubernetes NetworkPolicies only: Cilium and Calico decide it with rule sections,
// deny rules, tiers and orders whose combined effect a linter cannot state exactly, so a
// namespace whose only default deny is one of theirs is declared with coveredNamespaces.
type foreignPolicy struct {
	obj         *manifest.Object
	namespace   check.Namespace // when not clusterWide
	clusterWide bool            // CiliumClusterwideNetworkPolicy, Calico GlobalNetworkPolicy

	// Cilium: the endpoint selectors of its rules; a pod any of them selects is covered.
	cilium []labels.Selector
	// Calico: the selector expression and, on a global policy, the namespace selector
	// (nil: every namespace).
	calico, calicoNamespaces *calicoSelector
}

// The labels Cilium and Calico give every pod for its namespace, which their policies'
// selectors may use.
const (
	ciliumNamespaceLabel       = "io.kubernetes.pod.namespace"
	ciliumNamespaceLabelPrefix = "io.cilium.k8s.namespace.labels."
	calicoNamespaceLabel       = "projectcalico.org/namespace"
	calicoOrchestratorLabel    = "projectcalico.org/orchestrator"
	calicoNamespaceNameLabel   = "projectcalico.org/name"
)

// parseForeign reads a Cilium or Calico policy, or returns nil for any other object.
func parseForeign(o *manifest.Object) *foreignPolicy {
	api, kind := o.Ref.APIVersion, o.Ref.Kind
	switch {
	case strings.HasPrefix(api, "cilium.io/") && (kind == "CiliumNetworkPolicy" || kind == "CiliumClusterwideNetworkPolicy"):
		fp := &foreignPolicy{obj: o, clusterWide: kind == "CiliumClusterwideNetworkPolicy"}
		rules := fieldpath.Items(o.Field("specs"))
		if spec := o.Field("spec"); spec != nil {
			rules = append(rules, spec)
		}
		for _, r := range rules {
			// A rule with a nodeSelector instead is a host policy: it selects nodes, no pod.
			if es := fieldpath.MapGet(r, "endpointSelector"); es != nil {
				fp.cilium = append(fp.cilium, ciliumSelector(es))
			}
		}
		return fp
	case (api == "projectcalico.org/v3" || api == "crd.projectcalico.org/v1") && (kind == "NetworkPolicy" || kind == "GlobalNetworkPolicy"):
		fp := &foreignPolicy{obj: o, clusterWide: kind == "GlobalNetworkPolicy"}
		sel, _ := fieldpath.Str(o.Field("spec", "selector"))
		fp.calico = parseCalicoOrAll(sel)
		if fp.clusterWide {
			if nsSel, ok := fieldpath.Str(o.Field("spec", "namespaceSelector")); ok && strings.TrimSpace(nsSel) != "" {
				fp.calicoNamespaces = parseCalicoOrAll(nsSel)
			}
		}
		return fp
	}
	return nil
}

// parseCalicoOrAll parses a Calico selector; an empty one selects every endpoint, as in
// Calico. One that does not parse is taken to select every pod: a policy the cluster would
// reject protects nothing, but saying so is for a schema check, and calling its pods
// uncovered on a misread of a selector would be a false alarm.
func parseCalicoOrAll(s string) *calicoSelector {
	if strings.TrimSpace(s) == "" {
		return calicoAll
	}
	sel, err := parseCalicoSelector(s)
	if err != nil {
		return calicoAll
	}
	return sel
}

// ciliumSelector reads an endpointSelector: a Kubernetes label selector whose keys may
// carry a label source prefix ("k8s:app", "any:app") that pod labels do not have. One
// that does not read is taken to select every pod, as parseCalicoOrAll explains.
func ciliumSelector(n *yaml.Node) labels.Selector {
	ls, err := labelSelector(n)
	if err != nil {
		return labels.Everything()
	}
	if ls.MatchLabels != nil {
		m := make(map[string]string, len(ls.MatchLabels))
		for k, v := range ls.MatchLabels {
			m[ciliumKey(k)] = v
		}
		ls.MatchLabels = m
	}
	for i := range ls.MatchExpressions {
		ls.MatchExpressions[i].Key = ciliumKey(ls.MatchExpressions[i].Key)
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return labels.Everything()
	}
	return sel
}

// ciliumKey drops the label sources that match Kubernetes pod labels.
func ciliumKey(k string) string {
	for _, p := range []string{"k8s:", "any:"} {
		if strings.HasPrefix(k, p) {
			return k[len(p):]
		}
	}
	return k
}

// selects reports whether the policy selects the pods of w, a workload of ns.
func (fp *foreignPolicy) selects(ns *namespace, w *workloadRef) bool {
	var nsLabels labels.Set
	if ns.nsObject != nil {
		nsLabels = ns.nsObject.labels
	}
	return fp.selectsPods(ns.name, nsLabels, w.labels)
}

// selectsPods reports whether the policy selects pods labelled podLabels in namespace
// nsName, whose Namespace object has nsLabels (nil when the input has none).
func (fp *foreignPolicy) selectsPods(nsName string, nsLabels, podLabels labels.Set) bool {
	if fp.calico != nil {
		if fp.calicoNamespaces != nil && nsLabels != nil {
			l := make(labels.Set, len(nsLabels)+2)
			for k, v := range nsLabels {
				l[k] = v
			}
			l[calicoNamespaceNameLabel] = nsName
			l["kubernetes.io/metadata.name"] = nsName
			if !fp.calicoNamespaces.matches(l) {
				return false
			}
		}
		// Without the Namespace object its labels are unknown: a namespace selector is
		// taken to match rather than to raise an alarm on a guess.
		l := make(labels.Set, len(podLabels)+2)
		for k, v := range podLabels {
			l[k] = v
		}
		l[calicoNamespaceLabel] = nsName
		l[calicoOrchestratorLabel] = "k8s"
		return fp.calico.matches(l)
	}
	l := make(labels.Set, len(podLabels)+1+len(nsLabels))
	for k, v := range podLabels {
		l[k] = v
	}
	l[ciliumNamespaceLabel] = nsName
	for k, v := range nsLabels {
		l[ciliumNamespaceLabelPrefix+k] = v
	}
	for _, sel := range fp.cilium {
		if sel.Matches(l) {
			return true
		}
	}
	return false
}

// CNIPolicy is a Cilium or Calico policy as this package reads it: the pods it selects. Its
// rules are not read; pkg/reach uses it to mark the workloads whose traffic such a policy
// decides too, where the Kubernetes NetworkPolicies alone do not tell the whole story.
type CNIPolicy struct{ fp *foreignPolicy }

// ParseCNIPolicy reads a Cilium or Calico policy, or returns nil for any other object.
func ParseCNIPolicy(o *manifest.Object) *CNIPolicy {
	if fp := parseForeign(o); fp != nil {
		return &CNIPolicy{fp: fp}
	}
	return nil
}

// ClusterWide reports a CiliumClusterwideNetworkPolicy or a Calico GlobalNetworkPolicy.
func (c *CNIPolicy) ClusterWide() bool { return c.fp.clusterWide }

// Selects reports whether the policy selects pods labelled podLabels in namespace nsName,
// whose Namespace object has nsLabels (nil when the input has none), with the selector
// semantics of Cilium or Calico.
func (c *CNIPolicy) Selects(nsName string, nsLabels, podLabels labels.Set) bool {
	return c.fp.selectsPods(nsName, nsLabels, podLabels)
}
