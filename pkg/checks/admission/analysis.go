package admission

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
)

// meeting is a Namespace of the input and the workloads that meet it.
type meeting struct {
	ns        *namespaceFact
	workloads []*workloadFact
}

// analyse relates the workloads to the Namespace objects of the pass. A Namespace names
// itself, so it meets every object that names it, in any deploy unit, and the objects of
// its own unit whose implicit namespace it is (check.Meetings). When several Namespace
// objects share a name (a base and the overlays that copy it), the first that sets a Pod
// Security label decides, else the first: the meetings are made once per name.
func analyse(p *check.Pass) (namespaces []*namespaceFact, meetings []*meeting) {
	meet := check.Meetings{}
	byName := map[string]*meeting{}
	for _, f := range p.Facts {
		meet.Note(f.Object)
		ns, ok := f.Value.(*namespaceFact)
		if !ok {
			continue
		}
		namespaces = append(namespaces, ns)
		if m := byName[ns.obj.Ref.Name]; m == nil {
			m = &meeting{ns: ns}
			byName[ns.obj.Ref.Name] = m
			meetings = append(meetings, m)
		} else if len(m.ns.policy.Labels) == 0 && len(ns.policy.Labels) > 0 {
			m.ns = ns
		}
	}
	if len(byName) == 0 {
		return namespaces, nil
	}
	for _, f := range p.Facts {
		w, ok := f.Value.(*workloadFact)
		if !ok {
			continue
		}
		at := meet.Resolve(w.namespace)
		m := byName[at.Name]
		if m == nil || at.Implicit() && check.Unit(m.ns.obj) != at.Unit {
			continue
		}
		m.workloads = append(m.workloads, w)
	}
	return namespaces, meetings
}
