package exposure

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const sshPort = 22

// isPort22 reads a port field: the number 22 (a named targetPort is not judged).
func isPort22(n *yaml.Node) bool {
	v, ok := fieldpath.Int(n)
	return ok && v == sshPort
}

// speaksTCP reports a port entry that carries TCP: protocol TCP or unset (its default).
// SSH runs over TCP only; a UDP or SCTP port 22 is some other service.
func speaksTCP(port *yaml.Node) bool {
	proto, ok := fieldpath.Str(fieldpath.MapGet(port, "protocol"))
	return !ok || (proto != "UDP" && proto != "SCTP")
}

// isHeadless reports a Service without a virtual IP: it only publishes DNS records of its
// pods, and proxies nothing.
func isHeadless(o *manifest.Object) bool {
	return str(o.Root, "spec", "clusterIP") == "None"
}

var sshExposed = &check.Check{
	ID:       "ssh-port-exposed",
	Category: category,
	Severity: finding.Medium,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "Container or Service exposes the SSH port (22)",
		Why: `An SSH server in a container is a second way in beside the orchestrator: its keys or
passwords live in the image or a volume, it bypasses the API server's authentication,
authorization and audit log (kubectl exec gives the same access, audited), and it is the
first port every scanner tries. Reported at a container port 22, and at a Service port
that forwards to 22 (targetPort 22, or port 22 without a targetPort) — at the targetPort
when it is set, else at the port. Headless Services proxy nothing and are not reported, nor
are UDP or SCTP ports: SSH speaks TCP only.
Medium: git-over-SSH servers mean it, most other images should not listen there.`,
		Bad: `containers:
  - name: app
    ports:
      - containerPort: 22`,
		Good: `containers:
  - name: app
    ports:
      - containerPort: 8080   # shell access through kubectl exec instead`,
		Fix: "Remove the SSH server from the image and use kubectl exec (or kubectl debug) for shell access; a git server that must speak SSH should be suppressed with the reason.",
	},
	References: []check.Reference{nsaNetwork, mitreERS},
	Run: func(p *check.Pass) {
		p.ForEachObject(func(o *manifest.Object) {
			if isService(o) {
				reportServiceSSH(p, o)
				return
			}
			for _, pod := range workload.Pods(o) {
				for _, c := range pod.Containers() {
					for i, port := range fieldpath.Items(c.Field("ports")) {
						if isPort22(fieldpath.MapGet(port, "containerPort")) && speaksTCP(port) {
							p.Report(check.Diagnostic{Object: o, Path: c.Path.Keys("ports").Child(fieldpath.Index(i)).Keys("containerPort"),
								Message: fmt.Sprintf("%s listens on port 22 (SSH)", c.Label())})
						}
					}
				}
			}
		})
	},
}

func reportServiceSSH(p *check.Pass, o *manifest.Object) {
	if isHeadless(o) || serviceType(o) == "ExternalName" {
		return
	}
	for i, port := range fieldpath.Items(o.Field("spec", "ports")) {
		if !speaksTCP(port) {
			continue
		}
		item := fieldpath.New("spec", "ports").Child(fieldpath.Index(i))
		target := fieldpath.MapGet(port, "targetPort")
		var at fieldpath.Path
		switch {
		case workload.Present(target):
			if isPort22(target) {
				at = item.Keys("targetPort")
			}
		case isPort22(fieldpath.MapGet(port, "port")):
			at = item.Keys("port")
		}
		if at != nil {
			p.Report(check.Diagnostic{Object: o, Path: at,
				Message: fmt.Sprintf("Service %q forwards to port 22 (SSH) of its pods", o.Ref.Name)})
		}
	}
}

func init() { check.Register(sshExposed) }
