package reach

import (
	"sort"
)

// outside returns the outside node with id, made on first use.
func (b *builder) outside(id string) *Node {
	if n := b.g.byID[id]; n != nil {
		return n
	}
	name := map[string]string{External: "external (ipBlock)", OtherNamespaces: "other namespaces", AnyPod: "any pod (all namespaces)"}[id]
	if name == "" {
		name = b.unmatchedNames[id]
	}
	n := &Node{ID: id, Kind: "Outside", Name: name,
		Ingress: Direction{Open: &AllPorts}, Egress: Direction{Open: &AllPorts}}
	b.g.byID[id] = n
	return n
}

// edges turns the allowances of both sides into edges: a pair is connected on the ports
// the source's egress and the target's ingress both allow.
func (b *builder) edges() {
	for _, p := range b.pairs {
		from, to := b.g.byID[p.from], b.g.byID[p.to]
		if from == nil {
			from = b.outside(p.from)
		}
		if to == nil {
			to = b.outside(p.to)
		}
		in, inPol, inCIDR := b.side(to.Ingress, b.ingress[p], b.openIn[to.ID], to)
		out, outPol, outCIDR := b.side(from.Egress, b.egress[p], b.openOut[from.ID], to)
		ports := intersect(out, in)
		if ports.Empty() {
			continue
		}
		e := &Edge{From: from.ID, To: to.ID, Ports: ports, Policies: dedupe(append(outPol, inPol...)),
			CIDRs: uniq(append(outCIDR, inCIDR...)), Approximate: len(from.CNI) > 0 || len(to.CNI) > 0}
		b.g.Edges = append(b.g.Edges, e)
	}
}

// side is what one side allows for a pair: every port when it is not isolated, else the
// ports of its rules that name the peer and of its rules without peers, resolved against
// the target. The policies are those of the rules that name the peer and, when rules
// without peers open ports too, theirs.
func (b *builder) side(d Direction, a *allowance, open []rulePorts, target *Node) (Ports, []PolicyRef, []string) {
	if !d.Isolated {
		return AllPorts, nil, nil
	}
	var rules []rulePorts
	var pols []PolicyRef
	var cidrs []string
	if a != nil {
		rules, pols, cidrs = a.ports, a.policies, a.cidrs
	}
	if len(open) > 0 {
		rules = append(append([]rulePorts(nil), rules...), open...)
		pols = append(append([]PolicyRef(nil), pols...), d.OpenBy...)
	}
	if len(rules) == 0 {
		return Ports{}, nil, nil
	}
	return resolve(rules, target), pols, cidrs
}

// finish resolves the open ports of isolated nodes, collects the nodes in a stable order
// (namespace, kind, name; outside nodes last) and sorts the edges.
func (b *builder) finish() {
	for _, ns := range b.sortedNamespaces() {
		b.g.Namespaces = append(b.g.Namespaces, ns.Namespace)
		sort.SliceStable(ns.workloads, func(i, j int) bool {
			x, y := ns.workloads[i], ns.workloads[j]
			if x.Kind != y.Kind {
				return x.Kind < y.Kind
			}
			return x.ID < y.ID
		})
		for _, n := range ns.workloads {
			if n.Ingress.Isolated && len(b.openIn[n.ID]) > 0 {
				p := resolve(b.openIn[n.ID], n)
				n.Ingress.Open = &p
			}
			if n.Egress.Isolated && len(b.openOut[n.ID]) > 0 {
				// Towards any destination a named port stays a name.
				p := resolve(b.openOut[n.ID], &Node{})
				n.Egress.Open = &p
			}
			n.Ingress.Policies, n.Egress.Policies = dedupe(n.Ingress.Policies), dedupe(n.Egress.Policies)
			n.Ingress.OpenBy, n.Egress.OpenBy = dedupe(n.Ingress.OpenBy), dedupe(n.Egress.OpenBy)
			b.g.Nodes = append(b.g.Nodes, n)
		}
	}
	ids := []string{AnyPod, OtherNamespaces, External}
	for id := range b.unmatchedNames {
		ids = append(ids, id)
	}
	sort.Strings(ids[3:])
	for _, id := range ids {
		if n := b.g.byID[id]; n != nil {
			b.g.Nodes = append(b.g.Nodes, n)
		}
	}
	// Lists are [] in JSON, never null, for an input without workloads too.
	b.g.Namespaces = append(make([]*Namespace, 0, len(b.g.Namespaces)), b.g.Namespaces...)
	b.g.Nodes = append(make([]*Node, 0, len(b.g.Nodes)), b.g.Nodes...)
	b.g.Edges = append(make([]*Edge, 0, len(b.g.Edges)), b.g.Edges...)
	sort.SliceStable(b.g.Edges, func(i, j int) bool {
		x, y := b.g.Edges[i], b.g.Edges[j]
		if x.From != y.From {
			return x.From < y.From
		}
		return x.To < y.To
	})
}

func dedupe(refs []PolicyRef) []PolicyRef {
	if len(refs) < 2 {
		return refs
	}
	seen := make(map[PolicyRef]bool, len(refs))
	out := refs[:0:0]
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

func uniq(s []string) []string {
	if len(s) < 2 {
		return s
	}
	seen := map[string]bool{}
	out := s[:0:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// OpenIngress reports whether any peer, in the cluster or outside it, may connect to the
// node on every port: no ingress policy selects it, or one allows all.
func (n *Node) OpenIngress() bool { return n.Ingress.Open != nil && n.Ingress.Open.All }

// OpenEgress reports whether the node may connect anywhere on every port.
func (n *Node) OpenEgress() bool { return n.Egress.Open != nil && n.Egress.Open.All }
