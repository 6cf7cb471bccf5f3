// Package netpol checks network segmentation across all objects of a lint run, grouped by
// namespace: namespaces that run workloads without policies or default-deny, policies that
// select nothing, workloads no policy selects, and allow-all rules.
package netpol

import (
	"fmt"
	"path"
	"sort"

	"gopkg.in/yaml.v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const category = "network-policy"

// facts are what the namespace checks keep of each object: a *namespaceObject, a *policy
// or a *workloadRef, read while the object's tree is in memory.
var facts = &check.Facts{Name: "network-policy", Of: objectFact}

// namespaceObject is a Namespace in the input.
type namespaceObject struct {
	obj    *manifest.Object
	nameAt manifest.Position // of metadata.name, where namespace-wide findings go
	labels labels.Set        // for the namespace selectors of cluster-wide policies
}

// workloadRef is one pod-bearing object with the labels its pods get.
type workloadRef struct {
	obj       *manifest.Object
	namespace check.Namespace
	labels    labels.Set
	line      int // of the object's tree, to order workloads of one file
	// Where its findings go: the metadata.namespace the workload names its namespace with
	// (atPath is then metadata.namespace), or, when it names none, the object.
	at     manifest.Position
	atPath fieldpath.Path
	objAt  manifest.Position // of the object
	// byKustomization says at is the namespace: entry of the kustomization that set it.
	byKustomization bool
}

// policy is one NetworkPolicy with its parsed selector.
type policy struct {
	obj       *manifest.Object
	namespace check.Namespace
	selector  labels.Selector // nil when invalid
	selErr    error
	selAt     manifest.Position // of spec.podSelector
	empty     bool              // podSelector {} (or absent): every pod of the namespace
	ingress   bool              // policyTypes include Ingress
	egress    bool              // policyTypes include Egress
	// A rule that allows all traffic in that direction, which no deny survives.
	allowsAllIngress, allowsAllEgress bool
	peers                             []peer // the rules' podSelector peers
}

// namespace groups what one namespace holds in the input: the objects that meet in it
// (check.Namespace), so the implicit namespaces of two deploy units are two namespaces.
type namespace struct {
	name      string // for messages
	key       check.Namespace
	nsObject  *namespaceObject // when in the input
	workloads []*workloadRef
	policies  []*policy
	// foreign are the Cilium and Calico policies of the namespace and the cluster-wide
	// ones: they cover the pods they select, but are not read for default deny.
	foreign []*foreignPolicy
}

func objectFact(o *manifest.Object, s *check.Settings) any {
	switch {
	case o.Ref.Kind == "Namespace" && o.Ref.APIVersion == "v1":
		return &namespaceObject{obj: o, nameAt: o.Locate(fieldpath.New("metadata", "name")),
			labels: stringMap(o.Field("metadata", "labels"))}
	case o.Ref.Kind == "NetworkPolicy" && o.Ref.APIVersion == "networking.k8s.io/v1":
		pol := parsePolicy(o)
		pol.namespace = s.ScopeOf(o)
		return pol
	}
	if fp := parseForeign(o); fp != nil {
		if !fp.clusterWide {
			fp.namespace = s.ScopeOf(o)
		}
		return fp
	}
	pods := workload.Pods(o)
	if len(pods) == 0 {
		return nil
	}
	w := &workloadRef{obj: o, namespace: s.ScopeOf(o), labels: podLabels(pods[0]), line: o.Root.Line}
	w.objAt = o.Locate(nil)
	w.at, w.atPath, w.byKustomization = workloadAnchor(o, w.objAt)
	return w
}

// workloadAnchor is where a namespace finding of a workload goes: the metadata.namespace
// that puts it in the namespace — in a plain file its own line, for an object built by
// Kustomize the namespace: entry of the kustomization that set it, when one did: that
// overlay, not the shared base the object is written in, is what puts the workload in a
// namespace without policies, and where the default-deny fix and any suppression comment
// belong. A workload that names no namespace is reported at the object.
func workloadAnchor(o *manifest.Object, objAt manifest.Position) (at manifest.Position, path fieldpath.Path, byKustomization bool) {
	if o.Field("metadata", "namespace") == nil {
		return objAt, nil, false
	}
	nsPath := fieldpath.New("metadata", "namespace")
	nsAt := o.Locate(nsPath)
	return nsAt, nsPath, o.Overlay != "" && nsAt.File != objAt.File
}

// analyse groups the facts of the pass by namespace. It is cheap and each check calls it;
// the pass holds no shared state between checks.
func analyse(p *check.Pass) []*namespace {
	byKey := map[check.Namespace]*namespace{}
	get := func(key check.Namespace) *namespace {
		ns := byKey[key]
		if ns == nil {
			ns = &namespace{name: key.Name, key: key}
			byKey[key] = ns
		}
		return ns
	}
	meet := check.Meetings{}
	for _, f := range p.Facts {
		meet.Note(f.Object)
	}
	var clusterWide []*foreignPolicy
	for _, f := range p.Facts {
		switch v := f.Value.(type) {
		case *namespaceObject:
			// A Namespace names itself: it meets the objects that name it, in any unit.
			get(check.Namespace{Name: v.obj.Ref.Name}).nsObject = v
		case *policy:
			ns := get(meet.Resolve(v.namespace))
			ns.policies = append(ns.policies, v)
		case *foreignPolicy:
			if v.clusterWide {
				clusterWide = append(clusterWide, v)
				continue
			}
			ns := get(meet.Resolve(v.namespace))
			ns.foreign = append(ns.foreign, v)
		case *workloadRef:
			ns := get(meet.Resolve(v.namespace))
			ns.workloads = append(ns.workloads, v)
		}
	}
	out := make([]*namespace, 0, len(byKey))
	for _, ns := range byKey {
		ns.foreign = append(ns.foreign, clusterWide...)
		out = append(out, ns)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key.Name != out[j].key.Name {
			return out[i].key.Name < out[j].key.Name
		}
		return out[i].key.Unit < out[j].key.Unit
	})
	return out
}

// selected reports whether a policy of the namespace, of Kubernetes or of Cilium or
// Calico, selects w.
func (ns *namespace) selected(w *workloadRef) bool {
	for _, pol := range ns.policies {
		if pol.selects(w) {
			return true
		}
	}
	return ns.selectedByForeign(w)
}

func (ns *namespace) selectedByForeign(w *workloadRef) bool {
	for _, fp := range ns.foreign {
		if fp.selects(ns, w) {
			return true
		}
	}
	return false
}

// hasPolicy reports whether the namespace has policies: a Kubernetes NetworkPolicy, or a
// Cilium or Calico policy that selects one of its workloads (a cluster-wide policy that
// selects none of them says nothing about this namespace).
func (ns *namespace) hasPolicy() bool {
	if len(ns.policies) > 0 {
		return true
	}
	for _, w := range ns.workloads {
		if ns.selectedByForeign(w) {
			return true
		}
	}
	return false
}

func podLabels(pod *workload.Pod) labels.Set {
	return stringMap(fieldpath.MapGet(pod.Meta, "labels"))
}

// stringMap reads a labels mapping.
func stringMap(n *yaml.Node) labels.Set {
	set := labels.Set{}
	fieldpath.Pairs(n, func(k string, _, v *yaml.Node) {
		s, _ := fieldpath.Str(v)
		set[k] = s
	})
	return set
}

func parsePolicy(o *manifest.Object) *policy {
	selPath := fieldpath.New("spec", "podSelector")
	pol := &policy{obj: o, selAt: o.Locate(selPath),
		allowsAllIngress: hasAllowAll(o, "ingress", "from"), allowsAllEgress: hasAllowAll(o, "egress", "to"),
		peers: parsePeers(o)}
	selNode := o.Get(selPath)
	ls, err := labelSelector(selNode)
	if err == nil {
		pol.selector, err = metav1.LabelSelectorAsSelector(ls)
	}
	pol.selErr = err
	pol.empty = err == nil && pol.selector.Empty()
	// policyTypes default: Ingress always, Egress when egress rules are present (the API
	// server's defaulting).
	types := fieldpath.Items(o.Field("spec", "policyTypes"))
	if len(types) == 0 {
		pol.ingress = true
		pol.egress = o.Field("spec", "egress") != nil
	}
	for _, t := range types {
		switch s, _ := fieldpath.Str(t); s {
		case "Ingress":
			pol.ingress = true
		case "Egress":
			pol.egress = true
		}
	}
	return pol
}

// labelSelector reads a LabelSelector node into the API type, so that matching follows
// apimachinery exactly (matchLabels and matchExpressions ANDed, empty selects all).
func labelSelector(n *yaml.Node) (*metav1.LabelSelector, error) {
	ls := &metav1.LabelSelector{}
	n = fieldpath.Deref(n)
	if n == nil || n.Tag == "!!null" {
		return ls, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("selector is not a mapping")
	}
	if ml := fieldpath.MapGet(n, "matchLabels"); ml != nil {
		ls.MatchLabels = map[string]string{}
		fieldpath.Pairs(ml, func(k string, _, v *yaml.Node) {
			s, _ := fieldpath.Str(v)
			ls.MatchLabels[k] = s
		})
	}
	for _, e := range fieldpath.Items(fieldpath.MapGet(n, "matchExpressions")) {
		key, _ := fieldpath.Str(fieldpath.MapGet(e, "key"))
		op, _ := fieldpath.Str(fieldpath.MapGet(e, "operator"))
		req := metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOperator(op)}
		for _, v := range fieldpath.Items(fieldpath.MapGet(e, "values")) {
			s, _ := fieldpath.Str(v)
			req.Values = append(req.Values, s)
		}
		ls.MatchExpressions = append(ls.MatchExpressions, req)
	}
	return ls, nil
}

func (pol *policy) selects(w *workloadRef) bool {
	return pol.selector != nil && pol.selector.Matches(w.labels)
}

// covered reports whether the user declared the namespace's policies to live elsewhere.
func covered(p *check.Pass, ns string) bool {
	for _, pattern := range p.Settings.CoveredNamespaces {
		if ok, _ := path.Match(pattern, ns); ok {
			return true
		}
	}
	return false
}

// anchor is where a namespace-wide finding goes: the Namespace object when the input has
// it, otherwise a kustomization namespace: entry that puts a workload there, otherwise the
// namespace's first workload (at its metadata.namespace when it has one). The namespace
// holds only objects that meet in it, so the place is never in an unrelated deploy unit.
func (ns *namespace) anchor() (*manifest.Object, fieldpath.Path, manifest.Position) {
	if ns.nsObject != nil {
		return ns.nsObject.obj, fieldpath.New("metadata", "name"), ns.nsObject.nameAt
	}
	first := ns.workloads[0]
	for _, w := range ns.workloads[1:] {
		if w.byKustomization != first.byKustomization {
			if w.byKustomization {
				first = w
			}
			continue
		}
		if w.obj.File < first.obj.File || w.obj.File == first.obj.File && w.line < first.line {
			first = w
		}
	}
	return first.obj, first.atPath, first.at
}
