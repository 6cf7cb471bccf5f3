package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/chartfix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// validateFixTo checks --fix-to, which only means something with --fix or --diff.
func (o *LintOptions) validateFixTo() error {
	if f, ok := chartfix.ValuesFile(o.FixTo); ok || o.FixTo == "values-file" {
		if f == "" || o.FixTo == "values-file" {
			return fmt.Errorf("--fix-to values-file=FILE needs a file")
		}
		if info, err := os.Stat(filepath.Dir(f)); err != nil || !info.IsDir() {
			return fmt.Errorf("--fix-to values-file=%s: the directory %s does not exist", f, filepath.Dir(f))
		}
	} else if _, err := overlay.ParseFixTo(o.FixTo); err != nil {
		return err
	}
	if o.FixTo != "" && !o.Fix && !o.Diff {
		return fmt.Errorf("--fix-to needs --fix or --diff")
	}
	return nil
}

// printFixed prints what a --diff or --fix run did: what was fixed and what not, then the
// diff, or after --fix the report of what is left (after the fixed stream, when standard
// input was fixed: the stream goes to stdout, where a pipeline expects it, and the report
// to stderr).
func (o *LintOptions) printFixed(res *pipeline.Result) error {
	fx := res.Fix
	o.fixSummary(fx)
	o.adviceSummary(fx.Advice)
	if o.Diff {
		o.printErrors(res.Errors)
		o.printNotes(res)
		if err := fix.WriteDiff(o.Out, displayFiles(fx.Changed)); err != nil {
			return fmt.Errorf("writing the diff: %w", err)
		}
		return exitStatus(res, o.failOn)
	}
	for _, err := range fx.Written.Errors {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: error: %s\n", report.Sanitize(err.Error()))
	}
	if fx.Written.Interrupted {
		o.reportInterrupted(fx.Written)
		return exitStatus(res, o.failOn)
	}
	out := o.Out
	if fx.Stdin != nil {
		if _, err := o.Out.Write(fx.Stdin); err != nil {
			return fmt.Errorf("writing the fixed stream: %w", err)
		}
		out = o.ErrOut
	}
	err := o.printReport(out, fx.After)
	if fx.Refused || len(fx.Written.Errors) > 0 {
		return exitError{ExitError}
	}
	return err
}

// reportInterrupted says, after a signal, which files were written and which were not.
func (o *LintOptions) reportInterrupted(w *fix.WriteReport) {
	list := func(files []string) string {
		if len(files) == 0 {
			return "none"
		}
		return report.Sanitize(strings.Join(files, ", "))
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: interrupted: %s written (%s); %s not written (%s)\n",
		pipeline.Plural(len(w.Written), "file"), list(w.Written), pipeline.Plural(len(w.NotWritten), "file"), list(w.NotWritten))
}

// fixSummary tells on stderr what was fixed and what was not, and why; a fix refused for
// where it would write is an error (the run's exit status is 2).
func (o *LintOptions) fixSummary(fx *pipeline.FixOutcome) {
	res, changed := fx.Applied, fx.Changed
	fixes, changes := res.Fixed()
	files := 0
	for _, f := range changed {
		if f.Path != fix.Stdin {
			files++
		}
	}
	verb := "fixed"
	if o.Diff {
		verb = "would fix"
	}
	where := pipeline.Plural(files, "file")
	if files == 0 && len(changed) > 0 {
		where = "standard input"
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: %s %s (%s) in %s\n", verb, pipeline.Plural(fixes, "finding"), pipeline.Plural(changes, "change"), where)
	skipped := res.Skipped()
	if n := skipped[fix.SkipUnsafe]; n > 0 {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (unsafe; use --unsafe-fixes)\n", pipeline.Plural(n, "fix", "fixes"))
	}
	if n := skipped[fix.SkipOverlay]; n > 0 {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (Kustomize overlay)\n", pipeline.Plural(n, "fix", "fixes"))
	}
	var reasons []string
	for r := range skipped {
		if r != fix.SkipUnsafe && r != fix.SkipOverlay {
			reasons = append(reasons, r)
		}
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (%s)\n", pipeline.Plural(skipped[r], "fix", "fixes"), r)
	}
	for _, f := range res.Failed() {
		level := "warning"
		if errors.Is(f.Err, fix.ErrUnsafePath) {
			level = "error"
		}
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s: %s:%d: %s: fix not applied: %s\n",
			level, f.Finding.File, f.Finding.Line, f.Finding.Check, report.Sanitize(f.Err.Error()))
	}
}

// adviceSummary says which findings offer advice that no fix applies, so that every fix a
// report shows is either applied or explained.
func (o *LintOptions) adviceSummary(checks []fix.AdviceCount) {
	if len(checks) == 0 {
		return
	}
	n := 0
	for _, c := range checks {
		n += c.Count
	}
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.Check
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (advice only, no automatic fix: %s)\n", pipeline.Plural(n, "fix", "fixes"), strings.Join(names, ", "))
}

// displayFiles names files in the diff relative to the working directory, as `git apply`
// run there expects them.
func displayFiles(files []*fix.File) []*fix.File {
	wd, _ := os.Getwd()
	out := make([]*fix.File, len(files))
	for i, f := range files {
		c := *f
		if filepath.IsAbs(c.Path) && wd != "" {
			if rel, err := filepath.Rel(wd, c.Path); err == nil && !strings.HasPrefix(rel, "..") {
				c.Path = rel
			}
		}
		out[i] = &c
	}
	return out
}
