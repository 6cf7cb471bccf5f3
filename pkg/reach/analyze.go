package reach

import (
	"fmt"
	"sort"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// metadataName is the label the API server gives every namespace: its name.
const metadataName = "kubernetes.io/metadata.name"

// nsInfo is one namespace while the graph is built.
type nsInfo struct {
	*Namespace
	key       check.Namespace
	labels    labels.Set
	workloads []*Node
	policies  []*policyFact
}

// pair is a directed pair of node IDs.
type pair struct{ from, to string }

// allowance is what the policies of one side allow for a pair: the rules' ports, the
// policies, the ipBlocks.
type allowance struct {
	ports    []rulePorts
	policies []PolicyRef
	cidrs    []string
}

// builder holds the analysis of one input.
type builder struct {
	g          *Graph
	namespaces map[check.Namespace]*nsInfo
	named      []*nsInfo // namespaces every policy's namespaceSelector sees
	ingress    map[pair]*allowance
	egress     map[pair]*allowance
	pairs      []pair // in the order first allowed, for a stable output
	// openIn and openOut are the rule ports any peer may use, per isolated node.
	openIn, openOut map[string][]rulePorts
	podMemo         map[string][]*Node
	unmatchedNames  map[string]string // node ID → name, of the peers that select no workload
	nsMemo          map[string][]*nsInfo
}

// Analyze builds the graph from the facts of a run (Facts.Of of every object, in input
// order), as a cross-object check pass sees them.
func Analyze(facts []check.Fact, s *check.Settings) *Graph {
	b := &builder{g: &Graph{byID: map[string]*Node{}, byObj: map[*manifest.Object]*Node{}}, namespaces: map[check.Namespace]*nsInfo{},
		ingress: map[pair]*allowance{}, egress: map[pair]*allowance{},
		openIn: map[string][]rulePorts{}, openOut: map[string][]rulePorts{},
		podMemo: map[string][]*Node{}, nsMemo: map[string][]*nsInfo{}, unmatchedNames: map[string]string{}}
	b.group(facts)
	for _, ns := range b.sortedNamespaces() {
		for _, pol := range ns.policies {
			b.apply(ns, pol)
		}
	}
	b.edges()
	b.finish()
	return b.g
}

func (b *builder) get(key check.Namespace) *nsInfo {
	ns := b.namespaces[key]
	if ns == nil {
		id := key.Name
		if key.Unit != "" {
			id += "@" + key.Unit
		}
		ns = &nsInfo{Namespace: &Namespace{ID: id, Name: key.Name, Unit: key.Unit}, key: key,
			labels: labels.Set{metadataName: key.Name}}
		b.namespaces[key] = ns
	}
	return ns
}

// group places every fact in its namespace, as the netpol checks do.
func (b *builder) group(facts []check.Fact) {
	meet := check.Meetings{}
	for _, f := range facts {
		meet.Note(f.Object)
	}
	var cni []*cniFact
	ids := map[string]int{}
	for _, f := range facts {
		switch v := f.Value.(type) {
		case *namespaceFact:
			ns := b.get(check.Namespace{Name: v.name})
			for k, val := range v.labels {
				ns.labels[k] = val
			}
			ns.labels[metadataName] = v.name
			ns.Labels = ns.labels
		case *policyFact:
			ns := b.get(meet.Resolve(v.scope))
			if v.err != nil {
				b.g.Notes = append(b.g.Notes, fmt.Sprintf("NetworkPolicy %s/%s (%s) left out: its spec does not decode: %v", ns.Name, v.obj.Ref.Name, v.obj.File, v.err))
				continue
			}
			ns.policies = append(ns.policies, v)
		case *cniFact:
			cni = append(cni, v)
		case *workloadFact:
			ns := b.get(meet.Resolve(v.scope))
			n := &Node{Kind: v.obj.Ref.Kind, Namespace: ns.Name, NSID: ns.ID, Name: v.obj.Ref.Name,
				Labels: v.labels, File: v.at.File, Line: v.at.Line, Ports: v.ports, ServiceAccount: v.account,
				Privileged: v.privileged, w: v,
				Ingress: Direction{Open: &AllPorts}, Egress: Direction{Open: &AllPorts}}
			n.ID = ns.ID + "/" + n.Kind + "/" + n.Name
			// The same workload built by two overlays into one namespace: two nodes.
			if ids[n.ID]++; ids[n.ID] > 1 {
				n.ID += fmt.Sprintf("#%d", ids[n.ID])
			}
			ns.workloads = append(ns.workloads, n)
			b.g.byID[n.ID] = n
			b.g.byObj[v.obj] = n
		}
	}
	for key, ns := range b.namespaces {
		if key.Unit == "" {
			b.named = append(b.named, ns)
		}
	}
	sort.Slice(b.named, func(i, j int) bool { return b.named[i].ID < b.named[j].ID })
	b.markCNI(meet, cni)
}

// markCNI marks the workloads Cilium and Calico policies select.
func (b *builder) markCNI(meet check.Meetings, cni []*cniFact) {
	for _, c := range cni {
		name := c.obj.Ref.Kind + " " + c.obj.Ref.Name
		if !c.pol.ClusterWide() {
			name = c.obj.Ref.Kind + " " + meet.Resolve(c.scope).Name + "/" + c.obj.Ref.Name
		}
		selected := 0
		for _, ns := range b.namespaces {
			if !c.pol.ClusterWide() && ns.key != meet.Resolve(c.scope) {
				continue
			}
			var nsLabels labels.Set
			if len(ns.Labels) > 0 {
				nsLabels = ns.labels
			}
			for _, n := range ns.workloads {
				if c.pol.Selects(ns.Name, nsLabels, n.Labels) {
					n.CNI = append(n.CNI, name)
					selected++
				}
			}
		}
		if selected > 0 {
			b.g.Notes = append(b.g.Notes, fmt.Sprintf("%s selects %d workload(s): its rules are not modelled, their edges are approximate", name, selected))
		}
	}
}

func (b *builder) sortedNamespaces() []*nsInfo {
	out := make([]*nsInfo, 0, len(b.namespaces))
	for _, ns := range b.namespaces {
		out = append(out, ns)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// apply records what one policy of ns allows.
func (b *builder) apply(ns *nsInfo, pol *policyFact) {
	sel, err := metav1.LabelSelectorAsSelector(&pol.spec.PodSelector)
	if err != nil {
		b.g.Notes = append(b.g.Notes, fmt.Sprintf("NetworkPolicy %s/%s left out: podSelector: %v", ns.Name, pol.obj.Ref.Name, err))
		return
	}
	targets := b.pods(ns, sel)
	ref := func(dir string) PolicyRef {
		return PolicyRef{Namespace: ns.Name, Name: pol.obj.Ref.Name, Direction: dir, File: pol.at.File, Line: pol.at.Line}
	}
	ns.Policies = append(ns.Policies, PolicyRef{Namespace: ns.Name, Name: pol.obj.Ref.Name, File: pol.at.File, Line: pol.at.Line})
	if pol.types.ingress {
		in := ref("ingress")
		for _, t := range targets {
			isolate(&t.Ingress, in)
		}
		for _, rule := range pol.spec.Ingress {
			b.rule(ns, in, targets, rule.From, rule.Ports, true)
		}
	}
	if pol.types.egress {
		out := ref("egress")
		for _, t := range targets {
			isolate(&t.Egress, out)
		}
		for _, rule := range pol.spec.Egress {
			b.rule(ns, out, targets, rule.To, rule.Ports, false)
		}
	}
}

// isolate marks a direction of a node isolated by pol: from then on only what policies
// allow passes.
func isolate(d *Direction, pol PolicyRef) {
	if !d.Isolated {
		d.Isolated, d.Open = true, nil
	}
	d.Policies = append(d.Policies, pol)
}

// rule records one ingress rule (peers are sources of the selected nodes) or egress rule
// (peers are destinations).
func (b *builder) rule(ns *nsInfo, pol PolicyRef, selected []*Node, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort, ingress bool) {
	rp := rulePorts(ports)
	if len(peers) == 0 {
		// No peers: every source (destination), in the cluster and outside it.
		open := b.openOut
		if ingress {
			open = b.openIn
		}
		for _, n := range selected {
			open[n.ID] = append(open[n.ID], rp)
			d := &n.Egress
			if ingress {
				d = &n.Ingress
			}
			d.OpenBy = append(d.OpenBy, pol)
		}
		return
	}
	for _, peer := range peers {
		others, cidr := b.peer(ns, peer)
		for _, n := range selected {
			for _, o := range others {
				p := pair{from: n.ID, to: o}
				if ingress {
					p = pair{from: o, to: n.ID}
				}
				b.allow(ingress, p, rp, pol, cidr)
			}
		}
	}
}

func (b *builder) allow(ingress bool, p pair, rp rulePorts, pol PolicyRef, cidr string) {
	m := b.egress
	if ingress {
		m = b.ingress
	}
	a := m[p]
	if a == nil {
		a = &allowance{}
		m[p] = a
		if b.ingress[p] == nil || b.egress[p] == nil { // first time the pair is seen
			b.pairs = append(b.pairs, p)
		}
	}
	a.ports = append(a.ports, rp)
	if len(a.policies) == 0 || a.policies[len(a.policies)-1] != pol {
		a.policies = append(a.policies, pol)
	}
	if cidr != "" {
		a.cidrs = append(a.cidrs, cidr)
	}
}

// peer returns the node IDs one peer names, and its ipBlock as text.
func (b *builder) peer(ns *nsInfo, peer networkingv1.NetworkPolicyPeer) ([]string, string) {
	if ip := peer.IPBlock; ip != nil {
		cidr := ip.CIDR
		if len(ip.Except) > 0 {
			cidr += " except " + strings.Join(ip.Except, ", ")
		}
		return []string{External}, cidr
	}
	if sel := peer.NamespaceSelector; sel != nil && isEmpty(sel) && (peer.PodSelector == nil || isEmpty(peer.PodSelector)) {
		return []string{AnyPod}, ""
	}
	podSel := labels.Everything()
	if peer.PodSelector != nil {
		s, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
		if err != nil {
			return nil, ""
		}
		podSel = s
	}
	spaces := []*nsInfo{ns}
	var ids []string
	if peer.NamespaceSelector != nil {
		nsSel, err := metav1.LabelSelectorAsSelector(peer.NamespaceSelector)
		if err != nil {
			return nil, ""
		}
		spaces = b.spaces(ns, nsSel)
		if !pinned(nsSel, b.namespaces) {
			ids = append(ids, OtherNamespaces)
		}
	}
	for _, s := range spaces {
		for _, n := range b.pods(s, podSel) {
			ids = append(ids, n.ID)
		}
	}
	if len(ids) == 0 {
		// Pods the input does not hold: made by an operator (a Prometheus resource), or a
		// label that drifted. The policy's intent still shows, as a node of its own.
		ids = append(ids, b.unmatched(ns, peer))
	}
	return ids, ""
}

// unmatched returns the node of a peer that selects no workload of the input, one per
// namespace and peer.
func (b *builder) unmatched(ns *nsInfo, peer networkingv1.NetworkPolicyPeer) string {
	name := "pods"
	if peer.PodSelector != nil && !isEmpty(peer.PodSelector) {
		name += " " + selectorText(peer.PodSelector)
	}
	if peer.NamespaceSelector != nil {
		name += " in namespaces " + selectorText(peer.NamespaceSelector)
	} else {
		name += " in " + ns.Name
	}
	name += " (none in the input)"
	id := Unmatched + ns.ID + ":" + name
	if b.unmatchedNames[id] == "" {
		b.unmatchedNames[id] = name
	}
	return id
}

func selectorText(sel *metav1.LabelSelector) string {
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		return "{}"
	}
	return s.String()
}

// pods returns the workloads of ns that sel selects.
func (b *builder) pods(ns *nsInfo, sel labels.Selector) []*Node {
	key := ns.ID + "\x00" + sel.String()
	if out, ok := b.podMemo[key]; ok {
		return out
	}
	var out []*Node
	for _, n := range ns.workloads {
		if sel.Matches(labels.Set(n.Labels)) {
			out = append(out, n)
		}
	}
	b.podMemo[key] = out
	return out
}

// spaces returns the namespaces a namespaceSelector of a policy in ns selects: the named
// namespaces of the input and ns itself (the implicit namespace of another deploy unit
// is deployed on its own, and never meets this one).
func (b *builder) spaces(ns *nsInfo, sel labels.Selector) []*nsInfo {
	// The named namespaces a selector selects are the same for every policy: one scan per
	// distinct selector, however many namespaces carry it.
	key := sel.String()
	named, ok := b.nsMemo[key]
	if !ok {
		for _, s := range b.named {
			if sel.Matches(s.labels) {
				named = append(named, s)
			}
		}
		b.nsMemo[key] = named
	}
	if ns.key.Unit != "" && sel.Matches(ns.labels) {
		return append(named[:len(named):len(named)], ns)
	}
	return named
}

// pinned reports whether a namespaceSelector names its namespaces by
// kubernetes.io/metadata.name, all of them in the input: it then selects no namespace
// beyond the input. Any other selector may select namespaces the input does not hold.
func pinned(sel labels.Selector, known map[check.Namespace]*nsInfo) bool {
	reqs, ok := sel.Requirements()
	if !ok {
		return false
	}
	for _, r := range reqs {
		if r.Key() != metadataName {
			continue
		}
		switch r.Operator() {
		case selection.In, selection.Equals, selection.DoubleEquals:
			all := true
			for _, v := range r.ValuesUnsorted() {
				_, in := known[check.Namespace{Name: v}]
				all = all && in
			}
			return all
		}
	}
	return false
}

func isEmpty(sel *metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}
