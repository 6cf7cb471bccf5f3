package exposure

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// service renders a Service with annotations (a YAML mapping, or "") and spec lines.
func service(annotations, spec string) string {
	ann := ""
	if annotations != "" {
		ann = "\n  annotations: " + annotations
	}
	return "apiVersion: v1\nkind: Service\nmetadata:\n  name: s" + ann + "\nspec:\n" + spec
}

func ingress(apiVersion, annotations, spec string) string {
	ann := ""
	if annotations != "" {
		ann = "\n  annotations: " + annotations
	}
	return "apiVersion: " + apiVersion + "\nkind: Ingress\nmetadata:\n  name: i" + ann + "\nspec:\n" + spec
}

func TestPublicLoadBalancer(t *testing.T) {
	lb := "  type: LoadBalancer  # want: service-load-balancer-public\n  ports: [{port: 443}]\n"
	quiet := "  type: LoadBalancer\n  ports: [{port: 443}]\n"
	checktest.RunCases(t, "service-load-balancer-public", []checktest.Case{
		{Name: "plain", Src: service("", lb), Want: []string{"service-load-balancer-public@6:9 spec.type"}},
		{Name: "AWS legacy internal value is a CIDR", Src: service(`{service.beta.kubernetes.io/aws-load-balancer-internal: "0.0.0.0/0"}`, quiet)},
		{Name: "AWS internal false", Src: service(`{service.beta.kubernetes.io/aws-load-balancer-internal: "false"}`, lb)},
		{Name: "AWS scheme internet-facing", Src: service(`{service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing}`, lb)},
		{Name: "GKE old annotation", Src: service(`{cloud.google.com/load-balancer-type: "Internal"}`, quiet)},
		{Name: "GKE annotation in lower case", Src: service(`{networking.gke.io/load-balancer-type: internal}`, quiet)},
		{Name: "Azure false", Src: service(`{service.beta.kubernetes.io/azure-load-balancer-internal: "false"}`, lb)},
		{Name: "OCI", Src: service(`{service.beta.kubernetes.io/oci-load-balancer-internal: "true"}`, quiet)},
		{Name: "IBM private", Src: service(`{service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type: private}`, quiet)},
		{Name: "empty source range list is none", Src: service("", "  type: LoadBalancer  # want: service-load-balancer-public\n  loadBalancerSourceRanges: []\n")},
		{Name: "a ::/0 range among others", Src: service("", "  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8, \"::/0\"]  # want: service-load-balancer-public\n"),
			Want: []string{"service-load-balancer-public@7:42 spec.loadBalancerSourceRanges[1]"}},
		{Name: "narrow ranges", Src: service("", "  type: LoadBalancer\n  loadBalancerSourceRanges: [10.0.0.0/8, 2001:db8::/32]\n")},
		{Name: "ClusterIP", Src: service("", "  ports: [{port: 443}]\n")},
		{Name: "headless", Src: service("", "  clusterIP: None\n  ports: [{port: 443}]\n")},
	})
}

// TestPublicLoadBalancerMessage: an internal-LB annotation set to its public value is named,
// not reported as missing.
func TestPublicLoadBalancerMessage(t *testing.T) {
	lb := "  type: LoadBalancer\n  ports: [{port: 443}]\n"
	for _, tc := range []struct{ ann, want string }{
		{"", "it sets no loadBalancerSourceRanges and no internal load-balancer annotation"},
		{`{service.beta.kubernetes.io/azure-load-balancer-internal: "false"}`,
			`its annotation service.beta.kubernetes.io/azure-load-balancer-internal: "false" asks for a public load balancer`},
		{`{networking.gke.io/load-balancer-type: External}`,
			`its annotation networking.gke.io/load-balancer-type: "External" asks for a public load balancer`},
	} {
		fs := checktest.Run(t, service(tc.ann, lb), "service-load-balancer-public")
		if len(fs) != 1 || !strings.Contains(fs[0].Message, tc.want) {
			t.Errorf("%s: got %v, want one finding saying %q", tc.ann, fs, tc.want)
		}
	}
}

func TestNodePortAndExternalIPs(t *testing.T) {
	checktest.RunCases(t, "service-node-port", []checktest.Case{
		{Name: "two ports", Src: service("", "  type: NodePort  # want: service-node-port \"ports 30001, 30002\"\n  ports: [{port: 1, nodePort: 30001}, {port: 2, nodePort: 30002}]\n")},
		{Name: "LoadBalancer with explicit nodePort", Src: service("", "  type: LoadBalancer\n  ports: [{port: 1, nodePort: 30001}]\n")},
	})
	checktest.RunCases(t, "service-external-ips", []checktest.Case{
		{Name: "flow list", Src: service("", "  externalIPs: [198.51.100.1, 198.51.100.2]  # want: service-external-ips\n"),
			Want: []string{"service-external-ips@6:16 spec.externalIPs"}},
		{Name: "headless without", Src: service("", "  clusterIP: None\n")},
		{Name: "null", Src: service("", "  externalIPs: null\n")},
	})
}

func TestInternalTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		sev  finding.Severity
	}{
		{"api.partner.example.com", 0},
		{"example.com.", 0},
		{"10.0.0.5", 0}, // private, but not necessarily the cluster's
		{"billing", finding.Medium},
		{"billing.payments", 0}, // could be a public name; too ambiguous to report
		{"billing.payments.svc", finding.Medium},
		{"billing.payments.svc.cluster.local.", finding.Medium},
		{"kubernetes.default", finding.High},
		{"kubernetes.default.svc.cluster.local", finding.High},
		{"LOCALHOST", finding.High},
		{"app.localhost", finding.High},
		{"127.0.0.53", finding.High},
		{"169.254.169.254", finding.High},
		{"metadata.google.internal", finding.High},
		{"0.0.0.0", finding.High},
		{"", 0},
	} {
		if _, sev := internalTarget(tc.name); sev != tc.sev {
			t.Errorf("%q: severity %v, want %v", tc.name, sev, tc.sev)
		}
	}
	fs := checktest.Run(t, service("", "  type: ExternalName\n  externalName: 169.254.169.254\n"), "service-external-name-internal")
	if len(fs) != 1 || fs[0].Severity != finding.High {
		t.Errorf("metadata alias: %v", fs)
	}
	// Only ExternalName Services resolve externalName.
	if fs := checktest.Run(t, service("", "  externalName: localhost\n  ports: [{port: 1}]\n"), "service-external-name-internal"); len(fs) != 0 {
		t.Errorf("ClusterIP with a stray externalName: %v", fs)
	}
}

func TestIngressTLS(t *testing.T) {
	rule := func(host string) string {
		return "    - host: " + host + "\n      http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n"
	}
	checktest.RunCases(t, "ingress-without-tls", []checktest.Case{
		{Name: "networking v1beta1", Src: ingress("networking.k8s.io/v1beta1", "", "  rules:  # want: ingress-without-tls\n"+rule("a.example.com"))},
		{Name: "default backend only", Src: ingress("networking.k8s.io/v1", "", "  defaultBackend: {service: {name: s, port: {number: 80}}}  # want: ingress-without-tls \"serves every host\"\n")},
		{Name: "tls entry without hosts covers all", Src: ingress("networking.k8s.io/v1", "", "  tls: [{secretName: x}]\n  rules:\n"+rule("a.example.com")+rule("b.example.org"))},
		{Name: "wildcard covers one label only", Src: ingress("networking.k8s.io/v1", "", "  tls: [{hosts: [\"*.example.com\"], secretName: x}]\n  rules:\n"+rule("a.example.com")+rule("a.b.example.com  # want: ingress-without-tls"))},
		{Name: "hosts compare without case", Src: ingress("networking.k8s.io/v1", "", "  tls: [{hosts: [Shop.Example.com], secretName: x}]\n  rules:\n"+rule("shop.example.COM"))},
		{Name: "rule without host with tls", Src: ingress("networking.k8s.io/v1", "", "  tls: [{hosts: [a.example.com], secretName: x}]\n  rules:\n    - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}\n")},
		{Name: "GKE managed certificate", Src: ingress("networking.k8s.io/v1", "{networking.gke.io/managed-certificates: shop-cert}", "  rules:\n"+rule("a.example.com"))},
		{Name: "ALB listening on HTTPS discovers ACM certificates", Src: ingress("networking.k8s.io/v1", `{alb.ingress.kubernetes.io/listen-ports: '[{"HTTPS": 443}]'}`, "  rules:\n"+rule("a.example.com"))},
		{Name: "ALB listening on HTTP only", Src: ingress("networking.k8s.io/v1", `{alb.ingress.kubernetes.io/listen-ports: '[{"HTTP": 80}]'}`, "  rules:  # want: ingress-without-tls\n"+rule("a.example.com"))},
		{Name: "not an Ingress API", Src: "apiVersion: example.com/v1\nkind: Ingress\nmetadata: {name: x}\nspec:\n  rules:\n" + rule("a.example.com")},
	})
	checktest.RunCases(t, "ingress-wildcard-host", []checktest.Case{
		{Name: "star alone, extensions/v1beta1", Src: ingress("extensions/v1beta1", "", "  rules:\n    - host: \"*\"  # want: ingress-wildcard-host\n")},
		{Name: "star inside a name is no wildcard host rule", Src: ingress("networking.k8s.io/v1", "", "  rules:\n    - host: a.example.com\n")},
	})
}

func TestSnippets(t *testing.T) {
	checktest.RunCases(t, "ingress-nginx-snippet", []checktest.Case{
		{Name: "no annotations", Src: ingress("networking.k8s.io/v1", "", "  rules: []\n")},
		{Name: "stream, auth and modsecurity", Src: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n  annotations:\n" +
			"    nginx.ingress.kubernetes.io/stream-snippet: x  # want: ingress-nginx-snippet\n" +
			"    nginx.ingress.kubernetes.io/auth-snippet: x  # want: ingress-nginx-snippet\n" +
			"    nginx.ingress.kubernetes.io/modsecurity-snippet: x  # want: ingress-nginx-snippet\n" +
			"    nginx.ingress.kubernetes.io/auth-tls-secret: shop/ca\n" +
			"    nginx.org/server-snippets: x\n"},
		{Name: "a snippet on a Service is not read by ingress-nginx", Src: service("{nginx.ingress.kubernetes.io/server-snippet: x}", "  ports: [{port: 1}]\n")},
	})
	fs := checktest.Run(t, "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: i\n  annotations:\n    nginx.ingress.kubernetes.io/server-snippet: x\n", "ingress-nginx-snippet")
	if len(fs) != 1 || fs[0].Path != `metadata.annotations."nginx.ingress.kubernetes.io/server-snippet"` || fs[0].Line != 6 {
		t.Errorf("at the annotation: %+v", fs)
	}
}

func TestSSH(t *testing.T) {
	pod := func(ports string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n    - name: init\n      image: busybox\n  containers:\n    - name: app\n      image: nginx\n      ports:\n" + ports
	}
	checktest.RunCases(t, "ssh-port-exposed", []checktest.Case{
		{Name: "container port", Src: pod("        - {name: ssh, containerPort: 22}  # want: ssh-port-exposed\n"),
			Want: []string{"ssh-port-exposed@12:38 spec.containers[name=app].ports[0].containerPort"}},
		{Name: "host port 22 to another container port", Src: pod("        - {containerPort: 2222, hostPort: 22}\n")},
		{Name: "Service port 22 without targetPort", Src: service("", "  ports:\n    - port: 22  # want: ssh-port-exposed\n")},
		{Name: "Service named targetPort", Src: service("", "  ports:\n    - {port: 22, targetPort: ssh}\n")},
		{Name: "ExternalName", Src: service("", "  type: ExternalName\n  externalName: git.example.com\n  ports: [{port: 22}]\n")},
		// SSH is TCP only: a UDP or SCTP port 22 is another service.
		{Name: "container UDP port 22", Src: pod("        - {containerPort: 22, protocol: UDP}\n")},
		{Name: "container TCP port 22", Src: pod("        - {containerPort: 22, protocol: TCP}  # want: ssh-port-exposed\n")},
		{Name: "Service SCTP port 22", Src: service("", "  ports:\n    - {port: 22, protocol: SCTP}\n")},
		{Name: "Service UDP targetPort 22", Src: service("", "  ports:\n    - {port: 2222, targetPort: 22, protocol: UDP}\n")},
	})
	if got := checktest.Short(checktest.Run(t, service("", "  clusterIP: None\n  ports: [{port: 22}]\n"), "ssh-port-exposed")); len(got) != 0 {
		t.Errorf("headless Service: %q", got)
	}
}

// A headless Service publishes DNS records and proxies nothing: no exposure check fires
// on one, whatever its ports.
func TestHeadlessServiceNeverFires(t *testing.T) {
	src := service("", "  clusterIP: None\n  selector: {app: db}\n  ports:\n    - {name: ssh, port: 22}\n    - {name: peer, port: 2380, targetPort: 22}\n")
	ids := []string{"service-load-balancer-public", "service-node-port", "service-external-ips",
		"service-external-name-internal", "ssh-port-exposed", "ingress-without-tls", "ingress-wildcard-host", "ingress-nginx-snippet"}
	if got := checktest.Short(checktest.Run(t, src, ids...)); len(got) != 0 {
		t.Errorf("headless Service: %q", got)
	}
}
