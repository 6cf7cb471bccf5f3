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

// sourceRangesAnnotation is the older spelling of spec.loadBalancerSourceRanges, which
// the cloud providers still read when the field is empty.
const sourceRangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges"

// internalLB are the annotations with which the cloud providers' load-balancer
// controllers make a Service's load balancer private to the network, each with whether a
// value means internal. DigitalOcean has no such annotation; MetalLB's address pools
// decide on their own.
var internalLB = []struct {
	key      string
	internal func(v string) bool
}{
	// AWS: the in-tree provider treats any value but "false" as internal (its docs once
	// used "0.0.0.0/0"); the AWS Load Balancer Controller reads a boolean or the scheme.
	{"service.beta.kubernetes.io/aws-load-balancer-internal", func(v string) bool { return v != "" && !strings.EqualFold(v, "false") }},
	{"service.beta.kubernetes.io/aws-load-balancer-scheme", equalFold("internal")},
	{"networking.gke.io/load-balancer-type", equalFold("Internal")},
	{"cloud.google.com/load-balancer-type", equalFold("Internal")},
	{"service.beta.kubernetes.io/azure-load-balancer-internal", equalFold("true")},
	{"service.beta.kubernetes.io/oci-load-balancer-internal", equalFold("true")},
	{"oci-network-load-balancer.oraclecloud.com/internal", equalFold("true")},
	{"service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", equalFold("private")},
	{"service.beta.kubernetes.io/openstack-internal-load-balancer", equalFold("true")},
	{"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type", equalFold("intranet")},
}

func equalFold(want string) func(string) bool {
	return func(v string) bool { return strings.EqualFold(v, want) }
}

// serviceType is spec.type as the API server defaults it.
func serviceType(o *manifest.Object) string {
	if t := str(o.Root, "spec", "type"); t != "" {
		return t
	}
	return "ClusterIP"
}

// forEachService calls fn for every Service of the pass.
func forEachService(p *check.Pass, fn func(o *manifest.Object)) {
	p.ForEachObject(func(o *manifest.Object) {
		if isService(o) {
			fn(o)
		}
	})
}

// allowsAll reports a CIDR that admits every address (0.0.0.0/0, ::/0).
func allowsAll(cidr string) bool {
	_, n, err := net.ParseCIDR(strings.TrimSpace(cidr))
	if err != nil {
		return false
	}
	ones, _ := n.Mask.Size()
	return ones == 0
}

var publicLoadBalancer = &check.Check{
	ID:       "service-load-balancer-public",
	Category: category,
	Severity: finding.Medium,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "LoadBalancer Service accepts traffic from any address",
		Why: `A Service of type LoadBalancer asks the cloud for a load balancer, by default with a public
address that the whole internet can reach. Unless that is the point, restrict it: list the
client networks in spec.loadBalancerSourceRanges (or the older
service.beta.kubernetes.io/load-balancer-source-ranges annotation), or make the load
balancer internal with the cloud's annotation — AWS aws-load-balancer-internal or
aws-load-balancer-scheme: internal, GKE networking.gke.io/load-balancer-type: Internal (or
cloud.google.com/load-balancer-type), Azure azure-load-balancer-internal: "true", OCI,
IBM Cloud (ip-type: private), OpenStack and Alibaba Cloud (address-type: intranet). A range
of 0.0.0.0/0 or ::/0 is no restriction and is reported at that entry. The public load
balancer of an ingress controller is still reported: it is the cluster's front door, and
the finding is where to record that it is meant to be (a suppression with a reason).
Medium: a public endpoint is often intended, but every one is attack surface.`,
		Bad: `kind: Service
spec:
  type: LoadBalancer
  ports: [{port: 443}]`,
		Good: `kind: Service
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [203.0.113.0/24]
  ports: [{port: 443}]`,
		Fix: `Add spec.loadBalancerSourceRanges with the client networks, or the cloud's internal load-balancer annotation; if the service is meant to be public, suppress the finding with the reason.`,
	},
	References: []check.Reference{nsaNetwork, mitreERS, mitrePFA},
	Run: func(p *check.Pass) {
		forEachService(p, func(o *manifest.Object) {
			if serviceType(o) != "LoadBalancer" {
				return
			}
			ann := annotations(o)
			for _, lb := range internalLB {
				if lb.internal(ann[lb.key]) {
					return
				}
			}
			ranges := fieldpath.Items(o.Field("spec", "loadBalancerSourceRanges"))
			for i, r := range ranges {
				if s, _ := fieldpath.Str(r); allowsAll(s) {
					p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "loadBalancerSourceRanges").Child(fieldpath.Index(i)),
						Message: fmt.Sprintf("Service %q of type LoadBalancer admits %s, every address: list the client networks instead", o.Ref.Name, s)})
				}
			}
			if len(ranges) > 0 {
				return
			}
			if v, ok := ann[sourceRangesAnnotation]; ok && v != "" {
				for _, r := range strings.Split(v, ",") {
					if allowsAll(r) {
						p.Report(check.Diagnostic{Object: o, Path: annotationPath(sourceRangesAnnotation),
							Message: fmt.Sprintf("Service %q of type LoadBalancer admits %s, every address: list the client networks instead", o.Ref.Name, strings.TrimSpace(r))})
						break
					}
				}
				return
			}
			why := "it sets no loadBalancerSourceRanges and no internal load-balancer annotation"
			for _, lb := range internalLB {
				if v := ann[lb.key]; v != "" {
					// The annotation is there and asks for a public one ("false", External).
					why = fmt.Sprintf("it sets no loadBalancerSourceRanges, and its annotation %s: %q asks for a public load balancer", lb.key, v)
					break
				}
			}
			p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "type"),
				Message: fmt.Sprintf("Service %q of type LoadBalancer is reachable from any address: %s", o.Ref.Name, why)})
		})
	},
}

var nodePort = &check.Check{
	ID:       "service-node-port",
	Category: category,
	Severity: finding.Low,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "Service of type NodePort opens a port on every node",
		Why: `A NodePort Service listens on a port of every node's address, so whoever can reach any
node reaches the service — around the ingress controller, its TLS and authentication, and
with the client's address hidden behind the node's when externalTrafficPolicy is Cluster,
which defeats NetworkPolicy ipBlock rules. Low: nodes usually sit in private networks, so
the exposure depends on the network around the cluster. The node ports a LoadBalancer
Service allocates (explicit nodePort values included) are not reported: they are how the
load balancer reaches the nodes, and service-load-balancer-public judges the load balancer.`,
		Bad: `kind: Service
spec:
  type: NodePort
  ports: [{port: 80, nodePort: 30080}]`,
		Good: `kind: Service
spec:
  type: ClusterIP   # reached through an Ingress or a load balancer
  ports: [{port: 80}]`,
		Fix: "Use a ClusterIP Service behind an Ingress (or a restricted LoadBalancer); if node ports are how the cluster is reached, keep the nodes' firewall closed to all but the clients and suppress the finding with the reason.",
	},
	References: []check.Reference{nsaNetwork, mitreERS},
	Run: func(p *check.Pass) {
		forEachService(p, func(o *manifest.Object) {
			if serviceType(o) != "NodePort" {
				return
			}
			var ports []string
			for _, port := range fieldpath.Items(o.Field("spec", "ports")) {
				if n, ok := fieldpath.Int(fieldpath.MapGet(port, "nodePort")); ok && n != 0 {
					ports = append(ports, fmt.Sprint(n))
				}
			}
			which := "a port the API server allocates"
			switch len(ports) {
			case 0:
			case 1:
				which = "port " + ports[0]
			default:
				which = "ports " + strings.Join(ports, ", ")
			}
			p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "type"),
				Message: fmt.Sprintf("Service %q of type NodePort opens %s on every node", o.Ref.Name, which)})
		})
	},
}

var externalIPs = &check.Check{
	ID:       "service-external-ips",
	Category: category,
	Severity: finding.High,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "Service sets externalIPs, which capture cluster traffic to those addresses",
		Why: `kube-proxy routes traffic for a Service's externalIPs to the Service's pods on every node,
for any address the Service names and whoever owns it: pods that connect to that address
anywhere — a DNS resolver, a partner's API — reach this Service instead (CVE-2020-8554, a
design flaw with no patch). A cluster that accepts externalIPs lets everyone who can create
Services intercept traffic that way, so Kubernetes recommends rejecting them at admission
(the DenyServiceExternalIPs plugin, or a policy). High: the field redirects traffic
cluster-wide, whatever the author intended.`,
		Bad: `kind: Service
spec:
  externalIPs: [198.51.100.10]`,
		Good: `kind: Service
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [203.0.113.0/24]`,
		Fix: "Expose the Service through a LoadBalancer (or an Ingress) instead, and reject externalIPs cluster-wide at admission; removing the field cuts off the clients that use those addresses, so it is not done automatically.",
	},
	References: []check.Reference{nsaNetwork},
	Run: func(p *check.Pass) {
		forEachService(p, func(o *manifest.Object) {
			ips := fieldpath.Items(o.Field("spec", "externalIPs"))
			if len(ips) == 0 {
				return
			}
			var list []string
			for _, ip := range ips {
				s, _ := fieldpath.Str(ip)
				list = append(list, s)
			}
			p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "externalIPs"),
				Message: fmt.Sprintf("Service %q sets externalIPs %s: every node sends traffic for those addresses to it, whoever owns them (CVE-2020-8554)", o.Ref.Name, strings.Join(list, ", "))})
		})
	},
}

func init() { check.Register(publicLoadBalancer, nodePort, externalIPs) }
