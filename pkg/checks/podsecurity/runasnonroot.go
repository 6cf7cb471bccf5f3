package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// runAsNonRoot implements PSA "runAsNonRoot" (1.35+): the pod or every container must set
// runAsNonRoot: true, and none may set it false; pods with hostUsers: false are exempt.
var runAsNonRoot = &check.Check{
	ID:       "run-as-non-root",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.Medium,
	PSS:      finding.PSSRestricted,
	PSACheck: "runAsNonRoot",
	Doc: check.Doc{
		Title: "Containers may run as root (runAsNonRoot is not true)",
		Why: `Without runAsNonRoot: true the kubelet starts the container as whatever user the image
declares, often root. Root in a container shares uid 0 with the node: any escape (a kernel
bug, a hostPath, a mis-set capability) lands as root. runAsNonRoot makes the kubelet refuse
to start an image that would run as uid 0. Pods in a user namespace (hostUsers: false) are
exempt, as in the Pod Security Standards since Kubernetes 1.35.`,
		Bad: `spec:
  containers:
    - name: app
      image: nginx:1.27`,
		Good: `spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
  containers:
    - name: app
      image: nginxinc/nginx-unprivileged:1.27`,
		Fix: "Set securityContext.runAsNonRoot: true on the pod (and runAsUser to a non-zero uid if the image does not declare a numeric USER). An image built to run as root will then fail to start: rebuild it with a non-root USER.",
	},
	References: []check.Reference{check.CIS("5.2.7"), check.NSA("pod-security/non-root")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.UserNamespaced() {
				return
			}
			podValue, podSet := workload.BoolField(pod.Spec, "securityContext", "runAsNonRoot")
			if podSet && !podValue {
				path := pod.SecurityContextPath("runAsNonRoot")
				p.Report(check.Diagnostic{Object: pod.Object, Path: path,
					Message: "pod sets runAsNonRoot: false",
					Fix:     check.NewFix("set runAsNonRoot: true", false, check.SetTo(path, true))})
			}
			for _, c := range pod.Containers() {
				if v, set := workload.BoolField(c.Node, "securityContext", "runAsNonRoot"); set && !v {
					path := c.SecurityContextPath("runAsNonRoot")
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: c.Label() + " sets runAsNonRoot: false",
						Fix:     check.NewFix("set runAsNonRoot: true", false, check.SetTo(path, true))})
				}
			}
			if podSet {
				return // true covers every container; false is reported above
			}
			reportMissing(p, pod, "runAsNonRoot", func(c workload.Container) bool {
				_, set := workload.BoolField(c.Node, "securityContext", "runAsNonRoot")
				return !set
			}, missingMessages{
				pod:       "runAsNonRoot is not set on the pod or its containers %s: they may run as root",
				container: "%s does not set runAsNonRoot and the pod does not either: it may run as root",
				fix:       "set securityContext.runAsNonRoot: true",
				set: func(field fieldpath.Path) []finding.Change {
					return []finding.Change{check.SetTo(field, true)}
				},
			})
		})
	},
}

func init() { check.Register(runAsNonRoot) }
