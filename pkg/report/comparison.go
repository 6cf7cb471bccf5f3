package report

import (
	"fmt"
	"path"
	"path/filepath"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Comparison says what a run compared its findings with (a baseline file, or the findings
// of an earlier revision) and what it found there: the findings that existed already and
// are not reported, and those fixed since. Report.Findings are then the new findings.
type Comparison struct {
	// Baseline is the baseline file, Since the revision; one of them is set.
	Baseline string `json:"file,omitempty"`
	Since    string `json:"since,omitempty"`
	// Existing counts the findings (places) that matched and are not reported.
	Existing int `json:"existing"`
	// Fixed are the known findings nothing matches any more.
	Fixed []Fixed `json:"fixed"`
	// Units are the deploy units linted (--since: the ones the change affects).
	Units []string `json:"units,omitempty"`
}

// Fixed is a known finding that is gone: its check, where it was (the line when an earlier
// revision's finding says it), the object as its source names it, the field path, and the
// environments (overlays or deploy units) it reached.
type Fixed struct {
	Check        string   `json:"check"`
	File         string   `json:"file"`
	Line         int      `json:"line,omitempty"`
	Object       string   `json:"object"`
	Path         string   `json:"path"`
	Environments []string `json:"environments,omitempty"`
}

// Environments are the environments a finding reaches: the overlay that built each object
// it reaches, or, for an object of a plain file, its deploy unit (the file's directory).
func Environments(f *finding.Finding) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range f.Reaches() {
		env := r.Overlay
		if env == "" {
			env = UnitOf(f.File)
		}
		if !seen[env] {
			seen[env] = true
			out = append(out, env)
		}
	}
	return out
}

// UnitOf is the deploy unit of a plain file: its directory ("." for the working directory),
// or "-" for standard input.
func UnitOf(file string) string {
	if file == "-" {
		return file
	}
	if filepath.Separator != '/' {
		return filepath.Dir(file)
	}
	return path.Dir(file)
}

// summary says what the comparison left out: "12 existing (baseline .kubectl-secure-baseline),
// 2 fixed".
func (c *Comparison) summary() string {
	against := "baseline " + Sanitize(c.Baseline)
	if c.Since != "" {
		against = "at " + Sanitize(c.Since)
	}
	return fmt.Sprintf("%d existing (%s), %d fixed", c.Existing, against, len(c.Fixed))
}
