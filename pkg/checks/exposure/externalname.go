package exposure

import (
	"fmt"
	"net"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// internalTarget says why an ExternalName resolves inside the cluster or the node, and how
// severe that is, or "" when it names an outside host.
func internalTarget(name string) (why string, sev finding.Severity) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	if h == "" {
		return "", 0
	}
	if ip := net.ParseIP(h); ip != nil {
		switch {
		case ip.IsLoopback():
			return "a loopback address: the proxy that resolves it connects to itself", finding.High
		case ip.IsLinkLocalUnicast():
			return "a link-local address, where clouds serve instance metadata and credentials", finding.High
		case ip.IsUnspecified():
			return "the unspecified address, which connects to the proxy's own host", finding.High
		}
		return "", 0
	}
	switch {
	case h == "localhost" || strings.HasSuffix(h, ".localhost"):
		return "localhost: the proxy that resolves it connects to itself", finding.High
	case h == "metadata.google.internal":
		return "the cloud's instance metadata server, which serves the node's credentials", finding.High
	case h == "kubernetes" || h == "kubernetes.default" || strings.HasPrefix(h, "kubernetes.default.svc"):
		return "the Kubernetes API server", finding.High
	case !strings.Contains(h, "."):
		return "a bare name, which cluster DNS completes to a Service of the resolving pod's namespace", finding.Medium
	case strings.HasSuffix(h, ".svc") || strings.HasSuffix(h, ".cluster.local"):
		return "a cluster DNS name", finding.Medium
	}
	return "", 0
}

var externalNameInternal = &check.Check{
	ID:       "service-external-name-internal",
	Category: category,
	Severity: finding.Medium,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "ExternalName Service points into the cluster or at the node",
		Why: `An ExternalName Service is a DNS alias. Ingress controllers, gateways and service meshes
follow it and connect on their own behalf, so whoever can create the Service chooses where
a privileged proxy connects: a Service of another namespace that NetworkPolicies keep from
the author (name.other.svc.cluster.local, a bare name), the Kubernetes API server, the
proxy's own admin port (localhost, 127.0.0.1), or the cloud metadata endpoint
(169.254.169.254, metadata.google.internal) that hands out the node's credentials — the
cross-namespace and interception issues of CVE-2020-8554 and CVE-2021-25740. High for
loopback, link-local, metadata and API-server targets; medium for other cluster names,
which have legitimate uses (a migration alias) but cross the namespace boundary.`,
		Bad: `kind: Service
spec:
  type: ExternalName
  externalName: billing.payments.svc.cluster.local`,
		Good: `kind: Service
spec:
  type: ExternalName
  externalName: api.partner.example.com`,
		Fix: "Reach in-cluster services through their own Service (and a NetworkPolicy that allows it) instead of an alias; never alias loopback, link-local or metadata addresses.",
	},
	References: []check.Reference{nsaNetwork},
	Run: func(p *check.Pass) {
		forEachService(p, func(o *manifest.Object) {
			if serviceType(o) != "ExternalName" {
				return
			}
			target := str(o.Root, "spec", "externalName")
			why, sev := internalTarget(target)
			if why == "" {
				return
			}
			p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "externalName"), Severity: sev,
				Message: fmt.Sprintf("ExternalName Service %q points at %q, %s; proxies that follow it connect there on their own behalf", o.Ref.Name, target, why)})
		})
	},
}

func init() { check.Register(externalNameInternal) }
