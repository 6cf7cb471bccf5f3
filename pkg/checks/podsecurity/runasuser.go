package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// runAsRootUser implements PSA "runAsUser" (1.35+): runAsUser may not be 0 on the pod or
// any container; pods with hostUsers: false are exempt.
var runAsRootUser = &check.Check{
	ID:       "run-as-root-user",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSRestricted,
	PSACheck: "runAsUser",
	Doc: check.Doc{
		Title: "Pod or container runs as uid 0 (runAsUser: 0)",
		Why: `runAsUser: 0 runs the process as root explicitly, overriding a non-root USER in the image
and defeating runAsNonRoot. Root in the container is root on the node after any escape.`,
		Bad: `securityContext:
  runAsUser: 0`,
		Good: `securityContext:
  runAsUser: 10001
  runAsNonRoot: true`,
		Fix: "Set runAsUser to a non-zero uid the image works with, or remove it to use the image's USER.",
	},
	References: []check.Reference{check.CIS("5.2.7"), check.NSA("pod-security/non-root")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.UserNamespaced() {
				return
			}
			scs := pod.SecurityContexts()
			for i, s := range scs {
				if v, ok := fieldpath.Int(fieldpath.MapGet(s.Node, "runAsUser")); ok && v == 0 {
					path := s.Path("runAsUser")
					msg := s.Label + " sets runAsUser: 0 and runs as root"
					if i == 0 && !inheritsRunAsUser(scs[1:]) {
						// Every container sets its own uid: none runs as the pod's, but a
						// container added later (kubectl debug) does, and admission refuses it.
						msg = "pod sets runAsUser: 0; its containers set their own uid, but a container added later (kubectl debug) inherits root, and Pod Security admission refuses the pod"
					}
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: msg,
						Fix:     check.NewFix("remove runAsUser: 0 so the image's non-root USER applies (or set a non-zero uid)", false, check.Remove(path))})
				}
			}
		})
	},
}

// inheritsRunAsUser reports whether one of the containers' security contexts sets no
// runAsUser, so that the container runs as the pod's.
func inheritsRunAsUser(containers []workload.SecurityContext) bool {
	for _, s := range containers {
		if _, ok := fieldpath.Int(fieldpath.MapGet(s.Node, "runAsUser")); !ok {
			return true
		}
	}
	return false
}

func init() { check.Register(runAsRootUser) }
