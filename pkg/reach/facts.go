package reach

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/checks/netpol"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// Facts are what the graph keeps of each object: a *namespaceFact, a *policyFact, a
// *cniFact or a *workloadFact, read while the object's tree is in memory (no yaml nodes
// are kept).
var Facts = &check.Facts{Name: "reachability", Of: objectFact}

type namespaceFact struct {
	name   string
	labels labels.Set
}

// workloadFact is one pod template: a node of the graph.
type workloadFact struct {
	obj        *manifest.Object
	scope      check.Namespace
	labels     labels.Set
	ports      []ContainerPort
	privileged []string // why the pods are privileged ("privileged container", "hostNetwork", ...)
	hostNet    bool
	account    string // spec.serviceAccountName, "default" when unset
	at         manifest.Position
}

// policyFact is one NetworkPolicy, its spec decoded into the API type, as kubectl would
// send it.
type policyFact struct {
	obj   *manifest.Object
	scope check.Namespace
	spec  networkingv1.NetworkPolicySpec
	err   error // the spec does not decode: the policy is left out and a note says so
	types struct{ ingress, egress bool }
	at    manifest.Position
}

// cniFact is a Cilium or Calico policy: the pods it selects are marked, its rules are not
// modelled.
type cniFact struct {
	obj   *manifest.Object
	scope check.Namespace
	pol   *netpol.CNIPolicy
}

func objectFact(o *manifest.Object, s *check.Settings) any {
	switch {
	case o.Ref.Kind == "Namespace" && o.Ref.APIVersion == "v1":
		return &namespaceFact{name: o.Ref.Name, labels: stringMap(o.Field("metadata", "labels"))}
	case o.Ref.Kind == "NetworkPolicy" && o.Ref.APIVersion == "networking.k8s.io/v1":
		return parsePolicy(o, s)
	}
	if pol := netpol.ParseCNIPolicy(o); pol != nil {
		return &cniFact{obj: o, scope: s.ScopeOf(o), pol: pol}
	}
	pods := workload.Pods(o)
	if len(pods) == 0 {
		return nil
	}
	pod := pods[0]
	w := &workloadFact{obj: o, scope: s.ScopeOf(o), labels: stringMap(fieldpath.MapGet(pod.Meta, "labels")),
		account: "default", at: o.Locate(nil)}
	if sa, ok := fieldpath.Str(pod.Field("serviceAccountName")); ok && sa != "" {
		w.account = sa
	}
	for _, host := range []string{"hostNetwork", "hostPID", "hostIPC"} {
		if v, _ := fieldpath.Bool(pod.Field(host)); v {
			w.privileged = append(w.privileged, host)
			w.hostNet = w.hostNet || host == "hostNetwork"
		}
	}
	for _, c := range pod.Containers() {
		if v, _ := fieldpath.Bool(c.Field("securityContext", "privileged")); v {
			w.privileged = append(w.privileged, "privileged container "+c.Name)
		}
		for _, p := range fieldpath.Items(c.Field("ports")) {
			w.ports = append(w.ports, containerPort(p))
		}
	}
	return w
}

func containerPort(n *yaml.Node) ContainerPort {
	cp := ContainerPort{Protocol: "TCP"}
	cp.Name, _ = fieldpath.Str(fieldpath.MapGet(n, "name"))
	if s, ok := fieldpath.Str(fieldpath.MapGet(n, "protocol")); ok && s != "" {
		cp.Protocol = s
	}
	if s, ok := fieldpath.Str(fieldpath.MapGet(n, "containerPort")); ok {
		_, _ = fmt.Sscan(s, &cp.Port)
	}
	return cp
}

// parsePolicy decodes the policy's spec through JSON into the API type, so that ports
// (number or name), selectors and ipBlocks read exactly as the API server reads them.
func parsePolicy(o *manifest.Object, s *check.Settings) *policyFact {
	pol := &policyFact{obj: o, scope: s.ScopeOf(o), at: o.Locate(nil)}
	if spec := o.Field("spec"); spec != nil {
		var v any
		if err := spec.Decode(&v); err != nil {
			pol.err = err
		} else if b, err := json.Marshal(v); err != nil {
			pol.err = err
		} else if err := json.Unmarshal(b, &pol.spec); err != nil {
			pol.err = err
		}
	}
	// policyTypes default as the API server defaults them: Ingress always, Egress when
	// egress rules are present.
	if len(pol.spec.PolicyTypes) == 0 {
		pol.types.ingress = true
		pol.types.egress = len(pol.spec.Egress) > 0
	}
	for _, t := range pol.spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			pol.types.ingress = true
		case networkingv1.PolicyTypeEgress:
			pol.types.egress = true
		}
	}
	return pol
}

func stringMap(n *yaml.Node) labels.Set {
	set := labels.Set{}
	fieldpath.Pairs(n, func(k string, _, v *yaml.Node) {
		s, _ := fieldpath.Str(v)
		set[k] = s
	})
	return set
}

// FromObjects computes the facts of objs (whose trees must still be there) and analyses
// them: for callers that hold the loaded objects rather than a check pass.
func FromObjects(objs []*manifest.Object, s *check.Settings) *Graph {
	return Analyze(CollectFacts(objs, s, Facts), s)
}

// CollectFacts returns what f keeps of each object, in input order, as a check pass sees
// its facts.
func CollectFacts(objs []*manifest.Object, s *check.Settings, f *check.Facts) []check.Fact {
	out := make([]check.Fact, 0, len(objs))
	for _, o := range objs {
		if v := f.Of(o, s); v != nil {
			out = append(out, check.Fact{Object: o, Value: v})
		}
	}
	return out
}
