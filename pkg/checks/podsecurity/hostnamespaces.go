package podsecurity

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// hostNamespaces implements PSA "hostNamespaces": hostNetwork, hostPID and hostIPC.
var hostNamespaces = &check.Check{
	ID:       "host-namespaces",
	AutoFix:  check.FixUnsafe,
	Category: catHost,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "hostNamespaces",
	Doc: check.Doc{
		Title: "Pod shares the node's network, process or IPC namespace",
		Why: `hostNetwork lets the pod bind node ports and reach services listening on the node's
loopback (kubelet, metadata endpoints) and bypasses NetworkPolicy; hostPID lets it see and
signal every process on the node and read their environments; hostIPC gives access to the
node's shared memory. Each removes an isolation boundary between the pod and the node.`,
		Bad: `spec:
  hostNetwork: true
  hostPID: true`,
		Good: `spec:
  hostNetwork: false
  containers: [...]`,
		Fix: "Remove hostNetwork, hostPID and hostIPC (they default to false). Expose ports through a Service instead of the host network.",
	},
	References: []check.Reference{check.CIS("5.2.3"), check.CIS("5.2.4"), check.CIS("5.2.5"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, field := range []string{"hostNetwork", "hostPID", "hostIPC"} {
				if v, set := workload.BoolField(pod.Spec, field); set && v {
					path := pod.Path.Keys(field)
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: "pod sets " + field + ": true and shares the node's " + namespaceOf[field] + " namespace",
						Fix:     check.NewFix("remove "+field, false, check.Remove(path))})
				}
			}
		})
	},
}

var namespaceOf = map[string]string{"hostNetwork": "network", "hostPID": "process", "hostIPC": "IPC"}

func init() { check.Register(hostNamespaces) }
