package check

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Constructors of the fixes a check attaches to a Diagnostic. Changes use paths relative
// to the object root, built from the pod's and containers' paths (pkg/workload), so they
// edit exactly the field the finding points at.

// NewFix builds a fix. safe says that it cannot change how a correctly written workload
// behaves (see finding.Fix.Safe); a fix without changes is advice only.
func NewFix(description string, safe bool, changes ...finding.Change) *finding.Fix {
	return &finding.Fix{Description: description, Safe: safe, Changes: changes}
}

// SetTo writes a scalar at p, creating the missing mappings on the way.
func SetTo(p fieldpath.Path, v any) finding.Change {
	return finding.Change{Op: finding.Set, Path: p, Value: v}
}

// Remove deletes the mapping entry or sequence element at p.
func Remove(p fieldpath.Path) finding.Change { return finding.Change{Op: finding.Remove, Path: p} }

// AppendTo adds a scalar to the sequence at p unless it is already there.
func AppendTo(p fieldpath.Path, v any) finding.Change {
	return finding.Change{Op: finding.Append, Path: p, Value: v}
}
