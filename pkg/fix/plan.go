package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
)

// Stdin is the path findings give objects read from standard input.
const Stdin = "-"

// File is one file as the fixes see it: what was read and what it becomes.
type File struct {
	Path    string // as findings name it; Stdin for standard input
	Orig    []byte // nil when Created
	Data    []byte
	Created bool // the file does not exist yet (AddObject writes it)
}

// Changed reports whether the fixes changed the file.
func (f *File) Changed() bool { return f.Created || !bytes.Equal(f.Orig, f.Data) }

// Workspace holds files being fixed in memory, so that every fix is computed before
// anything is written and --diff and --fix share one code path.
type Workspace struct {
	read  func(path string) ([]byte, error)
	files map[string]*File
}

// NewWorkspace reads files with read (os.ReadFile when nil).
func NewWorkspace(read func(path string) ([]byte, error)) *Workspace {
	if read == nil {
		read = os.ReadFile
	}
	return &Workspace{read: read, files: map[string]*File{}}
}

func cleanPath(p string) string {
	if p == Stdin {
		return p
	}
	return filepath.Clean(p)
}

// Open returns the file at path, reading it on first use.
func (w *Workspace) Open(path string) (*File, error) {
	path = cleanPath(path)
	if f := w.files[path]; f != nil {
		return f, nil
	}
	data, err := w.read(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	f := &File{Path: path, Orig: data, Data: append([]byte(nil), data...)}
	w.files[path] = f
	return f, nil
}

// OpenOrCreate returns the file at path, or a new empty one when it does not exist.
func (w *Workspace) OpenOrCreate(path string) (*File, error) {
	f, err := w.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		f = &File{Path: cleanPath(path), Created: true}
		w.files[f.Path] = f
		return f, nil
	}
	return f, err
}

// Changed returns the files the fixes changed, sorted by path.
func (w *Workspace) Changed() []*File {
	var out []*File
	for _, f := range w.files {
		if f.Changed() {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

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

// Options say which fixes to apply.
type Options struct {
	Unsafe  bool          // apply unsafe fixes too (--unsafe-fixes)
	Overlay OverlayWriter // nil: fixes of objects built by Kustomize are skipped
	// Objects are every object of the run (nil: those the findings name). The overlay
	// writer learns from them which overlays build the same base.
	Objects []*manifest.Object
}

// Reasons a fix is not attempted.
const (
	SkipUnsafe  = "unsafe"
	SkipOverlay = "Kustomize overlay"
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
		case !f.Fix.Safe && !opts.Unsafe:
			o.Skipped = SkipUnsafe
		case (obj.Overlay != "" || obj.Generator != "") && opts.Overlay == nil:
			o.Skipped = SkipOverlay
		default:
			work = append(work, pending{outcome: o, fix: f.Fix, obj: obj})
		}
	}

	// Plain files, one at a time, objects in the order they are written.
	byFile := map[string][]pending{}
	var files []string
	var overlays []pending
	for _, p := range work {
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

	// New objects last: the files they append to are then final.
	for _, p := range adds {
		for _, ch := range p.fix.Changes {
			if ch.Op != finding.AddObject {
				continue
			}
			changed, err := addObject(ws, p.obj, ch)
			if err != nil {
				p.outcome.Err = err
				break
			}
			if changed {
				p.outcome.Changes++
			}
		}
	}
	return res
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
	if err := validateAdds(p.fix); err != nil {
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
			ferr = fmt.Errorf("%s %s: %w", opName(ch.Op), ch.Path, err)
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

func opName(op finding.ChangeOp) string {
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

// validateAdds checks the AddObject changes of a fix before anything of it is applied.
func validateAdds(fx *finding.Fix) error {
	for _, ch := range fx.Changes {
		if ch.Op != finding.AddObject {
			continue
		}
		if _, err := newObjectRef(ch); err != nil {
			return err
		}
	}
	return nil
}

func newObjectRef(ch finding.Change) (finding.ObjectRef, error) {
	name := ch.FileName
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return finding.ObjectRef{}, fmt.Errorf("add object: %q is not a file name", name)
	}
	src, ok := ch.Value.(string)
	if !ok {
		return finding.ObjectRef{}, fmt.Errorf("add object: value is %T, not YAML text", ch.Value)
	}
	res := manifest.Parse(name, []byte(src), manifest.DefaultLimits)
	if res.Err != nil {
		return finding.ObjectRef{}, fmt.Errorf("add object: %s", res.Err.Message)
	}
	if len(res.Objects) != 1 {
		return finding.ObjectRef{}, fmt.Errorf("add object: value holds %d objects, want 1", len(res.Objects))
	}
	if err := checkNewObject(res.Objects[0].Ref); err != nil {
		return finding.ObjectRef{}, err
	}
	return res.Objects[0].Ref, nil
}

// addObject writes a new object into ch.FileName beside obj's file, as a further document
// when that file exists. An object of the same kind, namespace and name already there
// means the fix is in place.
func addObject(ws *Workspace, obj *manifest.Object, ch finding.Change) (bool, error) {
	ref, err := newObjectRef(ch)
	if err != nil {
		return false, err
	}
	path := Stdin
	if obj.File != Stdin {
		path = filepath.Join(filepath.Dir(obj.File), ch.FileName)
	}
	f, err := ws.OpenOrCreate(path)
	if err != nil {
		return false, err
	}
	for _, o := range manifest.Parse(path, f.Data, manifest.DefaultLimits).Objects {
		if o.Ref.Kind == ref.Kind && o.Ref.Name == ref.Name && o.Ref.Namespace == ref.Namespace {
			return false, nil
		}
	}
	doc := strings.TrimLeft(ch.Value.(string), "\n")
	doc = strings.TrimPrefix(doc, "---\n")
	if !strings.HasSuffix(doc, "\n") {
		doc += "\n"
	}
	var b bytes.Buffer
	b.Write(f.Data)
	if len(bytes.TrimSpace(f.Data)) > 0 {
		if !bytes.HasSuffix(f.Data, []byte("\n")) {
			b.WriteString("\n")
		}
		b.WriteString("---\n")
	}
	b.WriteString(doc)
	out := b.Bytes()
	if bytes.Contains(f.Data, []byte("\r\n")) {
		// Only the appended part: the existing text keeps its bytes.
		tail := out[len(f.Data):]
		tail = bytes.ReplaceAll(bytes.ReplaceAll(tail, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		out = append(append([]byte(nil), f.Data...), tail...)
	}
	f.Data = out
	return true, nil
}

// ApplyChanges applies changes to obj inside src, the text of obj.File, and returns the new
// text with the edits that turn src into it. It is the building block for writers that
// edit files other than the one a finding points at (a Kustomize base or patch).
func ApplyChanges(src []byte, obj *manifest.Object, changes []finding.Change) ([]byte, []yamledit.TextEdit, error) {
	var fe *fileEditor
	var tg *target
	var err error
	for _, whole := range []bool{false, true} {
		fe = newFileEditor(obj.File, src, whole)
		if tg, err = fe.target(obj); err == nil {
			break
		}
	}
	if err != nil {
		return nil, nil, err
	}
	for _, ch := range changes {
		if ch.Op == finding.AddObject {
			return nil, nil, fmt.Errorf("add object: not an edit of %s", obj.Ref)
		}
		if _, err := fe.apply(tg, ch); err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", opName(ch.Op), ch.Path, err)
		}
	}
	out := fe.bytes()
	return out, Edits(src, out), nil
}
