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
}

// workloadRef is one pod-bearing object with the labels its pods get.
type workloadRef struct {
	obj       *manifest.Object
	namespace string
	labels    labels.Set
	line      int // of the object's tree, to order workloads of one file
	// Where its findings go: the object, or the kustomization namespace: entry that put it
	// in the namespace (atPath is then metadata.namespace).
	at     manifest.Position
	atPath fieldpath.Path
}

// policy is one NetworkPolicy with its parsed selector.
type policy struct {
	obj       *manifest.Object
	namespace string
	selector  labels.Selector // nil when invalid
	selErr    error
	selAt     manifest.Position // of spec.podSelector
	empty     bool              // podSelector {} (or absent): every pod of the namespace
	ingress   bool              // policyTypes include Ingress
	egress    bool              // policyTypes include Egress
	// A rule that allows all traffic in that direction, which no deny survives.
	allowsAllIngress, allowsAllEgress bool
}

// namespace groups what one namespace holds in the input.
type namespace struct {
	name      string
	nsObject  *namespaceObject // when in the input
	workloads []*workloadRef
	policies  []*policy
}

func objectFact(o *manifest.Object, s *check.Settings) any {
	switch {
	case o.Ref.Kind == "Namespace" && o.Ref.APIVersion == "v1":
		return &namespaceObject{obj: o, nameAt: o.Locate(fieldpath.New("metadata", "name"))}
	case o.Ref.Kind == "NetworkPolicy" && o.Ref.APIVersion == "networking.k8s.io/v1":
		pol := parsePolicy(o)
		pol.namespace = s.NamespaceOf(o)
		return pol
	}
	pods := workload.Pods(o)
	if len(pods) == 0 {
		return nil
	}
	w := &workloadRef{obj: o, namespace: s.NamespaceOf(o), labels: podLabels(pods[0]), line: o.Root.Line, at: o.Locate(nil)}
	w.at, w.atPath = workloadAnchor(o, w.at)
	return w
}

// workloadAnchor moves a namespace finding of an object built by Kustomize to the
// namespace: entry of the kustomization that set its namespace, when one did: that overlay,
// not the shared base the object is written in, is what puts the workload in a namespace
// without policies, and where the default-deny fix and any suppression comment belong.
func workloadAnchor(o *manifest.Object, objAt manifest.Position) (manifest.Position, fieldpath.Path) {
	if o.Overlay == "" || o.Field("metadata", "namespace") == nil {
		return objAt, nil
	}
	nsPath := fieldpath.New("metadata", "namespace")
	if nsAt := o.Locate(nsPath); nsAt.File != objAt.File {
		return nsAt, nsPath
	}
	return objAt, nil
}

// analyse groups the facts of the pass by namespace. It is cheap and each check calls it;
// the pass holds no shared state between checks.
func analyse(p *check.Pass) []*namespace {
	byName := map[string]*namespace{}
	get := func(name string) *namespace {
		ns := byName[name]
		if ns == nil {
			ns = &namespace{name: name}
			byName[name] = ns
		}
		return ns
	}
	for _, f := range p.Facts {
		switch v := f.Value.(type) {
		case *namespaceObject:
			get(v.obj.Ref.Name).nsObject = v
		case *policy:
			ns := get(v.namespace)
			ns.policies = append(ns.policies, v)
		case *workloadRef:
			ns := get(v.namespace)
			ns.workloads = append(ns.workloads, v)
		}
	}
	out := make([]*namespace, 0, len(byName))
	for _, ns := range byName {
		out = append(out, ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func podLabels(pod *workload.Pod) labels.Set {
	set := labels.Set{}
	fieldpath.Pairs(fieldpath.MapGet(pod.Meta, "labels"), func(k string, _, v *yaml.Node) {
		s, _ := fieldpath.Str(v)
		set[k] = s
	})
	return set
}

func parsePolicy(o *manifest.Object) *policy {
	selPath := fieldpath.New("spec", "podSelector")
	pol := &policy{obj: o, selAt: o.Locate(selPath),
		allowsAllIngress: hasAllowAll(o, "ingress", "from"), allowsAllEgress: hasAllowAll(o, "egress", "to")}
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
// it, otherwise the namespace's first workload.
func (ns *namespace) anchor() (*manifest.Object, fieldpath.Path, manifest.Position) {
	if ns.nsObject != nil {
		return ns.nsObject.obj, fieldpath.New("metadata", "name"), ns.nsObject.nameAt
	}
	first := ns.workloads[0]
	for _, w := range ns.workloads[1:] {
		if w.obj.File < first.obj.File || w.obj.File == first.obj.File && w.line < first.line {
			first = w
		}
	}
	return first.obj, first.atPath, first.at
}
