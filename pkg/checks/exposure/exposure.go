// Package exposure implements the checks of the "exposure" category: what a manifest
// makes reachable from outside the cluster or lets traffic be redirected through —
// Services (public load balancers, node ports, externalIPs, ExternalName aliases of
// internal names), Ingresses (plain HTTP, wildcard hosts, ingress-nginx configuration
// snippets) and SSH ports.
//
// None of these checks has an automatic fix: each finding is a decision about who may
// reach a workload, and every change that would close it (a source range, an internal
// annotation, a TLS secret, removing a port or an address) either invents a value or
// cuts off clients the author meant to serve.
package exposure

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

const category = "exposure"

// The references the family's checks share.
var (
	nsaNetwork = check.NSA("network")
	mitreERS   = check.MITRE("T1133")
	mitrePFA   = check.MITRE("T1190")
)

// isService reports a core v1 Service.
func isService(o *manifest.Object) bool {
	return o.Ref.Kind == "Service" && o.Ref.APIVersion == "v1"
}

// isIngress reports an Ingress of any served or removed version: networking.k8s.io/v1 and
// the v1beta1 shapes of networking.k8s.io and extensions, which name hosts and TLS the
// same way.
func isIngress(o *manifest.Object) bool {
	if o.Ref.Kind != "Ingress" {
		return false
	}
	switch o.Ref.APIVersion {
	case "networking.k8s.io/v1", "networking.k8s.io/v1beta1", "extensions/v1beta1":
		return true
	}
	return false
}

// str reads the scalar at keys below n ("" when absent or not a scalar).
func str(n *yaml.Node, keys ...string) string {
	s, _ := fieldpath.Str(fieldpath.LookupKeys(n, keys...))
	return s
}

// annotations returns the object's annotations as text.
func annotations(o *manifest.Object) map[string]string {
	out := map[string]string{}
	fieldpath.Pairs(o.Field("metadata", "annotations"), func(k string, _, v *yaml.Node) {
		s, _ := fieldpath.Str(v)
		out[k] = strings.TrimSpace(s)
	})
	return out
}

// annotationPath is the path of one annotation, where findings about it go.
func annotationPath(key string) fieldpath.Path {
	return fieldpath.New("metadata", "annotations", key)
}
