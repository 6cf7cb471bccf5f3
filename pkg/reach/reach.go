// Package reach computes which workloads of an input the Kubernetes NetworkPolicies let
// open connections to which, as the NetworkPolicy API defines it, before deployment.
//
// Nodes are the workloads (pod templates), grouped by namespace as the netpol checks group
// them (check.Settings.ScopeOf and check.Meetings: the implicit namespaces of two deploy
// units are two namespaces), and two outside nodes:
//
//   - External: addresses outside the cluster, what ipBlock peers name;
//   - OtherNamespaces: pods of namespaces the input does not hold, what a
//     namespaceSelector may select beyond the input's namespaces;
//   - AnyPod: every pod of the cluster, what a peer with an empty namespaceSelector (and no
//     or an empty podSelector) names. One node rather than an edge from every workload of
//     the input: such a rule is common (metrics, webhooks) and says "any pod", not "these";
//   - one node per peer that selects no workload of the input ("pods app=prometheus in
//     monitoring (none in the input)"): pods an operator makes from a custom resource, or a
//     label that drifted; its ID starts with Unmatched.
//
// Per direction a pod selected by no policy of that type is not isolated and allows all
// traffic of that type; policies are additive; a connection needs the source's egress and
// the target's ingress to allow it. Peers: podSelector (in the policy's namespace),
// namespaceSelector (against the input's Namespace objects, and the automatic
// kubernetes.io/metadata.name label of every namespace the input names), both in one peer
// (pods of those namespaces), ipBlock with except (to External only: pod IPs are not known
// before deployment). Ports: numbers, names resolved against the target's container ports,
// protocols (TCP when unset), endPort.
//
// An edge is listed when a policy allows it: at least one side is isolated, or names the
// peer. Traffic that neither side restricts (both sides allow any peer) is not listed edge
// by edge: such nodes carry Open in that direction and the outputs draw them as open to
// everything. So the graph grows with what the policies say, not with the square of the
// workloads.
//
// Cilium and Calico policies are not modelled rule by rule: a workload one of them selects
// is marked CNI, and its edges Approximate (the cluster may allow less or more).
package reach

import "github.com/kubectl-secure/kubectl-secure/pkg/manifest"

// Outside node IDs.
const (
	External        = "outside:external"
	OtherNamespaces = "outside:other-namespaces"
	AnyPod          = "outside:any-pod"
	Unmatched       = "outside:unmatched:" // + namespace ID + ":" + name
)

// Graph is the reachability model of one input.
type Graph struct {
	Namespaces []*Namespace `json:"namespaces"`
	Nodes      []*Node      `json:"nodes"`
	Edges      []*Edge      `json:"edges"`
	// Notes say what the model leaves out (a policy that does not decode, Cilium and
	// Calico rules).
	Notes []string `json:"notes,omitempty"`

	byID  map[string]*Node
	byObj map[*manifest.Object]*Node
}

// Namespace is one namespace of the input, in one deploy unit when it is implicit.
type Namespace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Unit is the deploy unit of an implicit namespace, "" for a named one.
	Unit     string            `json:"unit,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Policies []PolicyRef       `json:"policies,omitempty"`
}

// Node is a workload or an outside node.
type Node struct {
	ID        string            `json:"id"`
	Kind      string            `json:"kind"` // Deployment, ..., or "Outside"
	Namespace string            `json:"namespace,omitempty"`
	NSID      string            `json:"namespaceId,omitempty"`
	Name      string            `json:"name"`
	Labels    map[string]string `json:"labels,omitempty"`
	File      string            `json:"file,omitempty"`
	Line      int               `json:"line,omitempty"`
	Ports     []ContainerPort   `json:"ports,omitempty"`
	// ServiceAccount is the pods' spec.serviceAccountName ("default" when unset).
	ServiceAccount string    `json:"serviceAccount,omitempty"`
	Ingress        Direction `json:"ingress"`
	Egress         Direction `json:"egress"`
	// Privileged says why the pods can reach beyond their network namespace or the node
	// (privileged container, hostNetwork, hostPID, hostIPC); hostNetwork pods are not
	// subject to NetworkPolicies at all.
	Privileged []string `json:"privileged,omitempty"`
	// CNI names the Cilium or Calico policies that select the workload.
	CNI []string `json:"cni,omitempty"`

	w *workloadFact
}

// Direction is what a node allows in one direction.
type Direction struct {
	// Isolated: a policy of this type selects the node, so only what policies allow passes.
	Isolated bool `json:"isolated"`
	// Policies are the policies of this type that select the node.
	Policies []PolicyRef `json:"policies,omitempty"`
	// Open is what any peer may use, cluster and internet alike: every port when the node
	// is not isolated, the ports of a rule without peers otherwise; nil when nothing.
	Open *Ports `json:"open,omitempty"`
	// OpenBy are the policies whose rules open it (none when not isolated).
	OpenBy []PolicyRef `json:"openBy,omitempty"`
}

// Edge is a connection the policies allow from one node to another.
type Edge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Ports Ports  `json:"ports"`
	// Policies allow the edge: egress policies of the source, ingress policies of the
	// target. A side that is not isolated contributes none.
	Policies []PolicyRef `json:"policies"`
	// CIDRs are the ipBlocks of an edge from or to External.
	CIDRs []string `json:"cidrs,omitempty"`
	// Approximate: a Cilium or Calico policy selects one side.
	Approximate bool `json:"approximate,omitempty"`
}

// PolicyRef names a NetworkPolicy and the direction it applies in.
type PolicyRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Direction string `json:"direction,omitempty"` // ingress or egress; "" in a Namespace's list
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
}

func (p PolicyRef) String() string { return p.Namespace + "/" + p.Name + " (" + p.Direction + ")" }

// ContainerPort is a port a container of the workload declares.
type ContainerPort struct {
	Name     string `json:"name,omitempty"`
	Port     int32  `json:"port"`
	Protocol string `json:"protocol"`
}

// Node returns the node with id, or nil.
func (g *Graph) Node(id string) *Node { return g.byID[id] }

// NodeOf returns the node of a workload object of the input, or nil: how other analyses
// of the same objects (access paths) attach to the graph.
func (g *Graph) NodeOf(o *manifest.Object) *Node { return g.byObj[o] }
