package netpol

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// coveredNote is the part of every namespace-level check's doc that tells teams whose
// policies live in another repository how to say so.
const coveredNote = `
If your platform applies NetworkPolicies to namespaces from elsewhere (a cluster-wide
default-deny from a platform repository, Calico/Cilium global policies that are not in the
input), declare those namespaces as covered instead of disabling the check:

  # .kubectl-secure.yaml
  networkPolicy:
    coveredNamespaces: ["team-*", "payments"]

or on the command line: --covered-namespaces 'team-*,payments'. Patterns use shell glob
syntax. Dangling selectors and allow-all rules in policies you do commit are still checked.`

var noPolicy = &check.Check{
	ID:       "namespace-without-network-policy",
	AutoFix:  check.FixUnsafe,
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Workload runs in a namespace that has no NetworkPolicy",
		Why: `Without any NetworkPolicy every pod in the namespace accepts traffic from every pod in the
cluster and may connect anywhere: one compromised pod reaches all the others.
The analysis relates what is deployed together. Objects that name their namespace
(metadata.namespace, the Kustomize namespace: field, or --namespace) meet across the whole
run, so policies kept in one folder cover the apps of another. Objects that name none are in
the implicit namespace ("default") of their deploy unit — a kustomization build, a
directory of plain files (not its subdirectories), or stdin — so one sample's policy says
nothing about the sample beside it; deployScope: repository in the config file relates
them across the run, for a repository deployed as one. Cilium (CiliumNetworkPolicy,
CiliumClusterwideNetworkPolicy) and Calico (NetworkPolicy, GlobalNetworkPolicy) policies
in the input cover the pods their selectors select. Reported at each workload's
metadata.namespace, or, when a kustomization's namespace: field put the workload in the
namespace, at that field: the overlay, not the shared base, is where the policy belongs;
at the object when it names no namespace.` + coveredNote,
		Bad: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
# ...and no NetworkPolicy in namespace shop anywhere in the input`,
		Good: `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]`,
		Fix: "Add a default-deny NetworkPolicy to the namespace, then policies that allow the traffic each workload needs.",
	},
	References: []check.Reference{check.CIS("5.3.2"), check.NSA("network/network-policies")},
	Facts:      facts,
	Run: func(p *check.Pass) {
		for _, ns := range analyse(p) {
			if ns.hasPolicy() || covered(p, ns.name) {
				continue
			}
			// Unsafe: a default deny cuts every flow no policy allows yet.
			fixes := denyFixes(ns, fmt.Sprintf("add default-deny ingress and egress NetworkPolicies (DNS kept) to namespace %q", ns.name))
			// Cilium or Calico policies of the namespace itself that select none of its
			// workloads: the namespace has policies, just none for these pods; say so.
			var idle []string
			for _, fp := range ns.foreign {
				if !fp.clusterWide {
					idle = append(idle, fmt.Sprintf("%s %q", fp.obj.Ref.Kind, fp.obj.Ref.Name))
				}
			}
			for _, w := range ns.workloads {
				msg := fmt.Sprintf("namespace %q has no NetworkPolicy: %s %q accepts traffic from any pod; add a default-deny policy", ns.name, w.obj.Ref.Kind, w.obj.Ref.Name)
				if len(idle) > 0 {
					msg = fmt.Sprintf("namespace %q has no NetworkPolicy that selects its workloads (%s selects none of them): %s %q accepts traffic from any pod; add a default-deny policy",
						ns.name, strings.Join(idle, ", "), w.obj.Ref.Kind, w.obj.Ref.Name)
				}
				p.Report(check.Diagnostic{Object: w.obj, Path: w.atPath, At: &w.at,
					Message: msg,
					Fix:     fixes[w.obj]})
			}
		}
	},
}

func defaultDenyCheck(id, direction string, sev finding.Severity, covers func(*policy) bool) *check.Check {
	return &check.Check{
		ID:       id,
		AutoFix:  check.FixUnsafe,
		Category: category,
		Severity: sev,
		Doc: check.Doc{
			Title: fmt.Sprintf("Namespace has NetworkPolicies but no default deny for %s", direction),
			Why: fmt.Sprintf(`Policies that select some pods leave every other pod of the namespace open. A default-deny
policy (podSelector: {} with %[1]s in policyTypes) makes "not allowed" the default, so a new
workload or a relabelled pod is isolated until a policy allows its traffic. Reported once per
namespace, at the Namespace object when the input has it, otherwise at a kustomization
namespace: field that put a workload there, otherwise at the metadata.namespace of its first
workload (namespaces are grouped by deploy unit as namespace-without-network-policy says, so
the place is always in the unit concerned). Only Kubernetes NetworkPolicies count as a default
deny: Cilium and Calico decide it with rule sections, deny actions, tiers and orders that
this check does not model; declare such namespaces covered.
A namespace with no policy at all is reported by namespace-without-network-policy instead.`, direction) + coveredNote,
			Bad: `kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [...]`,
			Good: fmt.Sprintf(`kind: NetworkPolicy
metadata: {name: default-deny-%[1]s}
spec:
  podSelector: {}
  policyTypes: [%[2]s]`, strings.ToLower(direction), direction),
			Fix: fmt.Sprintf("Add a NetworkPolicy with podSelector: {} and policyTypes: [%s] and no rules that allow all.", direction),
		},
		References: []check.Reference{check.CIS("5.3.2"), check.NSA("network/network-policies")},
		Facts:      facts,
		Run: func(p *check.Pass) {
			for _, ns := range analyse(p) {
				if len(ns.policies) == 0 || len(ns.workloads) == 0 || covered(p, ns.name) {
					continue
				}
				denied := false
				for _, pol := range ns.policies {
					denied = denied || covers(pol)
				}
				if !denied {
					obj, path, at := ns.anchor()
					desc := fmt.Sprintf("add a default-deny %s NetworkPolicy to namespace %q", strings.ToLower(direction), ns.name)
					if direction == "Egress" {
						desc += " (DNS kept)"
					}
					fx := check.NewFix(desc, false)
					target := obj.Ref.Namespace
					if ns.nsObject != nil && obj == ns.nsObject.obj {
						target = ns.name
					}
					if direction == "Ingress" {
						fx.Changes = []finding.Change{denyIngress(target)}
					} else {
						fx.Changes = []finding.Change{denyEgress(target)}
					}
					p.Report(check.Diagnostic{Object: obj, Path: path, At: &at,
						Message: fmt.Sprintf("namespace %q has no default-deny %s NetworkPolicy (podSelector: {}, policyTypes: [%s])", ns.name, strings.ToLower(direction), direction),
						Fix:     fx})
				}
			}
		},
	}
}

var noDefaultDenyIngress = defaultDenyCheck("no-default-deny-ingress", "Ingress", finding.Medium, func(pol *policy) bool {
	return pol.empty && pol.ingress && !pol.allowsAllIngress
})

var noDefaultDenyEgress = defaultDenyCheck("no-default-deny-egress", "Egress", finding.Low, func(pol *policy) bool {
	return pol.empty && pol.egress && !pol.allowsAllEgress
})

var selectsNothing = &check.Check{
	ID:       "network-policy-selects-nothing",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "NetworkPolicy's podSelector matches no pod template in its namespace",
		Why: `A policy that selects nothing protects nothing; usually a label is misspelt or the policy
is in the wrong namespace, and the workload it was written for is left open. Selectors are
evaluated with Kubernetes semantics (matchLabels and matchExpressions with In, NotIn,
Exists, DoesNotExist). Reported only when the namespace has workloads in the input.`,
		Bad: `kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: frontnd}}   # the pods are labelled app: frontend`,
		Good: `kind: NetworkPolicy
spec:
  podSelector: {matchLabels: {app: frontend}}`,
		Fix: "Correct the selector (or the namespace) so that it selects the pods it was written for.",
	},
	References: []check.Reference{check.CIS("5.3.2"), check.NSA("network/network-policies")},
	Facts:      facts,
	Run: func(p *check.Pass) {
		for _, ns := range analyse(p) {
			if len(ns.workloads) == 0 {
				continue
			}
			for _, pol := range ns.policies {
				selPath := fieldpath.New("spec", "podSelector")
				if pol.selErr != nil {
					p.Report(check.Diagnostic{Object: pol.obj, Path: selPath, At: &pol.selAt,
						Message: fmt.Sprintf("NetworkPolicy %q has an invalid podSelector: %v", pol.obj.Ref.Name, pol.selErr)})
					continue
				}
				matched := false
				for _, w := range ns.workloads {
					matched = matched || pol.selects(w)
				}
				if !matched {
					p.Report(check.Diagnostic{Object: pol.obj, Path: selPath, At: &pol.selAt,
						Message: fmt.Sprintf("NetworkPolicy %q selects no pod in namespace %q (podSelector %s); check the labels", pol.obj.Ref.Name, ns.name, pol.selector)})
				}
			}
		}
	},
}

var unselected = &check.Check{
	ID:       "workload-without-network-policy",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Workload is selected by no NetworkPolicy while others in its namespace are",
		Why: `When some workloads of a namespace have policies and this one has none, it accepts all
traffic — usually it was forgotten, or its labels drifted from the policy's selector.
Kubernetes NetworkPolicies and Cilium and Calico policies count, with their own selector
semantics: Cilium endpointSelector (a label selector; k8s: and any: key prefixes match pod
labels), Calico selector expressions (all(), ==, !=, in, not in, has(), contains,
starts with, ends with, !, &&, ||; a selector that does not parse is taken to select every
pod rather than raise an alarm on a misreading). Only the workloads of the same namespace and
deploy unit are compared (see namespace-without-network-policy).`,
		Bad:  `# policy selects app: api; the Deployment "worker" (app: worker) is selected by none`,
		Good: `# a default-deny policy (podSelector: {}) selects every pod, or a policy selects app: worker`,
		Fix:  "Add a policy for the workload, or a default-deny policy for the namespace.",
	},
	References: []check.Reference{check.CIS("5.3.2"), check.NSA("network/network-policies")},
	Facts:      facts,
	Run: func(p *check.Pass) {
		for _, ns := range analyse(p) {
			if !ns.hasPolicy() || covered(p, ns.name) {
				continue
			}
			selected := make([]bool, len(ns.workloads))
			any := false
			for i, w := range ns.workloads {
				if ns.selected(w) {
					selected[i], any = true, true
				}
			}
			if !any {
				continue // every policy dangles: network-policy-selects-nothing says so
			}
			for i, w := range ns.workloads {
				if !selected[i] {
					// At the workload, whose labels or policy are to change, or at the
					// overlay's namespace: entry when a kustomization put it there.
					at, path := w.objAt, fieldpath.Path(nil)
					if w.byKustomization {
						at, path = w.at, w.atPath
					}
					p.Report(check.Diagnostic{Object: w.obj, Path: path, At: &at,
						Message: fmt.Sprintf("%s %q is selected by no NetworkPolicy in namespace %q while other workloads are", w.obj.Ref.Kind, w.obj.Ref.Name, ns.name)})
				}
			}
		}
	},
}

var allowAll = &check.Check{
	ID:       "network-policy-allow-all",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "NetworkPolicy rule allows all traffic",
		Why: `An ingress rule with no from and no ports (or an empty {} peer) admits every source on every
port; an egress rule with no to and no ports allows every destination; ipBlock 0.0.0.0/0 or
::/0 without except admits the whole internet. Such a rule cancels the isolation the policy
was meant to give.`,
		Bad: `ingress:
  - {}                       # everything
  - from: [{ipBlock: {cidr: 0.0.0.0/0}}]`,
		Good: `ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{port: 8080}]`,
		Fix: "Name the peers (podSelector, namespaceSelector, ipBlock with a narrow CIDR or except) and the ports.",
	},
	References: []check.Reference{check.CIS("5.3.2"), check.NSA("network/network-policies")},
	Run: func(p *check.Pass) {
		p.ForEachObject(func(o *manifest.Object) {
			if o.Ref.Kind != "NetworkPolicy" || o.Ref.APIVersion != "networking.k8s.io/v1" {
				return
			}
			reportAllowAll(p, o, "ingress", "from", finding.Medium)
			reportAllowAll(p, o, "egress", "to", finding.Low)
		})
	},
}

func init() {
	check.Register(noPolicy, noDefaultDenyIngress, noDefaultDenyEgress, selectsNothing, unselected, allowAll)
}

// isEmptyMap reports a mapping with no keys ({}).
func isEmptyMap(n *yaml.Node) bool {
	n = fieldpath.Deref(n)
	return n != nil && n.Kind == yaml.MappingNode && len(n.Content) == 0
}
