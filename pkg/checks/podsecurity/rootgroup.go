package podsecurity

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// runAsRootGroup goes beyond the Pod Security Standards, which leave group IDs alone: gid 0
// is the group that owns most of a node's and an image's root-only files.
var runAsRootGroup = &check.Check{
	ID:       "run-as-root-group",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Pod or container runs with the root group (gid 0)",
		Why: `runAsGroup: 0, fsGroup: 0 or a 0 in supplementalGroups gives the container's processes
the root group. Files and devices that are group-writable by root (on the node after an
escape, on a hostPath or a shared volume, and many files inside images) become writable by
the workload, even when it runs as a non-root user. fsGroup: 0 also makes the kubelet
chown every mounted volume to the root group. Not a Pod Security Standards control; the
CIS Kubernetes Benchmark and most policy engines ask for a non-zero group.`,
		Bad: `securityContext:
  runAsUser: 10001
  runAsGroup: 0
  fsGroup: 0`,
		Good: `securityContext:
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001`,
		Fix: "Set runAsGroup and fsGroup to a non-zero gid the image works with (often the same as runAsUser) and remove 0 from supplementalGroups. Pods in a user namespace (hostUsers: false) are exempt: their gid 0 is not the node's.",
	},
	References: []check.Reference{check.CIS("5.7.3"), check.NSA("pod-security/non-root")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			// Group IDs do not apply to Windows containers, and in a user namespace gid 0 is
			// mapped to an unprivileged gid on the node.
			if pod.IsWindows() || pod.UserNamespaced() {
				return
			}
			for _, s := range pod.SecurityContexts() {
				if isZero(fieldpath.MapGet(s.Node, "runAsGroup")) {
					path := s.Path("runAsGroup")
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: s.Label + " sets runAsGroup: 0 and runs with the root group",
						Fix:     check.NewFix("remove runAsGroup: 0 (or set a non-zero gid)", false, check.Remove(path))})
				}
			}
			sc := pod.Field("securityContext")
			if isZero(fieldpath.MapGet(sc, "fsGroup")) {
				path := pod.SecurityContextPath("fsGroup")
				p.Report(check.Diagnostic{Object: pod.Object, Path: path,
					Message: "pod sets fsGroup: 0: its volumes are owned by the root group",
					Fix:     check.NewFix("remove fsGroup: 0 (or set a non-zero gid)", false, check.Remove(path))})
			}
			for i, g := range fieldpath.Items(fieldpath.MapGet(sc, "supplementalGroups")) {
				if isZero(g) {
					path := pod.SecurityContextPath("supplementalGroups").Child(fieldpath.Index(i))
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: fmt.Sprintf("pod adds the root group (0) to supplementalGroups of its containers %s", quoteList(pod.ContainerNames())),
						Fix:     check.NewFix("remove 0 from supplementalGroups", false, check.Remove(path))})
				}
			}
		})
	},
}

// isZero reports an integer field set to 0.
func isZero(n *yaml.Node) bool {
	v, ok := fieldpath.Int(n)
	return ok && v == 0
}

func init() { check.Register(runAsRootGroup) }
