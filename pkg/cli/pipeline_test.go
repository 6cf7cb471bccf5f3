package cli

import (
	"context"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
)

// lintInputs runs the pipeline as Run does, without printing, and returns what it loaded
// and found.
func (o *LintOptions) lintInputs() (load.Loaded, []finding.Finding, []finding.InputError) {
	opts := o.runOptions()
	opts.Fix = pipeline.NoFix
	res, err := pipeline.Lint(context.Background(), opts)
	if err != nil {
		panic(err) // only reading standard input for fixes fails the run as a whole
	}
	return load.Loaded{Objects: res.Objects, Files: res.Files, Errors: res.Errors, Notes: res.Notes}, res.Findings, res.Errors
}
