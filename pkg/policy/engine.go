package policy

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Engine evaluates policies with the API server's CEL libraries; pkg/policy/cel is the
// one implementation, linked into kubectl-secure-full only.
type Engine interface {
	// Compile compiles every expression of p. An expression that does not compile is a
	// *finding.InputError at its line (Policy.Lines).
	Compile(p *Policy) (Program, error)
	// Preview applies the ValidatingAdmissionPolicies and bindings among in.Targets to the
	// other targets as the API server's admission would on their creation.
	Preview(in *Input) []Decision
}

// Program is a compiled policy.
type Program interface {
	// Reads holds, for each validation, the field path below `object` its expression
	// reads when it reads exactly one (see Reads in pkg/policy/cel), or nil.
	Reads() []fieldpath.Path
	// Evaluate applies the policy to t as admission of its creation would with a binding
	// that adds nothing to matchConstraints: match, matchConditions, variables and
	// validations. Its error is an evaluation that could not finish (the CEL cost limit).
	Evaluate(t *Target, in *Input) ([]Violation, error)
}

// Target is one object of the input as policies see it.
type Target struct {
	Object *manifest.Object // its tree may be released: Ref, File and Locate(nil) remain
	Value  map[string]any   // the object as the API server decodes it
	// Namespace is metadata.namespace, or the run's default for an object that sets none.
	Namespace string
	At        manifest.Position
	// Fields are the positions of the paths the run's policies read, by Path.String().
	Fields map[string]manifest.Position
	// Unit is the deploy unit the admission preview relates the object in ("" for the
	// whole input).
	Unit string
	// Policy is set on a ValidatingAdmissionPolicy of the input, read while its tree was
	// there (its expressions' lines), for the admission preview.
	Policy *Policy
}

// Position is where a finding about the field at p goes: the field (or its nearest
// parent that is written), when it was located, else the object.
func (t *Target) Position(p fieldpath.Path) manifest.Position {
	if p != nil {
		if pos, ok := t.Fields[p.String()]; ok {
			return pos
		}
	}
	return t.At
}

// Input is every object of a run.
type Input struct {
	Targets []*Target
	// Namespaces are the input's Namespace objects by name: namespaceSelector and
	// namespaceObject read them.
	Namespaces map[string]map[string]any
	// Audit reports the bindings' Audit actions too (--admission-audit).
	Audit bool
	// bound: the targets hold a binding.
	bound bool
}

// Violation is a validation that failed.
type Violation struct {
	// Validation is the index of the failed validation, -1 for the policy as a whole (a
	// matchCondition or configuration that failed with failurePolicy Fail).
	Validation int
	Message    string
}

// StoppedError is an evaluation the CEL cost limits stopped: the policy's validation
// Validation could not be decided for the object.
type StoppedError struct {
	Validation int
	Message    string
}

func (e *StoppedError) Error() string { return "evaluation stopped: " + e.Message }

// Decision is what admission would do with one object for one policy and binding.
type Decision struct {
	Target          *Target
	Policy, Binding string
	// Action is the binding's validation action: Deny, Warn or Audit.
	Action string
	Violation
	// Reads is the path the failed validation reads, or nil.
	Reads fieldpath.Path
	// At, when set, is where the decision goes instead of the target (a policy of the
	// input that does not compile: its expression's line).
	At *manifest.Position
}

// The engine, registered only from init functions (like the check registry).
var engine addon.Slot[Engine]

// RegisterEngine makes e the engine; pkg/policy/cel calls it from init.
func RegisterEngine(e Engine) { engine.Set(e) }

// Registered returns the engine, or nil when this binary does not link it.
func Registered() Engine { return engine.Get() }
