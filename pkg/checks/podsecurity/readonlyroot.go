package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// readOnlyRoot is not a Pod Security Standards control; CIS and NSA hardening guides ask
// for it.
var readOnlyRoot = &check.Check{
	ID:       "read-only-root-filesystem",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Container's root filesystem is writable",
		Why: `A writable root filesystem lets an attacker who gets code execution drop tools, modify the
application's code or configuration, and persist until the pod restarts. With
readOnlyRootFilesystem: true, writable paths are explicit emptyDir mounts. Not a Pod Security
Standards control; recommended by the CIS Kubernetes Benchmark and NSA/CISA hardening guide.`,
		Bad: `securityContext:
  allowPrivilegeEscalation: false`,
		Good: `securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
# plus an emptyDir mounted where the application writes (/tmp, caches)`,
		Fix: "Set readOnlyRootFilesystem: true and mount an emptyDir at each directory the application writes to. Test it: an application that writes outside those mounts will fail.",
	},
	References: []check.Reference{check.CIS("5.7.3"), check.NSA("pod-security/immutable-filesystem")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.IsWindows() {
				return
			}
			for _, c := range pod.Containers() {
				if v, set := workload.BoolField(c.Node, "securityContext", "readOnlyRootFilesystem"); set && v {
					continue
				}
				path := c.SecurityContextPath("readOnlyRootFilesystem")
				p.Report(check.Diagnostic{Object: pod.Object, Path: path,
					Message: c.Label() + " has a writable root filesystem",
					Fix:     check.NewFix("set readOnlyRootFilesystem: true", false, check.SetTo(path, true))})
			}
		})
	},
}

func init() { check.Register(readOnlyRoot) }
