// Package lint runs checks over loaded objects and turns their diagnostics into located,
// sorted findings.
package lint

import (
	"fmt"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fingerprint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// RunChecks runs every check over objs and returns the findings sorted. It is a Stream fed
// with all objects at once, split into one part per processor so that the per-object
// checks run in parallel; the objects are not released.
func RunChecks(checks []*check.Check, objs []*manifest.Object, settings *check.Settings) []finding.Finding {
	n := parallelism()
	if n > len(objs) {
		n = len(objs)
	}
	s := NewStream(checks, settings, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Input(i, objs[i*len(objs)/n:(i+1)*len(objs)/n])
		}()
	}
	wg.Wait()
	return s.Finish()
}

// Stream is one lint run fed input by input (a file, stdin or an overlay), in any order
// and from any goroutine. Input runs the per-object checks on an input's objects and
// keeps the facts the cross-object checks need of them; Finish runs the cross-object
// checks over the facts of all inputs, in input order, so that the result does not depend
// on scheduling. Between the two the caller may release the objects.
type Stream struct {
	perObject, crossObject []*check.Check
	facts                  []*check.Facts // distinct, of the cross-object checks
	settings               *check.Settings

	// Identify gives each finding its fingerprint (finding.Identity). Only a baseline
	// and --since read it, and it walks the object's tree and hashes a value for every
	// finding, about a twentieth of a run's checking: other runs leave it out. Set it
	// before the first Input.
	Identify bool

	// By input: each Input writes only its own entries.
	found [][]finding.Finding
	kept  [][][]check.Fact // then by facts
}

// NewStream starts a run of checks over inputs numbered 0 to inputs-1.
func NewStream(checks []*check.Check, settings *check.Settings, inputs int) *Stream {
	if settings == nil {
		settings = &check.Settings{}
	}
	s := &Stream{settings: settings, found: make([][]finding.Finding, inputs), kept: make([][][]check.Fact, inputs)}
	for _, c := range checks {
		if c.Facts == nil {
			s.perObject = append(s.perObject, c)
			continue
		}
		s.crossObject = append(s.crossObject, c)
		if !slices.Contains(s.facts, c.Facts) {
			s.facts = append(s.facts, c.Facts)
		}
	}
	return s
}

// Input checks the objects of input i, on the calling goroutine. Inputs may be checked
// concurrently, each number once.
func (s *Stream) Input(i int, objs []*manifest.Object) {
	var found []finding.Finding
	// One Pass and one reporting function for all the checks of the input: a pair of
	// allocations per check and input was a tenth of what a run allocates.
	var c *check.Check
	report := func(d check.Diagnostic) { found = append(found, s.locate(c, d)) }
	pass := &check.Pass{}
	for _, c = range s.perObject {
		*pass = check.Pass{Check: c, Objects: objs, Settings: s.settings, Report: report}
		c.Run(pass)
	}
	kept := make([][]check.Fact, len(s.facts))
	for k, f := range s.facts {
		for _, o := range objs {
			if v := f.Of(o, s.settings); v != nil {
				kept[k] = append(kept[k], check.Fact{Object: o, Value: v})
			}
		}
	}
	s.found[i], s.kept[i] = found, kept
}

// Finish runs the cross-object checks, concurrently, and returns every finding of the run
// sorted and without duplicates.
func (s *Stream) Finish() []finding.Finding {
	facts := make(map[*check.Facts][]check.Fact, len(s.facts))
	for k, f := range s.facts {
		for _, in := range s.kept {
			if in != nil {
				facts[f] = append(facts[f], in[k]...)
			}
		}
	}
	results := make([][]finding.Finding, len(s.crossObject))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelism())
	for i, c := range s.crossObject {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			pass := &check.Pass{Check: c, Facts: facts[c.Facts], Settings: s.settings}
			pass.Report = func(d check.Diagnostic) { results[i] = append(results[i], s.locate(c, d)) }
			c.Run(pass)
		}()
	}
	wg.Wait()
	n := 0
	for _, r := range append(s.found, results...) {
		n += len(r)
	}
	out := make([]finding.Finding, 0, n)
	for _, r := range append(s.found, results...) {
		out = append(out, r...)
	}
	finding.Sort(out)
	return dedupe(out)
}

// locate is Locate with the finding's identity when the run asks for it.
func (s *Stream) locate(c *check.Check, d check.Diagnostic) finding.Finding {
	f := Locate(c, d)
	if s.Identify {
		id := fingerprint.Identify(d.Object, d.Path)
		f.Identity = &id
	}
	return f
}

// Locate turns a diagnostic into a finding at the place the user must edit. It leaves
// the finding's Identity empty (see Stream.Identify).
func Locate(c *check.Check, d check.Diagnostic) finding.Finding {
	var pos manifest.Position
	if d.At != nil {
		pos = *d.At
	} else {
		pos = d.Object.Locate(d.Path)
	}
	sev := d.Severity
	if sev == 0 {
		sev = c.Severity
	}
	pss := d.PSS
	if pss == "" {
		pss = c.PSS
	}
	fix := d.Fix
	if fix != nil {
		withObject := *fix
		withObject.Object = d.Object
		if withObject.Safe && overridesWritten(d.Object, withObject.Changes) {
			// The rule every check's fix is held to: changing or removing what the user
			// wrote is never safe, whatever the check thought.
			withObject.Safe = false
		}
		fix = &withObject
	}
	return finding.Finding{
		Check:    c.ID,
		Category: c.Category,
		Severity: sev,
		PSS:      pss,
		Message:  d.Message,
		File:     pos.File,
		Line:     pos.Line,
		Column:   pos.Column,
		Object:   d.Object.Ref,
		Overlay:  d.Object.Overlay,
		Path:     d.Path.String(),
		Fix:      fix,
		// The object's identity, so that a suppression carried by one build's object does
		// not hide the same finding of another build's.
		Instances: []finding.Instance{d.Object.Instance()},
	}
}

// dedupe drops identical findings: two overlays that include the same base report a base
// problem once per object, but an object reached twice must not report twice. The finding
// kept carries the instances of those it replaces, for the suppressions that apply to one
// build only.
func dedupe(fs []finding.Finding) []finding.Finding {
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && sameFinding(fs[i-1], f) {
			kept := &out[len(out)-1]
			for _, in := range f.Instances {
				if !slices.Contains(kept.Instances, in) {
					kept.Instances = append(kept.Instances, in)
				}
			}
			continue
		}
		out = append(out, f)
	}
	return out
}

func sameFinding(a, b finding.Finding) bool {
	return a.Check == b.Check && a.File == b.File && a.Line == b.Line && a.Column == b.Column &&
		a.Message == b.Message && a.Object == b.Object && a.Overlay == b.Overlay && a.Path == b.Path
}

// overridesWritten reports a change that removes a value written in obj, or sets one that
// is written there to something else: such a fix is unsafe by definition (see
// check.FixSafety). Adding a missing field, appending to a list, or adding an object is not.
// A released object (cross-object checks) is not looked at: its tree is gone.
func overridesWritten(obj *manifest.Object, changes []finding.Change) bool {
	if obj == nil || obj.Root == nil {
		return false
	}
	for _, ch := range changes {
		if ch.Op != finding.Set && ch.Op != finding.Remove {
			continue
		}
		n := fieldpath.Deref(obj.Get(ch.Path))
		if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			continue
		}
		if ch.Op == finding.Remove || n.Kind != yaml.ScalarNode || n.Value != fmt.Sprint(ch.Value) {
			return true
		}
	}
	return false
}
