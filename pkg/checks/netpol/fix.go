package netpol

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/yamlquote"
)

// DenyFileName is the file a default-deny fix writes: beside the workload's file, or into
// the Kustomize overlay that builds it (then also listed under its resources).
const DenyFileName = "networkpolicy-default-deny.yaml"

// denyName names the policy; the no-default-deny-ingress check's doc shows the same name,
// so both checks' fixes add one object, not two.
const denyName = "default-deny-ingress"

// denyIngress is the AddObject change of a default-deny fix. It denies ingress only: an
// egress deny also cuts DNS and the API server, and the rules to allow them back depend on
// the cluster, so that one stays a decision for a person. The policy takes the workload's
// namespace as written; a workload without one is applied with `kubectl apply -n`, and a
// namespace in the policy would then contradict it.
func denyIngress(ns string) finding.Change {
	var b strings.Builder
	b.WriteString("# Denies all ingress to the pods of the namespace; add policies that allow the\n")
	b.WriteString("# traffic each workload needs. Written by kubectl-secure.\n")
	b.WriteString("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n")
	b.WriteString("  name: " + yamlquote.Scalar(denyName) + "\n")
	if ns != "" {
		// Quoted where needed, so that the namespace as written reads back as itself; a
		// namespace that is not a DNS label is refused by the fix writer, never written.
		fmt.Fprintf(&b, "  namespace: %s\n", yamlquote.Scalar(ns))
	}
	b.WriteString("spec:\n  podSelector: {}\n  policyTypes:\n    - Ingress\n")
	return finding.Change{Op: finding.AddObject, Value: b.String(), FileName: DenyFileName}
}

// deployUnit is what is deployed together: a Kustomize overlay, or the plain files. A
// policy added to one overlay is not deployed with another overlay of the same namespace,
// so each needs its own; plain files share one.
func deployUnit(o *manifest.Object) string { return o.Overlay }

// denyFixes returns the fix of every workload of ns: the change that adds the policy rides on
// one workload per deployment unit (the first, in file order), so that a namespace gets one
// policy, not one per workload; the others carry the same advice without changes.
func denyFixes(ns *namespace, description string) map[*manifest.Object]*finding.Fix {
	first := map[string]*workloadRef{}
	for _, w := range ns.workloads {
		u := deployUnit(w.obj)
		if f, ok := first[u]; !ok || before(w, f) {
			first[u] = w
		}
	}
	out := map[*manifest.Object]*finding.Fix{}
	for _, w := range ns.workloads {
		fx := &finding.Fix{Description: description, Safe: false}
		if first[deployUnit(w.obj)] == w {
			fx.Changes = []finding.Change{denyIngress(w.obj.Ref.Namespace)}
		}
		out[w.obj] = fx
	}
	return out
}

// before orders workloads by file, then position: the order findings are listed in.
func before(a, b *workloadRef) bool {
	if a.obj.File != b.obj.File {
		return a.obj.File < b.obj.File
	}
	if a.obj.Doc != b.obj.Doc {
		return a.obj.Doc < b.obj.Doc
	}
	return a.line < b.line
}
