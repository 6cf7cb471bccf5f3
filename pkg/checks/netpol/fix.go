package netpol

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/yamlquote"
)

// DenyFileName is the file a default-deny fix writes: beside the workload's file, or into
// the Kustomize overlay that builds it (then also listed under its resources).
const DenyFileName = "networkpolicy-default-deny.yaml"

// The policies the default-deny fixes add, one per direction, named as the checks' docs
// show them, so that a fix found in place (same kind, namespace and name) adds nothing.
const (
	denyIngressName = "default-deny-ingress"
	denyEgressName  = "default-deny-egress"
)

// denyIngress is the AddObject change of a default-deny ingress fix. The policy takes the
// workload's namespace as written; a workload without one is applied with `kubectl apply
// -n`, and a namespace in the policy would then contradict it.
func denyIngress(ns string) finding.Change {
	return denyPolicy(ns, denyIngressName, "Ingress",
		"# Denies all ingress to the pods of the namespace; add policies that allow the\n"+
			"# traffic each workload needs. Written by kubectl-secure.\n", "")
}

// denyEgress is the AddObject change of a default-deny egress fix. It keeps DNS (port 53,
// UDP and TCP, to any address): without it every lookup fails and the deny breaks even
// workloads whose connections a later policy allows. A port-only rule is no allow-all, so
// the policy counts as a default deny. Everything else (the API server, databases, other
// services) is cut until a policy allows it, which is why the fix is unsafe.
func denyEgress(ns string) finding.Change {
	return denyPolicy(ns, denyEgressName, "Egress",
		"# Denies all egress from the pods of the namespace but DNS; add policies that allow\n"+
			"# the connections each workload makes. Written by kubectl-secure.\n",
		"  egress:\n    - ports:\n        - protocol: UDP\n          port: 53\n        - protocol: TCP\n          port: 53\n")
}

// denyPolicy writes a policy that selects every pod of ns for direction, with rules (YAML
// text under spec) when given. Both directions go to one file, DenyFileName.
func denyPolicy(ns, name, direction, comment, rules string) finding.Change {
	var b strings.Builder
	b.WriteString(comment)
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n")
	b.WriteString("  name: " + yamlquote.Scalar(name) + "\n")
	if ns != "" {
		// Quoted where needed, so that the namespace as written reads back as itself; a
		// namespace that is not a DNS label is refused by the fix writer, never written.
		fmt.Fprintf(&b, "  namespace: %s\n", yamlquote.Scalar(ns))
	}
	b.WriteString("spec:\n  podSelector: {}\n  policyTypes:\n    - " + direction + "\n")
	b.WriteString(rules)
	return finding.Change{Op: finding.AddObject, Value: b.String(), FileName: DenyFileName}
}

// deployUnit is what is deployed together: a Kustomize overlay, or the plain files. A
// policy added to one overlay is not deployed with another overlay of the same namespace,
// so each needs its own; plain files share one.
func deployUnit(o *manifest.Object) string { return o.Overlay }

// denyFixes returns the fix of every workload of ns: the changes that add the policies ride
// on one workload per deployment unit (the first, in file order), so that a namespace gets
// one policy per direction, not one per workload; the others carry the same advice without
// changes. A namespace without any policy gets both directions denied: the ingress deny
// alone would leave the namespace with a policy and no egress deny, which
// no-default-deny-egress reports, so the fix would raise what it meant to settle.
func denyFixes(ns *namespace, description string) map[*manifest.Object]*finding.Fix {
	first := map[string]*workloadRef{}
	for _, w := range ns.workloads {
		u := deployUnit(w.obj)
		if f, ok := first[u]; !ok || listedBefore(w, f) {
			first[u] = w
		}
	}
	out := map[*manifest.Object]*finding.Fix{}
	for _, w := range ns.workloads {
		fx := check.NewFix(description, false)
		if first[deployUnit(w.obj)] == w {
			fx.Changes = []finding.Change{denyIngress(w.obj.Ref.Namespace), denyEgress(w.obj.Ref.Namespace)}
		}
		out[w.obj] = fx
	}
	return out
}

// listedBefore orders workloads by file, then position: the order findings are listed in.
func listedBefore(a, b *workloadRef) bool {
	if a.obj.File != b.obj.File {
		return a.obj.File < b.obj.File
	}
	if a.obj.Doc != b.obj.Doc {
		return a.obj.Doc < b.obj.Doc
	}
	return a.line < b.line
}
