package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// printReport writes the errors and notes of res on stderr and its report to w in the
// format asked for; the returned error carries the exit status.
func (o *LintOptions) printReport(w io.Writer, res *pipeline.Result) error {
	o.printErrors(res.Errors)
	o.printNotes(res)
	opts := o.reportOptions()
	if o.format.Views {
		opts.Views = views(res, o.settings)
	}
	if err := o.format.Write(w, res.Report(), opts); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return exitStatus(res, o.failOn)
}

// exitStatus is nil for a run that passed, and otherwise carries its exit status.
func exitStatus(res *pipeline.Result, failOn finding.Severity) error {
	if code := res.ExitCode(failOn); code != pipeline.ExitOK {
		return exitError{code}
	}
	return nil
}

// printErrors writes the input errors on stderr.
func (o *LintOptions) printErrors(errs []finding.InputError) {
	for _, e := range errs {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: error: %s\n", report.Sanitize(e.Error()))
	}
}

// printNotes writes what the user should know that is not an error, after the errors.
func (o *LintOptions) printNotes(res *pipeline.Result) {
	for _, n := range res.Notes {
		text := n.Error()
		if n.File == "" {
			text = n.Message // about the run, not one file
		}
		fmt.Fprintf(o.ErrOut, "kubectl-secure: note: %s\n", report.Sanitize(text))
	}
	if res.IgnoredNote != "" {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: note: %s\n", report.Sanitize(res.IgnoredNote))
	}
}

// reportOptions are the writer options the flags ask for.
func (o *LintOptions) reportOptions() report.FormatOptions {
	return report.FormatOptions{Color: o.colorOn, ShowSuppressed: o.ShowSuppressed, WorkDir: workDir()}
}

// workDir is what SARIF and GitHub paths are made relative to; without it they stay as the
// user gave them.
func workDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return wd
}
