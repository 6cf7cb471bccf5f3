package image

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// frozenRegistries are registries that still serve their images but no longer receive
// new ones, with the registry that replaced them.
var frozenRegistries = map[string]string{
	// The Kubernetes project froze k8s.gcr.io on 3 April 2023 and redirects it to
	// registry.k8s.io, which holds every image k8s.gcr.io had and every release since
	// (https://kubernetes.io/blog/2023/02/06/k8s-gcr-io-freeze-announcement/).
	"k8s.gcr.io": "registry.k8s.io",
}

var frozenRegistry = &check.Check{
	ID:       "image-frozen-registry",
	AutoFix:  check.FixUnsafe,
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Container image comes from the frozen k8s.gcr.io registry",
		Why: `The Kubernetes project froze k8s.gcr.io in April 2023: no image has been pushed to it since,
so no patched version of what it serves (ingress-nginx, metrics-server, pause, the CSI
sidecars, kube-state-metrics, ...) will appear there, and its redirect to registry.k8s.io
may end. A manifest that pulls from it is stuck on releases with known vulnerabilities, and
upgrading means editing the image anyway. registry.k8s.io holds every image k8s.gcr.io had,
under the same names and digests, and every release since. Medium: the image it pins keeps
working today; what is lost is the way to its fixes.`,
		Bad: `containers:
  - name: metrics-server
    image: k8s.gcr.io/metrics-server/metrics-server:v0.6.1`,
		Good: `containers:
  - name: metrics-server
    image: registry.k8s.io/metrics-server/metrics-server:v0.6.1`,
		Fix: `Replace the registry host k8s.gcr.io with registry.k8s.io, keeping the path, tag and digest (the
images are the same), then move to a current release. The automatic fix rewrites the host
and is unsafe, as it changes a value the manifest sets: clusters that allow-list registries
or mirror k8s.gcr.io (an air-gapped mirror, an admission policy, a proxy's allow-list) must
allow registry.k8s.io first.`,
	},
	References: []check.Reference{
		{Framework: check.FrameworkNSA, ID: "upgrading", Title: "Upgrading and application security practices"},
		{Framework: check.FrameworkNSA, ID: "pod-security/secure-images", Title: "Building secure container images"},
	},
	Run: func(p *check.Pass) {
		wellFormed(p, func(u use) {
			successor, ok := frozenRegistries[u.ref.Domain]
			if !ok {
				return
			}
			// The host as written (case and all) is what the fix replaces.
			host, rest, _ := strings.Cut(u.raw, "/")
			moved := successor + "/" + rest
			p.Report(check.Diagnostic{Object: u.obj, Path: u.imagePath(),
				Message: fmt.Sprintf("%s image %q comes from %s, frozen since April 2023: it gets no new releases or fixes; use %s",
					u.container.Label(), u.raw, host, moved),
				Fix: check.NewFix(fmt.Sprintf("pull %s from %s (same image, maintained registry)", rest, successor), false,
					check.SetTo(u.imagePath(), moved))})
		})
	},
}

func init() { check.Register(frozenRegistry) }
