package pipeline

import (
	"k8s.io/pod-security-admission/api"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/nspolicy"
)

// pssLevels decides the Pod Security Standards level each object's findings are held to.
// Without Settings.PSSFromNamespaceLabels, or for an object whose namespace is not a
// Namespace of the input with an enforce label, it is --pss. Otherwise it is the label's:
// restricted for restricted (and for an invalid level, which admission enforces as
// restricted), baseline for baseline and for privileged: the linter does not go below
// baseline, because a privileged namespace is itself a finding
// (namespace-enforces-privileged) and its workloads' baseline violations are still the
// risks they were. The label's version is not read here: the pss checks judge at the
// latest policy, and admission-would-reject judges at the label's version.
//
// Namespaces meet objects as the admission checks relate them: by name in any deploy unit,
// and as the implicit namespace of the objects of their own unit (check.Meetings).
type pssLevels struct {
	flag    string
	enabled bool
	// byInput are the Namespaces of each input, noted concurrently while the trees are
	// there; byName is decided from them in input order (the first Namespace of a name
	// that sets a Pod Security label, else the first), as the admission checks decide.
	byInput [][]namedLevel
	byName  map[string]nsLevel
}

type namedLevel struct {
	name string
	nsLevel
}

type nsLevel struct {
	level    string // baseline or restricted; "" when no enforce label
	unit     string // of the Namespace object
	labelled bool   // sets any Pod Security label
}

func newPSSLevels(flag string, settings *check.Settings, inputs int) *pssLevels {
	return &pssLevels{flag: flag, enabled: settings.PSSFromNamespaceLabels, byInput: make([][]namedLevel, inputs)}
}

// note reads the Namespace objects of input i. Inputs are read concurrently; each writes
// only its own entry.
func (l *pssLevels) note(i int, objs []*manifest.Object) {
	if !l.enabled {
		return
	}
	for _, o := range objs {
		ns := nspolicy.Read(o)
		if ns == nil {
			continue
		}
		lv := namedLevel{name: ns.Name, nsLevel: nsLevel{unit: check.Unit(o), labelled: len(ns.Labels) > 0}}
		switch level := ns.EnforcedLevel(); level {
		case "":
		case api.LevelRestricted:
			lv.level = finding.PSSRestricted
		default:
			lv.level = finding.PSSBaseline
		}
		l.byInput[i] = append(l.byInput[i], lv)
	}
}

// decide picks each name's Namespace in input order, after loading.
func (l *pssLevels) decide() {
	l.byName = map[string]nsLevel{}
	for _, in := range l.byInput {
		for _, lv := range in {
			if prev, ok := l.byName[lv.name]; !ok || !prev.labelled && lv.labelled {
				l.byName[lv.name] = lv.nsLevel
			}
		}
	}
}

// any reports whether some namespace of the input sets an enforce level.
func (l *pssLevels) any() bool {
	for _, lv := range l.byName {
		if lv.level != "" {
			return true
		}
	}
	return false
}

// raises reports whether some namespace holds its workloads to restricted while the flag
// says baseline: the restricted checks then report.
func (l *pssLevels) raises() bool {
	for _, lv := range l.byName {
		if lv.level == finding.PSSRestricted {
			return true
		}
	}
	return false
}

// resolver returns the level of each object instance.
func (l *pssLevels) resolver(objects []*manifest.Object, settings *check.Settings) func(finding.Instance) string {
	meet := check.Meetings{}
	for _, o := range objects {
		meet.Note(o)
	}
	return func(in finding.Instance) string {
		o := &manifest.Object{Ref: in.Ref, File: in.File, Overlay: in.Build}
		at := meet.Resolve(settings.ScopeOf(o))
		lv, ok := l.byName[at.Name]
		if !ok || lv.level == "" || at.Implicit() && lv.unit != at.Unit {
			return l.flag
		}
		return lv.level
	}
}

// filter drops the findings only restricted forbids from the objects held to baseline. A
// finding reaching several objects (a base in two overlays) stays when one of them is held
// to restricted.
func (l *pssLevels) filter(fs []finding.Finding, levelOf func(finding.Instance) string) []finding.Finding {
	kept := fs[:0]
	for _, f := range fs {
		if f.PSS != finding.PSSRestricted || l.restricted(f, levelOf) {
			kept = append(kept, f)
		}
	}
	return kept
}

func (l *pssLevels) restricted(f finding.Finding, levelOf func(finding.Instance) string) bool {
	if levelOf == nil || len(f.Instances) == 0 {
		return l.flag != finding.PSSBaseline
	}
	for _, in := range f.Instances {
		if levelOf(in) != finding.PSSBaseline {
			return true
		}
	}
	return false
}
