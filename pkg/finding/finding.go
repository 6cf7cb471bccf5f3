// Package finding holds what a check reports: the Finding, its Severity and the object it
// belongs to. It is the vocabulary shared by checks, the lint engine and the reporters.
package finding

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// Severity orders findings; --fail-on compares against it.
type Severity int

const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

var severityNames = [...]string{Low: "low", Medium: "medium", High: "high", Critical: "critical"}

func (s Severity) String() string {
	if s < Low || s > Critical {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity accepts the lower-case names used on the command line and in JSON.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n != "" && strings.EqualFold(n, s) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// PSS levels a finding can violate.
const (
	PSSBaseline   = "baseline"
	PSSRestricted = "restricted"
)

// ObjectRef identifies the Kubernetes object a finding belongs to.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (o ObjectRef) String() string {
	s := o.Kind + "/" + o.Name
	if o.Namespace != "" {
		s = o.Kind + "/" + o.Namespace + "/" + o.Name
	}
	return s
}

// Instance identifies one loaded object: a document of a plain file, or one object of one
// Kustomize build. Two overlays that build the same base document give two instances of
// it, so what one build's object carries (a suppression annotation an overlay's patch adds)
// is told apart from the other build's.
type Instance struct {
	// Build is the display path of the Kustomize directory that built the object; "" for a
	// document of a plain file.
	Build string
	// File and Doc are the file the object came from and its 0-based document index.
	File string
	Doc  int
	Ref  ObjectRef
}

// Fix describes the remedy a finding offers. Description and Safe are the contract shown
// to users; Changes are what `--fix`/`--diff` apply.
type Fix struct {
	Description string `json:"description"`
	// Safe means the fix cannot change how a correctly written workload behaves; unsafe
	// fixes (runAsNonRoot, drop ALL, read-only root) can stop an image from starting and
	// are applied only with --unsafe-fixes.
	Safe bool `json:"safe"`
	// Changes are applied in order to the object the finding belongs to. A fix with no
	// Changes is advice only.
	Changes []Change `json:"-"`
	// Object is the object the changes apply to, a *manifest.Object; the lint engine fills
	// it in.
	Object Target `json:"-"`
}

// Target is an object a fix applies to: a *manifest.Object, which this package cannot
// name because manifest imports it. The method keeps anything else out of Fix.Object.
type Target interface {
	// Instance identifies the object among everything a run loaded.
	Instance() Instance
}

// ChangeOp says what a Change does.
type ChangeOp int

const (
	// Set writes the scalar Value at Path, creating missing mappings on the way. A selector
	// segment (containers[name=app]) must match an existing element.
	Set ChangeOp = iota + 1
	// Remove deletes the mapping entry or sequence element at Path.
	Remove
	// Append adds the scalar Value to the sequence at Path unless an equal scalar is already
	// there, creating the sequence (and missing mappings) when absent.
	Append
	// AddObject adds a new object, whose YAML text is Value, beside the finding's object
	// (a new file next to it, or a new resource of a Kustomize overlay).
	AddObject
)

// Change is one edit of a fix. Path is relative to the object's root.
type Change struct {
	Op    ChangeOp
	Path  fieldpath.Path
	Value any // bool, int, int64 or string for Set and Append; string YAML for AddObject
	// FileName names the file AddObject writes (e.g. "networkpolicy-default-deny.yaml").
	FileName string
}

// Finding is one problem at one place. Its JSON form is the product contract.
type Finding struct {
	Check    string    `json:"check"`
	Category string    `json:"category"`
	Severity Severity  `json:"severity"`
	PSS      string    `json:"pss,omitempty"`
	Message  string    `json:"message"`
	File     string    `json:"file"`
	Line     int       `json:"line"`
	Column   int       `json:"column"`
	Object   ObjectRef `json:"object"`
	// Objects lists every object the finding reaches when more than one does: a base used
	// by several overlays is one place to edit, reported once (finding.Merge). Object is the
	// first of them. Nil, and absent from JSON, when the finding reaches one object.
	Objects []Reached `json:"objects,omitempty"`
	Path    string    `json:"path"`
	Fix     *Fix      `json:"fix,omitempty"`
	// Overlay is the display path of the Kustomize directory that built Object, or "";
	// JSON shows it only in Objects, where it tells the reached objects apart.
	Overlay string `json:"-"`
	// Instances are the loaded objects the finding is about: the one the check reported it
	// for, and those of identical findings other builds reported, merged into this one.
	// Suppressions written in the sources apply per instance. Not part of the JSON form.
	Instances []Instance `json:"-"`
	// Identity is what the finding is about apart from its check and file, in terms that
	// survive reformatting and moved lines (package fingerprint); baselines and --since
	// compare findings by it; nil when the run did not ask for it (lint.Stream.Identify),
	// as a pointer because most runs don't and every finding is copied several times.
	// Not part of the JSON form.
	Identity *Identity `json:"-"`
}

// Identity identifies the problem a finding reports: the object as its source names it,
// the field path with list positions replaced by what the element is, and a hash of the
// offending value ("" when the field is missing).
type Identity struct {
	Object ObjectRef
	Path   string
	Value  string
}

// Reached is one object a finding reaches and the Kustomize build (overlay directory) it
// came from, "" for an object read from a plain file.
type Reached struct {
	ObjectRef
	Overlay string `json:"overlay,omitempty"`
}

// Reaches is every object f reaches: Objects when set, else Object alone.
func (f *Finding) Reaches() []Reached {
	if len(f.Objects) > 0 {
		return f.Objects
	}
	return []Reached{{ObjectRef: f.Object, Overlay: f.Overlay}}
}

// Sort orders findings deterministically: file, line, column, check, then message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return Less(&fs[i], &fs[j]) })
}

// Less is Sort's order: file, line, column, check, path, then message.
func Less(a, b *Finding) bool {
	if a.File != b.File {
		return a.File < b.File
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	if a.Column != b.Column {
		return a.Column < b.Column
	}
	if a.Check != b.Check {
		return a.Check < b.Check
	}
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return a.Message < b.Message
}

// InputError is a problem with an input (unreadable, unparsable, refused); it makes the run
// exit 2 but never hides the findings of other inputs.
type InputError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}

// SortErrors orders input errors by file and line.
func SortErrors(es []InputError) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].File != es[j].File {
			return es[i].File < es[j].File
		}
		return es[i].Line < es[j].Line
	})
}
