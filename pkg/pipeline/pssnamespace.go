package pipeline

import (
	"sync"

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
	mu      sync.Mutex
	byName  map[string]nsLevel // the first Namespace of each name that sets a label
}

type nsLevel struct {
	level    string // baseline or restricted
	unit     string // of the Namespace object
	labelled bool   // sets any Pod Security label (else a later one that does wins)
}

func newPSSLevels(flag string, settings *check.Settings) *pssLevels {
	return &pssLevels{flag: flag, enabled: settings.PSSFromNamespaceLabels, byName: map[string]nsLevel{}}
}

// note reads the Namespace objects among objs, while their trees are there; inputs are
// read concurrently. The first Namespace of a name in input order is not known here, so
// the lowest (file, document) wins, which is input order within a file.
func (l *pssLevels) note(objs []*manifest.Object) {
	if !l.enabled {
		return
	}
	for _, o := range objs {
		ns := nspolicy.Read(o)
		if ns == nil {
			continue
		}
		lv := nsLevel{unit: check.Unit(o), labelled: len(ns.Labels) > 0}
		switch level := ns.EnforcedLevel(); level {
		case "":
		case api.LevelRestricted:
			lv.level = finding.PSSRestricted
		default:
			lv.level = finding.PSSBaseline
		}
		l.mu.Lock()
		if prev, ok := l.byName[ns.Name]; !ok || !prev.labelled && lv.labelled {
			l.byName[ns.Name] = lv
		}
		l.mu.Unlock()
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
