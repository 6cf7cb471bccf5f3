package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// privilegeEscalation implements PSA "allowPrivilegeEscalation" (1.25+): every container
// of a non-Windows pod must set allowPrivilegeEscalation: false.
var privilegeEscalation = &check.Check{
	ID:       "privilege-escalation-allowed",
	AutoFix:  check.FixSafeWhenMissing,
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
	References: []check.Reference{check.CIS("5.2.6"), check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.IsWindows() {
				return
			}
			// allowPrivilegeEscalation is a container field: written in the pod's
			// securityContext it is an unknown field the API server drops. Say so, or the
			// finding reads as a false alarm to whoever wrote it there.
			misplaced := ""
			if pod.Field("securityContext", "allowPrivilegeEscalation") != nil {
				misplaced = "; the pod's securityContext sets allowPrivilegeEscalation, but it is a container field and Kubernetes drops it there"
			}
			for _, c := range pod.Containers() {
				v, set := workload.BoolField(c.Node, "securityContext", "allowPrivilegeEscalation")
				if set && !v {
					continue
				}
				msg := c.Label() + " does not set allowPrivilegeEscalation: false" + misplaced
				if set {
					msg = c.Label() + " sets allowPrivilegeEscalation: true"
				}
				path := c.SecurityContextPath("allowPrivilegeEscalation")
				// Safe only where the field is absent: no_new_privs stops setuid binaries, which
				// containers rarely rely on and which is what the field exists to stop, as
				// the Restricted profile and most admission defaults have it. An explicit
				// true is the user's decision: overriding it is unsafe.
				f := check.NewFix("set allowPrivilegeEscalation: false", !set, check.SetTo(path, false))
				if needsEscalation(c) {
					// The API rejects allowPrivilegeEscalation: false beside privileged or
					// SYS_ADMIN, so the fix is valid only with their (unsafe) removal.
					f.Safe = false
					f.Description += " (valid only once privileged and SYS_ADMIN are removed)"
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: path, Message: msg, Fix: f})
			}
		})
	},
}

func init() { check.Register(privilegeEscalation) }

// needsEscalation reports a container that is privileged or adds SYS_ADMIN: it always
// runs with escalation allowed, whatever the field says.
func needsEscalation(c workload.Container) bool {
	if v, set := workload.BoolField(c.Node, "securityContext", "privileged"); set && v {
		return true
	}
	for _, item := range fieldpath.Items(c.Field("securityContext", "capabilities", "add")) {
		if s, _ := fieldpath.Str(item); s == "SYS_ADMIN" || s == "CAP_SYS_ADMIN" {
			return true
		}
	}
	return false
}
