package resources

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// coverage explains, in every check's doc, what counts as setting the value.
const coverage = `
What counts as set is what the API server would run the container with: the container's
own value; for a request, also the container's limit of the same resource (the API server
defaults a missing request to the limit); pod-level resources (spec.resources), which bound
every container of the pod; and a LimitRange of type Container in the same namespace in the
input whose default (or, for requests, defaultRequest, min, or a max the default is taken
from) the LimitRanger admission plugin fills in. A value of 0 is none: the kubelet runs a
zero memory limit as no limit, and the scheduler and the QoS class ignore zero values; a
LimitRange does not replace it, for it is set. Init containers are checked too; ephemeral
containers cannot set resources. Namespaces are related as the network-policy checks relate
them (see namespace-without-network-policy): objects that name their namespace meet across
the run, objects that name none meet within their deploy unit.
There is no automatic fix: no value is safe to invent for an application; measure it
(kubectl top, a VerticalPodAutoscaler in recommendation mode) and write it.`

// noCPULimit says why no check asks for CPU limits.
const noCPULimit = `
CPU limits are deliberately not required: a CPU limit makes the kernel's CFS quota throttle
the container even when the node has idle CPU, which adds latency without protecting
anyone — CPU requests already give every container its share under contention. Memory is
different: it cannot be throttled, only reclaimed by killing.`

func missingCheck(id string, f field, sev finding.Severity, doc check.Doc, refs []check.Reference) *check.Check {
	return &check.Check{
		ID:         id,
		Category:   category,
		Severity:   sev,
		AutoFix:    check.FixNone,
		Doc:        doc,
		Facts:      facts,
		References: refs,
		Run:        func(p *check.Pass) { run(p, f) },
	}
}

// what names each value for messages.
var what = [numFields]string{
	memoryLimit:   "no memory limit (resources.limits.memory)",
	memoryRequest: "no memory request (resources.requests.memory, or a memory limit it defaults to)",
	cpuRequest:    "no CPU request (resources.requests.cpu, or a CPU limit it defaults to)",
}

// run reports the containers that lack f in a namespace whose LimitRanges give no default
// for it. The LimitRanges are gathered first, so the pass is linear in the facts.
func run(p *check.Pass, f field) {
	meet := check.Meetings{}
	for _, fact := range p.Facts {
		meet.Note(fact.Object)
	}
	defaulted := map[check.Namespace]bool{}
	for _, fact := range p.Facts {
		if lr, ok := fact.Value.(*limitRange); ok && lr.defaults[f] {
			defaulted[meet.Resolve(lr.namespace)] = true
		}
	}
	for _, fact := range p.Facts {
		pf, ok := fact.Value.(*podFact)
		if !ok {
			continue
		}
		defaults := defaulted[meet.Resolve(pf.namespace)]
		for i := range pf.containers {
			c := &pf.containers[i]
			if !c.missing[f] || defaults && !c.zero[f] {
				continue
			}
			path, at := c.requestsPath, c.requestsAt
			if f == memoryLimit {
				path, at = c.limitsPath, c.limitsAt
			}
			// The namespace is not named: a base that several overlays put in different
			// namespaces is one finding, and the report lists the objects it reaches.
			msg := fmt.Sprintf("%s sets %s, and no LimitRange of its namespace gives it a default", c.label, what[f])
			if c.zero[f] {
				path, at = c.zeroPath[f], c.zeroAt[f]
				msg = fmt.Sprintf("%s sets %s, which is none; a LimitRange default does not replace a value that is set", c.label, zeroWhat[f])
			}
			p.Report(check.Diagnostic{Object: fact.Object, Path: path, At: &at, Message: msg})
		}
	}
}

// zeroWhat names each value set to 0, for messages.
var zeroWhat = [numFields]string{
	memoryLimit:   "a memory limit of 0",
	memoryRequest: "a memory request of 0 (or a zero memory limit it defaults to)",
	cpuRequest:    "a CPU request of 0 (or a zero CPU limit it defaults to)",
}

var resourcePolicies = check.NSA("network/resource-policies")

var memoryLimitMissing = missingCheck("memory-limit-missing", memoryLimit, finding.Medium, check.Doc{
	Title: "Container sets no memory limit",
	Why: `A container without a memory limit may use all of its node's memory. When the node runs
short, the kernel and the kubelet kill processes — often of other, well-behaved pods: one
leaking or attacked container takes its neighbours down, and a memory-exhaustion attack on
one service becomes an outage of the node. Medium: the harm reaches beyond the workload
itself, but needs the workload to misbehave first.` + noCPULimit + coverage,
	Bad: `containers:
  - name: app
    image: example/app:1.0
    resources:
      requests: {cpu: 100m, memory: 128Mi}`,
	Good: `containers:
  - name: app
    image: example/app:1.0
    resources:
      requests: {cpu: 100m, memory: 128Mi}
      limits: {memory: 256Mi}`,
	Fix: "Set resources.limits.memory to what the container needs at its peak (or give the namespace a LimitRange with a default memory limit).",
}, []check.Reference{resourcePolicies, check.MITRE("T1499")})

var memoryRequestMissing = missingCheck("memory-request-missing", memoryRequest, finding.Low, check.Doc{
	Title: "Container sets no memory request",
	Why: `The scheduler places pods by their requests. A container that requests no memory is placed
as if it needed none, so nodes are overcommitted, and under memory pressure the kubelet
evicts the pods that use most beyond their requests first — this one. Low: the cost falls
mostly on the workload itself and on capacity planning, not on its neighbours' security.` + coverage,
	Bad: `containers:
  - name: app
    image: example/app:1.0`,
	Good: `containers:
  - name: app
    image: example/app:1.0
    resources:
      requests: {memory: 128Mi}`,
	Fix: "Set resources.requests.memory to the container's usual working set (or a memory limit, which the request then defaults to).",
}, []check.Reference{resourcePolicies})

var cpuRequestMissing = missingCheck("cpu-request-missing", cpuRequest, finding.Low, check.Doc{
	Title: "Container sets no CPU request",
	Why: `CPU is shared by requests: under contention each container gets CPU time in proportion to
what it requested, and a container that requests none gets the minimum share, so a busy
neighbour starves it; the scheduler also places it as if it needed no CPU. Low: it degrades
the workload rather than endangering others.` + noCPULimit + coverage,
	Bad: `containers:
  - name: app
    image: example/app:1.0`,
	Good: `containers:
  - name: app
    image: example/app:1.0
    resources:
      requests: {cpu: 100m}`,
	Fix: "Set resources.requests.cpu to what the container uses under normal load.",
}, []check.Reference{resourcePolicies})

func init() { check.Register(memoryLimitMissing, memoryRequestMissing, cpuRequestMissing) }
