package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// privilegeEscalation implements PSA "allowPrivilegeEscalation" (1.25+): every container
// of a non-Windows pod must set allowPrivilegeEscalation: false.
var privilegeEscalation = &check.Check{
	ID:       "privilege-escalation-allowed",
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSRestricted,
	PSACheck: "allowPrivilegeEscalation",
	Doc: check.Doc{
		Title: "Container does not set allowPrivilegeEscalation: false",
		Why: `Unless allowPrivilegeEscalation is false, the kernel's no_new_privs flag is not set and a
process can gain more privileges than its parent: a setuid binary in the image (su, ping on
old images, a planted one) turns code execution into root. The default is true.`,
		Bad: `containers:
  - name: app
    securityContext: {}`,
		Good: `containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false`,
		Fix: "Set securityContext.allowPrivilegeEscalation: false on every container. It is safe for applications that do not rely on setuid binaries.",
	},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if isWindows(pod) {
				return
			}
			for _, c := range pod.Containers() {
				v, set := boolField(c.Node, "securityContext", "allowPrivilegeEscalation")
				if set && !v {
					continue
				}
				msg := c.Label() + " does not set allowPrivilegeEscalation: false"
				if set {
					msg = c.Label() + " sets allowPrivilegeEscalation: true"
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: containerSC(c).Keys("allowPrivilegeEscalation"), Message: msg,
					Fix: &finding.Fix{Description: "set allowPrivilegeEscalation: false", Safe: true}})
			}
		})
	},
}

func init() { check.Register(privilegeEscalation) }
