package podsecurity

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// hostPort implements PSA "hostPorts": any non-zero containers[].ports[].hostPort.
var hostPort = &check.Check{
	ID:       "host-port",
	AutoFix:  check.FixUnsafe,
	Category: catHost,
	Severity: finding.Medium,
	PSS:      finding.PSSBaseline,
	PSACheck: "hostPorts",
	Doc: check.Doc{
		Title: "Container binds a port on the node (hostPort)",
		Why: `A hostPort opens the port on the node's own address, bypassing Services and NetworkPolicies
that only see pod traffic, and limits scheduling to one such pod per node.`,
		Bad: `ports:
  - containerPort: 8080
    hostPort: 8080`,
		Good: `ports:
  - containerPort: 8080`,
		Fix: "Remove hostPort and expose the port through a Service (NodePort or LoadBalancer if it must be reachable from outside).",
	},
	References: []check.Reference{check.CIS("5.2.13"), check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, c := range pod.Containers() {
				for i, port := range fieldpath.Items(c.Field("ports")) {
					hp := fieldpath.MapGet(port, "hostPort")
					v, ok := fieldpath.Int(hp)
					if !workload.Present(hp) || ok && v == 0 {
						continue
					}
					path := c.Path.Keys("ports").Child(fieldpath.Index(i)).Keys("hostPort")
					// Unsafe: the user wrote the port; clients that reach the pod through the
					// node's address (a DaemonSet ingress on 80/443) stop working.
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: fmt.Sprintf("%s binds host port %s on the node", c.Label(), hp.Value),
						Fix:     check.NewFix("remove hostPort and expose the port through a Service", false, check.Remove(path))})
				}
			}
		})
	},
}

func init() { check.Register(hostPort) }
