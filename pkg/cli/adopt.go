package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/kubectl-secure/kubectl-secure/pkg/baseline"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// addAdoptionFlags defines the flags for adopting kubectl-secure in a repository that
// already has findings: baselines and --since.
func addAdoptionFlags(f *pflag.FlagSet, o *LintOptions) {
	f.StringVar(&o.WriteBaseline, "write-baseline", "", "Write the run's findings (not the suppressed ones) to this baseline file, sorted, one per line; the run then exits 0 unless an input failed.")
	f.StringVar(&o.Baseline, "baseline", "", "Report only findings this baseline file does not hold (exit status from those alone); its entries that match nothing are reported as fixed (config key: baseline).")
	f.StringVar(&o.Since, "since", "", "Lint only the deploy units the changes since this git revision affect (committed, staged, unstaged and untracked files) and report only the findings they introduced.")
}

// validateAdoption rejects what baselines and --since cannot do together.
func (o *LintOptions) validateAdoption() error {
	if (o.Baseline != "" || o.Since != "") && (o.Fix || o.Diff) {
		return fmt.Errorf("--baseline and --since can't be used together with --fix or --diff")
	}
	if o.WriteBaseline != "" && (o.Fix || o.Diff || o.Since != "") {
		return fmt.Errorf("--write-baseline can't be used together with --fix, --diff or --since")
	}
	if o.Baseline != "" && !o.baselineFromConfig && o.Since != "" {
		return fmt.Errorf("--baseline and --since can't be used together")
	}
	if o.Repo != "" && o.Since != "" {
		return fmt.Errorf("--since can't be used together with --repo")
	}
	return nil
}

// adoptionOptions reads the baseline and sets what the pipeline needs for these flags.
func (o *LintOptions) adoptionOptions(opts pipeline.Options) (pipeline.Options, error) {
	opts.Since = o.Since
	if o.WriteBaseline != "" {
		opts.Fingerprints = true
	}
	if o.Baseline == "" || o.Since != "" || o.WriteBaseline != "" && o.baselineFromConfig {
		return opts, nil
	}
	entries, err := baseline.Read(o.Baseline)
	if err != nil {
		return opts, err
	}
	opts.Baseline = make([]baseline.Known, len(entries))
	for i, e := range entries {
		opts.Baseline[i] = baseline.Known{Entry: e}
	}
	opts.BaselineRoot, opts.BaselineFile = baseline.Root(o.Baseline), o.Baseline
	return opts, nil
}

// writeBaseline writes the findings of res to --write-baseline's file, and makes them
// known: the run reports them as it would with the new baseline.
func (o *LintOptions) writeBaseline(res *pipeline.Result) error {
	if o.WriteBaseline == "" {
		return nil
	}
	root := baseline.Root(o.WriteBaseline)
	known := baseline.Entries(res.Findings, baseline.Relative(root))
	entries := make([]baseline.Entry, len(known))
	for i, k := range known {
		entries[i] = k.Entry
	}
	if err := baseline.Write(o.WriteBaseline, entries); err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: note: wrote %s to %s\n", pipeline.Plural(len(entries), "baseline entry", "baseline entries"), report.Sanitize(o.WriteBaseline))
	res.Findings = nil
	res.Compared = &pipeline.Comparison{Baseline: o.WriteBaseline, Existing: len(entries)}
	return nil
}
