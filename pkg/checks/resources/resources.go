// Package resources implements the checks of the "resources" category: containers that
// set no memory limit, no memory request or no CPU request, after what the API server
// itself would fill in — requests defaulted from limits, pod-level resources, and the
// defaults of a LimitRange in the same namespace.
package resources

import (
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/resource"

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
	// zero marks a value the container sets to 0: the kubelet, the scheduler and the QoS
	// class read it as none, and no LimitRange default replaces it, for it is set. Such a
	// finding goes to the zero value (zeroPath, zeroAt).
	zero     [numFields]bool
	zeroPath [numFields]fieldpath.Path
	zeroAt   [numFields]manifest.Position
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
			for f, p := range cf.zeroPath {
				if cf.zero[f] {
					cf.zeroAt[f] = o.Locate(p)
				}
			}
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
// to the limit (SetDefaults_Pod), a zero limit to a zero request. Pod-level resources
// (spec.resources) bound every container of the pod, so they count too. A value of 0 is
// none.
func containerGaps(c workload.Container, pod [numFields]bool) (containerFact, bool) {
	res := c.Field("resources")
	// Where each value comes from (resources.<list>.<resource>), to point at a zero one.
	type source struct{ list, resource string }
	memLimitAt := source{"limits", "memory"}
	memLimit := amountAt(res, memLimitAt.list, memLimitAt.resource)
	memRequestAt := source{"requests", "memory"}
	memRequest := amountAt(res, memRequestAt.list, memRequestAt.resource)
	if memRequest == absent {
		memRequest, memRequestAt = memLimit, memLimitAt
	}
	cpuReqAt := source{"requests", "cpu"}
	cpuReq := amountAt(res, cpuReqAt.list, cpuReqAt.resource)
	if cpuReq == absent {
		cpuReqAt = source{"limits", "cpu"}
		cpuReq = amountAt(res, cpuReqAt.list, cpuReqAt.resource)
	}
	amounts := [numFields]amount{memoryLimit: memLimit, memoryRequest: memRequest, cpuRequest: cpuReq}
	at := [numFields]source{memoryLimit: memLimitAt, memoryRequest: memRequestAt, cpuRequest: cpuReqAt}
	cf := containerFact{label: c.Label()}
	lacks := false
	for f, a := range amounts {
		missing := a != positive && !pod[f]
		cf.missing[f] = missing
		if missing && a == zero {
			cf.zero[f] = true
			cf.zeroPath[f] = c.Path.Keys("resources", at[f].list, at[f].resource)
		}
		lacks = lacks || missing
	}
	return cf, lacks
}

// amount is what a resources field holds.
type amount uint8

const (
	absent   amount = iota // not there, or null
	zero                   // a quantity equal to 0: no value to the kubelet and the scheduler
	positive               // an amount (or a value that does not parse, not judged here)
)

// amountAt reads the quantity at keys below n.
func amountAt(n *yaml.Node, keys ...string) amount {
	v := fieldpath.Deref(fieldpath.LookupKeys(n, keys...))
	switch {
	case !present(v):
		return absent
	case isZero(v):
		return zero
	}
	return positive
}

// isZero reports a quantity equal to 0: 0, "0", "0Mi", "0.0", "0e3". Only a value whose
// number starts with 0 or a point is parsed, so the usual amounts cost nothing.
func isZero(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	v := strings.TrimSpace(n.Value)
	digits := strings.TrimLeft(v, "+-")
	if digits == "" || digits[0] != '0' && digits[0] != '.' {
		return false
	}
	q, err := resource.ParseQuantity(v)
	return err == nil && q.IsZero()
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

// has reports a set, non-zero value at keys below n: a zero pod-level value or LimitRange
// default gives containers no more than none.
func has(n *yaml.Node, keys ...string) bool {
	return amountAt(n, keys...) == positive
}

// present reports a node that is there and not null.
func present(n *yaml.Node) bool { return workload.Present(n) }
