package podsecurity

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// hostProbes implements PSA "hostProbesAndHostLifecycle" (1.34+): probes and lifecycle
// handlers may not set httpGet.host or tcpSocket.host.
var hostProbes = &check.Check{
	ID:       "host-probe-or-lifecycle",
	AutoFix:  check.FixUnsafe,
	Category: catHost,
	Severity: finding.Medium,
	PSS:      finding.PSSBaseline,
	PSACheck: "hostProbesAndHostLifecycle",
	Doc: check.Doc{
		Title: "Probe or lifecycle hook connects to another host",
		Why: `The kubelet performs httpGet and tcpSocket probes and hooks from the node. A host field
makes it connect wherever the pod author says: node-local services, cloud metadata endpoints,
other tenants' pods. It is a server-side request forgery primitive.`,
		Bad: `livenessProbe:
  httpGet:
    host: 169.254.169.254
    path: /latest/meta-data
    port: 80`,
		Good: `livenessProbe:
  httpGet:
    path: /healthz
    port: 8080`,
		Fix: "Remove host: the kubelet then probes the pod's own IP.",
	},
	References: []check.Reference{check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, c := range pod.Containers() {
				for _, h := range probeHandlers {
					for _, kind := range []string{"httpGet", "tcpSocket"} {
						handler := fieldpath.LookupKeys(c.Node, h...)
						host, _ := fieldpath.Str(fieldpath.LookupKeys(handler, kind, "host"))
						if host == "" {
							continue
						}
						path := c.Path.Keys(h...).Keys(kind, "host")
						p.Report(check.Diagnostic{Object: pod.Object, Path: path,
							Message: fmt.Sprintf("%s %s connects to host %q", c.Label(), h[len(h)-1], host),
							Fix:     check.NewFix("remove the host field: the kubelet then connects to the pod's IP", false, check.Remove(path))})
					}
				}
			}
		})
	},
}

// probeHandlers are the keys of the container fields that hold a probe or lifecycle handler.
var probeHandlers = [][]string{{"livenessProbe"}, {"readinessProbe"}, {"startupProbe"}, {"lifecycle", "postStart"}, {"lifecycle", "preStop"}}

func init() { check.Register(hostProbes) }
