package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// privileged implements PSA "privileged": securityContext.privileged of every container.
var privileged = &check.Check{
	ID:       "privileged-container",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.Critical,
	PSS:      finding.PSSBaseline,
	PSACheck: "privileged",
	Doc: check.Doc{
		Title: "Container runs privileged",
		Why: `A privileged container has every capability, sees every host device and is not confined by
seccomp or AppArmor: root in it is root on the node. One compromised privileged pod is a
compromised node, and from there the cluster.`,
		Bad: `containers:
  - name: app
    securityContext:
      privileged: true`,
		Good: `containers:
  - name: app
    securityContext:
      privileged: false
      allowPrivilegeEscalation: false`,
		Fix: "Remove privileged: true. If the workload needs one kernel feature, add only that capability (and prefer a dedicated node pool for it).",
	},
	References: []check.Reference{check.CIS("5.2.2"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, c := range pod.Containers() {
				if v, set := workload.BoolField(c.Node, "securityContext", "privileged"); set && v {
					path := c.SecurityContextPath("privileged")
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: c.Label() + " runs privileged: it has full access to the node",
						Fix:     check.NewFix("set securityContext.privileged to false", false, check.SetTo(path, false))})
				}
			}
		})
	},
}

func init() { check.Register(privileged) }
