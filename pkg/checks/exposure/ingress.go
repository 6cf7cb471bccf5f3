package exposure

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// forEachIngress calls fn for every Ingress of the pass.
func forEachIngress(p *check.Pass, fn func(o *manifest.Object)) {
	p.ForEachObject(func(o *manifest.Object) {
		if isIngress(o) {
			fn(o)
		}
	})
}

// lbTLS are annotations with which cloud load balancers terminate TLS for an Ingress
// without spec.tls: the certificate lives in the cloud, not in a Secret.
var lbTLS = []string{
	"alb.ingress.kubernetes.io/certificate-arn",         // AWS Load Balancer Controller
	"ingress.gcp.kubernetes.io/pre-shared-cert",         // GKE
	"networking.gke.io/managed-certificates",            // GKE managed certificates
	"appgw.ingress.kubernetes.io/appgw-ssl-certificate", // Azure Application Gateway
}

// terminatesTLSInCloud reports an Ingress whose load balancer serves HTTPS with a
// certificate held by the cloud.
func terminatesTLSInCloud(ann map[string]string) bool {
	for _, k := range lbTLS {
		if ann[k] != "" {
			return true
		}
	}
	// The AWS controller discovers ACM certificates by host when it listens on HTTPS.
	return strings.Contains(ann["alb.ingress.kubernetes.io/listen-ports"], "HTTPS")
}

// tlsHosts reads spec.tls: the hosts it lists, and whether an entry lists none, which
// the API documents as the controller's wildcard host: every host.
func tlsHosts(o *manifest.Object) (hosts []string, all, listed bool) {
	for _, entry := range fieldpath.Items(o.Field("spec", "tls")) {
		listed = true
		list := fieldpath.Items(fieldpath.MapGet(entry, "hosts"))
		if len(list) == 0 {
			all = true
		}
		for _, h := range list {
			s, _ := fieldpath.Str(h)
			hosts = append(hosts, strings.ToLower(s))
		}
	}
	return hosts, all, listed
}

// covers reports whether a certificate for tlsHost serves host: equal names, or a
// wildcard that stands for exactly one label.
func covers(tlsHost, host string) bool {
	if tlsHost == host {
		return true
	}
	if rest, ok := strings.CutPrefix(tlsHost, "*."); ok {
		label, domain, found := strings.Cut(host, ".")
		return found && label != "" && !strings.HasPrefix(label, "*") && domain == rest
	}
	return false
}

var ingressWithoutTLS = &check.Check{
	ID:       "ingress-without-tls",
	Category: category,
	Severity: finding.Medium,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "Ingress serves a host over plain HTTP",
		Why: `Without TLS, everything the Ingress carries — passwords, session cookies, API tokens — crosses
the network in clear text, readable and changeable by anyone on the path. An Ingress is
reported at spec when it has no spec.tls, and at a rule's host when no spec.tls entry lists
it (a certificate for *.example.com covers one label: a.example.com, not a.b.example.com;
an entry that lists no hosts covers them all). TLS that the cloud's load balancer terminates
counts: AWS alb.ingress.kubernetes.io/certificate-arn or an HTTPS listen-ports, GKE
pre-shared-cert and managed-certificates, Azure appgw-ssl-certificate. All Ingress versions
are read (networking.k8s.io/v1, v1beta1 and extensions/v1beta1). Medium: the traffic may
be harmless, but the check cannot know that.`,
		Bad: `kind: Ingress
spec:
  rules:
    - host: shop.example.com`,
		Good: `kind: Ingress
spec:
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com`,
		Fix: "Add a spec.tls entry that lists the host and names the Secret with its certificate (cert-manager can issue it); no Secret name is safe to invent, so there is no automatic fix.",
	},
	References: []check.Reference{nsaNetwork},
	Run: func(p *check.Pass) {
		forEachIngress(p, func(o *manifest.Object) {
			if terminatesTLSInCloud(annotations(o)) {
				return
			}
			tls, all, listed := tlsHosts(o)
			rules := fieldpath.Items(o.Field("spec", "rules"))
			if !listed {
				var hosts []string
				for _, r := range rules {
					if h := str(r, "host"); h != "" {
						hosts = append(hosts, h)
					}
				}
				served := "every host"
				if len(hosts) > 0 {
					sort.Strings(hosts)
					served = strings.Join(hosts, ", ")
				}
				p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec"),
					Message: fmt.Sprintf("Ingress %q serves %s over plain HTTP: it has no spec.tls", o.Ref.Name, served)})
				return
			}
			if all {
				return
			}
			for i, r := range rules {
				h := strings.ToLower(str(r, "host"))
				if h == "" || coveredBy(tls, h) {
					continue // a rule without a host is served on the TLS entries' default certificate
				}
				p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "rules").Child(fieldpath.Index(i)).Keys("host"),
					Message: fmt.Sprintf("Ingress %q serves host %s over plain HTTP: no spec.tls entry lists it", o.Ref.Name, h)})
			}
		})
	},
}

func coveredBy(tls []string, host string) bool {
	for _, t := range tls {
		if covers(t, host) {
			return true
		}
	}
	return false
}

var ingressWildcardHost = &check.Check{
	ID:       "ingress-wildcard-host",
	Category: category,
	Severity: finding.Low,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "Ingress rule matches any host or any subdomain",
		Why: `A rule for * (or *.example.com) routes every name that resolves to the ingress controller to
the backend: names nobody reviewed, dangling DNS records that now point at the cluster,
and Host headers an attacker picks, which reach virtual-host-based access rules and
password-reset links. It also claims the hosts other teams' Ingresses might need. Low: some
multi-tenant front ends need it, but it should be a decision.`,
		Bad: `rules:
  - host: "*.example.com"`,
		Good: `rules:
  - host: shop.example.com`,
		Fix: "List the hosts the backend serves, one rule each.",
	},
	References: []check.Reference{nsaNetwork, mitrePFA},
	Run: func(p *check.Pass) {
		forEachIngress(p, func(o *manifest.Object) {
			for i, r := range fieldpath.Items(o.Field("spec", "rules")) {
				if h := str(r, "host"); strings.HasPrefix(h, "*") {
					p.Report(check.Diagnostic{Object: o, Path: fieldpath.New("spec", "rules").Child(fieldpath.Index(i)).Keys("host"),
						Message: fmt.Sprintf("Ingress %q routes every host matching %q to its backend", o.Ref.Name, h)})
				}
			}
		})
	},
}

// snippets are the ingress-nginx annotations whose value is copied into nginx.conf.
var snippets = map[string]bool{
	"configuration-snippet": true,
	"server-snippet":        true,
	"auth-snippet":          true,
	"stream-snippet":        true,
	"modsecurity-snippet":   true,
}

const nginxPrefix = "nginx.ingress.kubernetes.io/"

var ingressNginxSnippet = &check.Check{
	ID:       "ingress-nginx-snippet",
	Category: category,
	Severity: finding.High,
	AutoFix:  check.FixNone,
	Doc: check.Doc{
		Title: "Ingress injects raw NGINX configuration through a snippet annotation",
		Why: `ingress-nginx copies the value of its snippet annotations (configuration-snippet,
server-snippet, auth-snippet, stream-snippet, modsecurity-snippet) into nginx.conf. NGINX
configuration can run Lua, read files and proxy anywhere, and the controller's service
account can read every Secret of the cluster: whoever can create an Ingress with a snippet
takes over the controller and those Secrets (CVE-2021-25742). The 2025 "IngressNightmare"
advisories (CVE-2025-1097, CVE-2025-1098, CVE-2025-24514, CVE-2025-1974) showed the same
injection through the admission webhook. Since controller v1.9 snippets are off unless
allow-snippet-annotations is set, so a manifest that uses them needs the controller's most
dangerous setting. High: a snippet works only where every tenant can do this.`,
		Bad: `metadata:
  annotations:
    nginx.ingress.kubernetes.io/configuration-snippet: |
      more_set_headers "X-Frame-Options: DENY";`,
		Good: `metadata:
  annotations:
    # a dedicated annotation, or custom-headers with a ConfigMap the platform owns
    nginx.ingress.kubernetes.io/custom-headers: shop/security-headers`,
		Fix: "Replace the snippet with ingress-nginx's dedicated annotations or the controller's ConfigMap, then run the controller with allow-snippet-annotations: false.",
	},
	References: []check.Reference{mitrePFA},
	Run: func(p *check.Pass) {
		forEachIngress(p, func(o *manifest.Object) {
			var keys []string
			for k := range annotations(o) {
				if name, ok := strings.CutPrefix(k, nginxPrefix); ok && snippets[name] {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range keys {
				p.Report(check.Diagnostic{Object: o, Path: annotationPath(k),
					Message: fmt.Sprintf("Ingress %q sets %s: raw NGINX configuration that runs inside the ingress controller, which can read every Secret of the cluster", o.Ref.Name, k)})
			}
		})
	},
}

func init() { check.Register(ingressWithoutTLS, ingressWildcardHost, ingressNginxSnippet) }
