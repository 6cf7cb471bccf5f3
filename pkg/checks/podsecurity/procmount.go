package podsecurity

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// procMount implements PSA "procMount" (baseline) and "procMount_restricted": any
// procMount other than Default. Baseline relaxes it for pods with hostUsers: false since
// 1.35; restricted does not, so such a pod gets a finding tagged restricted.
var procMount = &check.Check{
	ID:       "proc-mount",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "procMount",
	Doc: check.Doc{
		Title: "Container unmasks /proc (procMount other than Default)",
		Why: `The default procMount masks sensitive paths under /proc (kcore, sysrq-trigger, keys,
timer_list) and makes others read-only. Unmasked exposes them, which leaks host information
and, outside a user namespace, allows host-level actions. In a user-namespaced pod
(hostUsers: false) the baseline standard allows it; the restricted standard never does.`,
		Bad: `securityContext:
  procMount: Unmasked`,
		Good: `securityContext:
  procMount: Default`,
		Fix: "Remove procMount (Default applies).",
	},
	References: []check.Reference{check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, c := range pod.Containers() {
				v, set := workload.StringField(c.Node, "securityContext", "procMount")
				if !set || v == "Default" {
					continue
				}
				path := c.SecurityContextPath("procMount")
				d := check.Diagnostic{Object: pod.Object, Path: path,
					Message: fmt.Sprintf("%s sets procMount %q; only Default is allowed", c.Label(), v),
					Fix:     check.NewFix("set procMount: Default", false, check.SetTo(path, "Default"))}
				if pod.UserNamespaced() {
					d.PSS = finding.PSSRestricted
					d.Severity = finding.Medium
				}
				p.Report(d)
			}
		})
	},
}

func init() { check.Register(procMount) }
