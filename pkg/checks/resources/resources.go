// Package resources implements the checks of the "resources" category: containers that
// set no memory limit, no memory request or no CPU request, after what the API server
// itself would fill in — requests defaulted from limits, pod-level resources, and the
// defaults of a LimitRange in the same namespace.
package resources

import (
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const category = "resources"

// field is one of the values the checks require.
type field int

const (
	memoryLimit field = iota
	memoryRequest
	cpuRequest
	numFields
)

// facts are what the three checks keep of each object: a *limitRange, or a *podFact for
// an object whose containers lack a value. They are shared, so computed once per object.
var facts = &check.Facts{Name: "resources", Of: objectFact}

// limitRange is a LimitRange: which values it gives containers that set none.
type limitRange struct {
	namespace check.Namespace
	defaults  [numFields]bool
}

// podFact is a pod-bearing object and its containers that lack a value.
type podFact struct {
	namespace  check.Namespace
	containers []containerFact
}

// containerFact is one container (or init container) that lacks at least one value.
type containerFact struct {
	label   string // `container "app"`, for messages
	missing [numFields]bool
	// Where a finding about the container goes: the deepest of the container,
	// its resources and resources.limits (for the limit) or resources.requests that
	// exists, so the author edits right there.
	limitsPath, requestsPath fieldpath.Path
	limitsAt, requestsAt     manifest.Position
}

func objectFact(o *manifest.Object, s *check.Settings) any {
	if o.Ref.Kind == "LimitRange" && o.Ref.APIVersion == "v1" {
		return &limitRange{namespace: s.ScopeOf(o), defaults: limitRangeDefaults(o)}
	}
	var pf *podFact
	for _, pod := range workload.Pods(o) {
		podHas := pod.Field("resources")
		podLimit := has(podHas, "limits", "memory")
		podRequest := [numFields]bool{
			memoryLimit:   podLimit,
			memoryRequest: podLimit || has(podHas, "requests", "memory"),
			cpuRequest:    has(podHas, "limits", "cpu") || has(podHas, "requests", "cpu"),
		}
		for _, c := range pod.Containers() {
			if c.List == "ephemeralContainers" {
				continue // the API forbids resources on them
			}
			cf, lacks := containerGaps(c, podRequest)
			if !lacks {
				continue
			}
			cf.limitsPath = nearest(c, "limits")
			cf.requestsPath = nearest(c, "requests")
			cf.limitsAt, cf.requestsAt = o.Locate(cf.limitsPath), o.Locate(cf.requestsPath)
			if pf == nil {
				pf = &podFact{namespace: s.ScopeOf(o)}
			}
			pf.containers = append(pf.containers, cf)
		}
	}
	if pf == nil {
		return nil // keeps nothing of the many objects that set everything
	}
	return pf
}

// containerGaps reads which values c leaves to defaults. A request is set when the
// container requests the resource or limits it: the API server defaults a missing request
// to the limit (SetDefaults_Pod). Pod-level resources (spec.resources) bound every
// container of the pod, so they count too.
func containerGaps(c workload.Container, pod [numFields]bool) (containerFact, bool) {
	res := c.Field("resources")
	memLimit := has(res, "limits", "memory")
	set := [numFields]bool{
		memoryLimit:   memLimit || pod[memoryLimit],
		memoryRequest: memLimit || has(res, "requests", "memory") || pod[memoryRequest],
		cpuRequest:    has(res, "limits", "cpu") || has(res, "requests", "cpu") || pod[cpuRequest],
	}
	cf := containerFact{label: c.Label()}
	lacks := false
	for f, ok := range set {
		cf.missing[f] = !ok
		lacks = lacks || !ok
	}
	return cf, lacks
}

// nearest is the path of the deepest existing node of the container, its resources and
// resources.<sub>.
func nearest(c workload.Container, sub string) fieldpath.Path {
	res := c.Field("resources")
	if !present(res) {
		return c.Path
	}
	if !present(fieldpath.MapGet(res, sub)) {
		return c.Path.Keys("resources")
	}
	return c.Path.Keys("resources", sub)
}

// limitRangeDefaults reads what a LimitRange's Container items give containers that set
// nothing, after the API server's defaulting of the LimitRange itself
// (SetDefaults_LimitRangeItem): a missing default limit is the max, and a missing default
// request is the default limit, else the min. The LimitRanger admission plugin then sets
// a container's missing limit to the default and its missing request to the default
// request.
func limitRangeDefaults(o *manifest.Object) [numFields]bool {
	var out [numFields]bool
	for _, item := range fieldpath.Items(o.Field("spec", "limits")) {
		if t, _ := fieldpath.Str(fieldpath.MapGet(item, "type")); t != "Container" {
			continue
		}
		limit := func(r string) bool { return has(item, "default", r) || has(item, "max", r) }
		request := func(r string) bool { return has(item, "defaultRequest", r) || limit(r) || has(item, "min", r) }
		out[memoryLimit] = out[memoryLimit] || limit("memory")
		out[memoryRequest] = out[memoryRequest] || request("memory")
		out[cpuRequest] = out[cpuRequest] || request("cpu")
	}
	return out
}

// has reports a set, non-null value at keys below n.
func has(n *yaml.Node, keys ...string) bool {
	return workload.Present(fieldpath.LookupKeys(n, keys...))
}

// present reports a node that is there and not null.
func present(n *yaml.Node) bool { return workload.Present(n) }
