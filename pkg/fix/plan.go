package fix

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
)

// OverlayWriter applies the fixes of objects built by Kustomize, whose text is not a file
// of its own: it writes patches into the overlay (or edits the base) through the
// workspace. It returns one outcome per fix, in order.
type OverlayWriter interface {
	FixOverlay(ws *Workspace, obj *manifest.Object, fixes []*finding.Fix) []Outcome
}

// OverlayPlanner is an OverlayWriter that sees every object's fixes before any is applied,
// and every object of the run, so that it can tell a change every overlay of a shared base
// needs (made once, in the base) from one some overlays need (a patch in each).
type OverlayPlanner interface {
	Plan(all []*manifest.Object, fixes map[*manifest.Object][]*finding.Fix)
}

// ChartWriter applies the fixes of objects a Helm chart rendered, whose text is not a
// file of their own: into the values file that set the value, or an override values file.
// It returns one outcome per fix, in order.
type ChartWriter interface {
	FixChart(ws *Workspace, obj *manifest.Object, fixes []*finding.Fix) []Outcome
}

// Options say which fixes to apply.
type Options struct {
	Unsafe  bool          // apply unsafe fixes too (--unsafe-fixes)
	Overlay OverlayWriter // nil: fixes of objects built by Kustomize are skipped
	Chart   ChartWriter   // nil: fixes of objects a Helm chart rendered are advice
	// Objects are every object of the run (nil: those the findings name). The overlay
	// writer learns from them which overlays build the same base.
	Objects []*manifest.Object
}

// Reasons a fix is not attempted.
const (
	SkipUnsafe  = "unsafe"
	SkipOverlay = "Kustomize overlay"
	// SkipChart is the reason for fixes of objects a Helm chart rendered.
	SkipChart = "Helm chart: edit the values or template line each finding names"
)

// Outcome is what became of one finding's fix.
type Outcome struct {
	Finding finding.Finding
	Changes int    // changes that edited text (0: already in place)
	Skipped string // why the fix was not attempted, or ""
	Err     error  // why the fix was attempted but not applied
}

// Result is the outcome of every fix offered, in the order of the findings.
type Result struct {
	Outcomes []Outcome
}

// Fixed counts the fixes applied (or found already in place) and the changes they made.
func (r *Result) Fixed() (fixes, changes int) {
	for _, o := range r.Outcomes {
		if o.Skipped == "" && o.Err == nil {
			fixes++
			changes += o.Changes
		}
	}
	return fixes, changes
}

// Skipped counts the fixes not attempted, by reason.
func (r *Result) Skipped() map[string]int {
	out := map[string]int{}
	for _, o := range r.Outcomes {
		if o.Skipped != "" {
			out[o.Skipped]++
		}
	}
	return out
}

// Failed returns the fixes attempted but not applied.
func (r *Result) Failed() []Outcome {
	var out []Outcome
	for _, o := range r.Outcomes {
		if o.Err != nil {
			out = append(out, o)
		}
	}
	return out
}

// Log is one line per outcome, in order: "check: ok, N changes", "check: skipped: why"
// or "check: error: why". The fix goldens pin it.
func (r *Result) Log() string {
	var b strings.Builder
	for _, o := range r.Outcomes {
		switch {
		case o.Err != nil:
			fmt.Fprintf(&b, "%s: error: %v\n", o.Finding.Check, o.Err)
		case o.Skipped != "":
			fmt.Fprintf(&b, "%s: skipped: %s\n", o.Finding.Check, o.Skipped)
		default:
			fmt.Fprintf(&b, "%s: ok, %d changes\n", o.Finding.Check, o.Changes)
		}
	}
	return b.String()
}

// OutcomeOf returns the outcome of the finding of check, or the zero Outcome.
func (r *Result) OutcomeOf(check string) Outcome {
	for _, o := range r.Outcomes {
		if o.Finding.Check == check {
			return o
		}
	}
	return Outcome{}
}

// Fixable reports whether a finding carries changes that --fix could apply.
func Fixable(f *finding.Finding) bool { return f.Fix != nil && len(f.Fix.Changes) > 0 }

// AdviceCount is how many findings of one check offer advice only.
type AdviceCount struct {
	Check string
	Count int
}

// AdviceOnly counts, by check, the findings whose fix is advice that no change applies.
// A finding whose advice is carried out by a sibling's changes (the default-deny policy
// that the first workload of a namespace adds for all of them: same check, same
// description) is not counted: that fix is applied.
func AdviceOnly(findings []finding.Finding) []AdviceCount {
	type key struct{ check, desc string }
	fixable := map[key]bool{}
	for i := range findings {
		if f := &findings[i]; Fixable(f) {
			fixable[key{f.Check, f.Fix.Description}] = true
		}
	}
	counts := map[string]int{}
	for i := range findings {
		f := &findings[i]
		if f.Fix == nil || Fixable(f) || fixable[key{f.Check, f.Fix.Description}] {
			continue
		}
		counts[f.Check]++
	}
	out := make([]AdviceCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, AdviceCount{Check: c, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Check < out[j].Check })
	return out
}

type pending struct {
	outcome *Outcome
	fix     *finding.Fix
	obj     *manifest.Object
}

// Apply applies the fixes of findings to the files in ws. Fixes are applied one by one,
// each completely or not at all; a fix whose change is already in place changes nothing.
func Apply(ws *Workspace, findings []finding.Finding, opts Options) *Result {
	res, work := triage(findings, opts)

	// Plain files, one at a time, objects in the order they are written.
	byFile := map[string][]pending{}
	var files []string
	var overlays, charts []pending
	for _, p := range work {
		if p.obj.Chart != "" {
			charts = append(charts, p)
			continue
		}
		if p.obj.Overlay != "" || p.obj.Generator != "" {
			overlays = append(overlays, p)
			continue
		}
		path := cleanPath(p.obj.File)
		if byFile[path] == nil {
			files = append(files, path)
		}
		byFile[path] = append(byFile[path], p)
	}
	var adds []pending
	for _, path := range files {
		adds = append(adds, applyFile(ws, path, byFile[path])...)
	}
	if len(overlays) > 0 {
		applyOverlays(ws, overlays, opts)
	}
	applyCharts(ws, charts, opts.Chart)
	// New objects last: the files they append to are then final.
	applyAdds(ws, adds)
	return res
}

// triage gives every fixable finding an outcome, in order, and returns the fixes to
// attempt; the others are skipped (unsafe, or built by Kustomize with no overlay writer)
// or fail (no object).
func triage(findings []finding.Finding, opts Options) (*Result, []pending) {
	res := &Result{}
	var work []pending
	for _, f := range findings {
		if !Fixable(&f) {
			continue
		}
		res.Outcomes = append(res.Outcomes, Outcome{Finding: f})
	}
	i := 0
	for _, f := range findings {
		if !Fixable(&f) {
			continue
		}
		o := &res.Outcomes[i]
		i++
		obj, _ := f.Fix.Object.(*manifest.Object)
		switch {
		case obj == nil:
			o.Err = fmt.Errorf("the fix does not name its object")
		case obj.Chart != "" && opts.Chart == nil:
			// Rendered text: the fix is advice, the finding names the values or template
			// line to edit.
			o.Skipped = SkipChart
		case !f.Fix.Safe && !opts.Unsafe:
			o.Skipped = SkipUnsafe
		case obj.Chart != "":
			work = append(work, pending{outcome: o, fix: f.Fix, obj: obj})
		case (obj.Overlay != "" || obj.Generator != "") && opts.Overlay == nil:
			o.Skipped = SkipOverlay
		default:
			work = append(work, pending{outcome: o, fix: f.Fix, obj: obj})
		}
	}
	return res, work
}

// applyOverlays hands the fixes of objects built by Kustomize to the overlay writer, all
// the fixes of one object at once, after showing it every object's (see OverlayPlanner).
func applyOverlays(ws *Workspace, overlays []pending, opts Options) {
	byObj := map[*manifest.Object][]pending{}
	var objs []*manifest.Object
	for _, p := range overlays {
		if byObj[p.obj] == nil {
			objs = append(objs, p.obj)
		}
		byObj[p.obj] = append(byObj[p.obj], p)
	}
	if planner, ok := opts.Overlay.(OverlayPlanner); ok {
		all := opts.Objects
		if all == nil {
			all = objs
		}
		plan := make(map[*manifest.Object][]*finding.Fix, len(objs))
		for _, obj := range objs {
			for _, p := range byObj[obj] {
				plan[obj] = append(plan[obj], p.fix)
			}
		}
		planner.Plan(all, plan)
	}
	for _, obj := range objs {
		ps := byObj[obj]
		fixes := make([]*finding.Fix, len(ps))
		for i, p := range ps {
			fixes[i] = p.fix
		}
		outs := opts.Overlay.FixOverlay(ws, obj, fixes)
		for i, p := range ps {
			if i < len(outs) {
				p.outcome.Changes, p.outcome.Err, p.outcome.Skipped = outs[i].Changes, outs[i].Err, outs[i].Skipped
			} else {
				p.outcome.Err = fmt.Errorf("the overlay writer gave no outcome")
			}
		}
	}
}

// applyCharts hands the fixes of objects a chart rendered to the chart writer, all the
// fixes of one object at once.
func applyCharts(ws *Workspace, charts []pending, w ChartWriter) {
	byObj := map[*manifest.Object][]pending{}
	var objs []*manifest.Object
	for _, p := range charts {
		if byObj[p.obj] == nil {
			objs = append(objs, p.obj)
		}
		byObj[p.obj] = append(byObj[p.obj], p)
	}
	for _, obj := range objs {
		ps := byObj[obj]
		fixes := make([]*finding.Fix, len(ps))
		for i, p := range ps {
			fixes[i] = p.fix
		}
		outs := w.FixChart(ws, obj, fixes)
		for i, p := range ps {
			if i < len(outs) {
				p.outcome.Changes, p.outcome.Err, p.outcome.Skipped = outs[i].Changes, outs[i].Err, outs[i].Skipped
			} else {
				p.outcome.Err = fmt.Errorf("the chart writer gave no outcome")
			}
		}
	}
}

// applyAdds writes the objects the fixes of adds add.
func applyAdds(ws *Workspace, adds []pending) {
	for _, p := range adds {
		for _, ch := range p.fix.Changes {
			if ch.Op != finding.AddObject {
				continue
			}
			changed, err := AddObject(ws, p.obj, ch)
			if err != nil {
				p.outcome.Err = err
				break
			}
			if changed {
				p.outcome.Changes++
			}
		}
	}
}

// applyFile applies the fixes of the objects of one file and returns the fixes that also
// add objects, for later.
func applyFile(ws *Workspace, path string, ps []pending) (adds []pending) {
	fail := func(err error) {
		for _, p := range ps {
			p.outcome.Err = err
		}
	}
	f, err := ws.Open(path)
	if err != nil {
		fail(err)
		return nil
	}
	targets := map[*manifest.Object]*target{}
	errs := map[*manifest.Object]error{}
	var fe *fileEditor
	for _, whole := range []bool{false, true} {
		fe = newFileEditor(path, f.Data, whole)
		clear(targets)
		clear(errs)
		for _, p := range ps {
			if _, ok := targets[p.obj]; ok || errs[p.obj] != nil {
				continue
			}
			tg, err := fe.target(p.obj)
			if err != nil {
				errs[p.obj] = err
				continue
			}
			targets[p.obj] = tg
		}
		if len(errs) == 0 {
			break
		}
	}
	// Later objects first: edits then never move an object not yet edited. Within an
	// object, fixes keep the findings' order.
	order := append([]pending(nil), ps...)
	sort.SliceStable(order, func(i, j int) bool {
		a, b := order[i].obj.Root, order[j].obj.Root
		if a.Line != b.Line {
			return a.Line > b.Line
		}
		return a.Column > b.Column
	})
	for i := 0; i < len(order); {
		p := order[i]
		if err := errs[p.obj]; err != nil {
			p.outcome.Err = err
			i++
			continue
		}
		run := i + 1
		for run < len(order) && order[run].obj == p.obj {
			run++
		}
		adds = append(adds, fe.applyRun(targets[p.obj], order[i:run])...)
		i = run
	}
	f.Data = fe.bytes()
	return adds
}

// applyFix applies the changes of one fix one at a time, all or none, and reports whether
// the fix also adds objects, for later.
func (fe *fileEditor) applyFix(tg *target, p pending) (hasAdd bool) {
	if err := ValidateAdds(p.fix); err != nil {
		p.outcome.Err = err
		return false
	}
	saved, savedRemoved := tg.u.text, tg.removed.Clone()
	changes := 0
	var ferr error
	for _, ch := range p.fix.Changes {
		if ch.Op == finding.AddObject {
			hasAdd = true
			continue
		}
		changed, err := fe.apply(tg, ch)
		if err != nil {
			ferr = fmt.Errorf("%s %s: %w", OpName(ch.Op), ch.Path, err)
			break
		}
		if changed {
			changes++
		}
	}
	if ferr != nil {
		tg.u.text, tg.removed = saved, savedRemoved
		p.outcome.Err = ferr
		return false
	}
	p.outcome.Changes = changes
	return hasAdd
}

// OpName is how errors name a change's operation ("set", "append to", ...).
func OpName(op finding.ChangeOp) string {
	switch op {
	case finding.Set:
		return "set"
	case finding.Remove:
		return "remove"
	case finding.Append:
		return "append to"
	case finding.AddObject:
		return "add object"
	}
	return fmt.Sprintf("op %d", op)
}

// ApplyChanges applies changes to obj inside src, the text of obj.File, and returns the new
// text with the edits that turn src into it. It is the building block for writers that
// edit files other than the one a finding points at (a Kustomize base or patch).
func ApplyChanges(src []byte, obj *manifest.Object, changes []finding.Change) ([]byte, []yamledit.TextEdit, error) {
	fe, tg, err := openObject(obj.File, src, obj)
	if err != nil {
		return nil, nil, err
	}
	for _, ch := range changes {
		if ch.Op == finding.AddObject {
			return nil, nil, fmt.Errorf("add object: not an edit of %s", obj.Ref)
		}
		if _, err := fe.apply(tg, ch); err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", OpName(ch.Op), ch.Path, err)
		}
	}
	out := fe.bytes()
	return out, Edits(src, out), nil
}

// EditObject applies ch to obj, an object of f, as Apply applies a change to a file of its
// own, and reports whether the text changed. The overlay writer edits bases and patches
// with it.
func EditObject(f *File, obj *manifest.Object, ch finding.Change) (bool, error) {
	fe, tg, err := openObject(f.Path, f.Data, obj)
	if err != nil {
		return false, err
	}
	changed, err := fe.apply(tg, ch)
	if err != nil {
		return false, fmt.Errorf("%s: %w", f.Path, err)
	}
	f.Data = fe.bytes()
	return changed, nil
}

// openObject finds obj in the file, cut into its documents when that is safe, else whole.
func openObject(path string, src []byte, obj *manifest.Object) (*fileEditor, *target, error) {
	var err error
	for _, whole := range []bool{false, true} {
		fe := newFileEditor(path, src, whole)
		var tg *target
		if tg, err = fe.target(obj); err == nil {
			return fe, tg, nil
		}
	}
	return nil, nil, err
}
