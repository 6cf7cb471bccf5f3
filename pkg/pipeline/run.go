// Package pipeline is the lint pipeline as a library: discover the inputs, load them, run the
// checks, apply the suppressions, plan and apply the fixes (and lint again after writing
// them). Lint is its one entry point; the command line only turns flags and the config
// file into Options and prints the Result, so that what a run does is decided here, once.
package pipeline

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/baseline"
	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
	"github.com/kubectl-secure/kubectl-secure/pkg/suppress"
)

// Options is what a run reads and how it judges and fixes it. The zero value of each
// field is the default of `kubectl secure lint`: every registered check, restricted, no
// config file, every suppression honoured, no fixes.
type Options struct {
	// Inputs, as kubectl names them: Paths are the positional arguments ("-" is Stdin),
	// Filenames -f, Kustomize -k and Recursive -R.
	Paths     []string
	Filenames []string
	Kustomize string
	Recursive bool
	// Repo is the repository the named files belong to (--repo): they are linted in its
	// context and only findings in them are reported.
	Repo string
	// Stdin is read when an input names standard input.
	Stdin io.Reader
	// IncludeHidden walks hidden directories and node_modules too (kubectl apply -R does).
	IncludeHidden bool
	// Exclude are globs of files and directories a directory walk leaves out, matched as
	// the config's skipPaths are.
	Exclude []string
	// LoadOutsideRoot is kustomize's --load-restrictor none.
	LoadOutsideRoot bool

	// Checks are the checks to run (nil: every registered check), Settings what they read.
	Checks   []*check.Check
	Settings *check.Settings
	// PSS is the Pod Security Standards level enforced: baseline drops the findings only
	// restricted forbids.
	PSS string
	// Config is the config file's content (severity overrides, ignore entries, skipPaths).
	Config *config.Config
	// Suppressions says which suppressions are honoured.
	Suppressions suppress.Mode

	// Fix says whether fixes are planned (FixDiff) or written (FixWrite), which then lints
	// again: the Result's Fix holds the outcome.
	Fix FixMode
	// UnsafeFixes adds the fixes that can stop a workload from starting.
	UnsafeFixes bool
	// FixTo says where fixes of objects built by Kustomize go.
	FixTo overlay.FixTo
	// InterruptSignals end the writing of fixes early, leaving every file whole. The
	// handler is installed only while writing, so that a signal during the lint still ends
	// the process as usual.
	InterruptSignals []os.Signal

	// KeepTrees keeps the objects' trees after the checks have read them, for callers that
	// read the loaded objects. Otherwise they are released as soon as each input is checked.
	KeepTrees bool
	// Fingerprints gives every finding its identity (finding.Identity), which baselines
	// compare; a run with Baseline or Since has them anyway.
	Fingerprints bool
	// NoFastPath has yaml.v3 alone read every file, for triage of a parse bug (see
	// manifest.Limits.NoFastPath).
	NoFastPath bool

	// Baseline are the findings already known (--baseline FILE; their files are relative
	// to BaselineRoot): only findings none of them matches are reported and fail the run,
	// and the entries nothing matches are reported as fixed.
	Baseline     []baseline.Known
	BaselineRoot string
	BaselineFile string // as the user named it, for the report
	// Since is a git revision (--since): only the deploy units the changes since it affect
	// are linted, and only the findings they did not have at it are reported.
	Since string
	// Chart are the values and release settings Helm charts are rendered with (--values,
	// --set, --release-name, -n, --kube-version).
	Chart chart.Options
	// PolicyErrors, when set, are the input errors the run's custom checks met evaluating
	// (pkg/policy: an expression the CEL cost limit stopped), read after the checks ran.
	PolicyErrors func() []finding.InputError
}

// FixMode says what a run does with the fixes its findings offer.
type FixMode int

const (
	// NoFix only reports.
	NoFix FixMode = iota
	// FixDiff plans the fixes and leaves them in Result.Fix.Changed; nothing is written.
	FixDiff
	// FixWrite writes the fixes, then lints again (Result.Fix.After).
	FixWrite
)

// Result is what a run found.
type Result struct {
	// Objects are the objects linted, Files the number of distinct files read.
	Objects []*manifest.Object
	Files   int
	// Findings are what the checks found and nobody suppressed, sorted, one per object they
	// reach (fixes are planned from them: each build may need its own patch); Suppressed
	// are the findings a suppression hid. Report merges both to one per place to edit.
	Findings   []finding.Finding
	Suppressed []suppress.Suppressed
	// Errors are the inputs that could not be read; Notes what the user should know that
	// is not an error (a Notes entry without a File is about the whole run).
	Errors []finding.InputError
	Notes  []finding.InputError
	// IgnoredNote says what the suppressions mode set aside, "" when nothing.
	IgnoredNote string
	// Rules describe the checks run, with the severities the config overrides.
	Rules []report.RuleInfo
	// Fix is the outcome of the fixes, nil when the run fixed nothing.
	Fix *FixOutcome
	// Compared is the comparison with Options.Baseline or Options.Since, nil without one.
	Compared *Comparison
}

// Exit statuses (DESIGN.md).
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitError    = 2
)

// ExitCode is the exit status of the run: 2 when an input could not be read or a fix
// could not be written where it had to go, 1 when a finding has at least the severity
// failOn, 0 otherwise. After --fix, the findings are those left after writing.
func (r *Result) ExitCode(failOn finding.Severity) int {
	if fx := r.Fix; fx != nil {
		if fx.Refused || fx.Written != nil && (len(fx.Written.Errors) > 0 || fx.Written.Interrupted) {
			return ExitError
		}
		if fx.After != nil {
			return fx.After.ExitCode(failOn)
		}
	}
	if len(r.Errors) > 0 {
		return ExitError
	}
	for _, f := range r.Findings {
		if f.Severity >= failOn {
			return ExitFindings
		}
	}
	return ExitOK
}

// Report is the Result as the report writers take it: one finding per place to edit
// (finding.Merge), which is what is listed, counted and fails the run (merging keeps the
// highest severity, so ExitCode reads the same from the unmerged findings).
func (r *Result) Report() report.Report {
	places := finding.Merge(slices.Clone(r.Findings))
	return report.Report{Findings: places, Errors: r.Errors, Files: r.Files, Objects: len(r.Objects),
		Rules: r.Rules, Linted: linted(r.Objects), Suppressed: reportSuppressed(suppress.MergeSuppressed(r.Suppressed)),
		Compared: r.Compared.report()}
}

// runner is one run: the options and what the stages leave for the later ones.
type runner struct {
	Options
	// suppressed are the findings the user's suppressions hid; ignoredNote says what the
	// suppressions mode set aside.
	suppressed  []suppress.Suppressed
	ignoredNote string
	// levels are the Pod Security levels the Namespaces of the input enforce, for the
	// --pss filter; levelOf answers the level of an object (nil: --pss for every object).
	levels  *pssLevels
	levelOf func(finding.Instance) string
}

// Lint runs the pipeline on the inputs opts names. Its error is for what stops the run as
// a whole (standard input unreadable); a bad input is a Result error and the others are
// still linted. ctx ends the writing of fixes early.
func Lint(ctx context.Context, opts Options) (*Result, error) {
	if opts.Checks == nil {
		opts.Checks = check.All()
	}
	if opts.Settings == nil {
		opts.Settings = &check.Settings{}
	}
	if opts.Config == nil {
		opts.Config = &config.Config{}
	}
	adviseHugePages(opts)
	r := &runner{Options: opts}
	if opts.Baseline != nil || opts.Since != "" || opts.Fingerprints {
		// Fingerprints read the trees, also those of the cross-object checks' objects.
		r.KeepTrees, r.Fingerprints = true, true
	}
	if opts.Since != "" {
		return r.lintSince()
	}
	if opts.Fix != NoFix {
		return r.lintAndFix(ctx)
	}
	res, err := r.lint()
	if err != nil {
		return nil, err
	}
	if opts.Baseline != nil {
		r.compareBaseline(res)
	}
	return res, nil
}

// lint loads the inputs, runs the selected checks and applies the suppressions. Its
// error is an add-on this binary lacks (a chart without the Helm add-on), returned before
// anything is read, so that the full binary can do the whole run.
func (r *runner) lint() (*Result, error) {
	return r.lintResolved(r.resolve())
}

// resolve finds the inputs the options name.
func (r *runner) resolve() discover.Resolution {
	return discover.ResolveAll(discover.Request{
		Paths: r.Paths, Filenames: r.Filenames, Kustomize: r.Kustomize, Recursive: r.Recursive, Repo: r.Repo,
		IncludeHidden: r.IncludeHidden, Chart: r.Chart,
	})
}

// lintResolved lints the inputs resolve found (or a selection of them).
func (r *runner) lintResolved(resolved discover.Resolution) (*Result, error) {
	inputs, errs := resolved.Inputs, resolved.Errors
	inputs = r.skipInputs(inputs)
	for _, in := range inputs {
		if in.Kind == discover.HelmChart {
			if err := chart.Need(in.Path); err != nil {
				return nil, err
			}
		}
	}
	tuneGC(inputs)
	// Keep what is read from stdin: its suppression comments are read after loading.
	var stdin bytes.Buffer
	in := r.Stdin
	if in != nil {
		in = io.TeeReader(in, &stdin)
	}
	// Each input is checked as soon as it is read. A report needs nothing more of an
	// object's tree once the checks and the suppression annotations have read it, so it
	// is released then; fixes edit the trees and keep them.
	stream := lint.NewStream(r.Checks, r.Settings, len(inputs))
	stream.Identify = r.Fingerprints
	r.levels = newPSSLevels(r.PSS, r.Settings, len(inputs))
	release := r.Fix == NoFix && !r.KeepTrees
	annotations := make([][]suppress.Annotation, len(inputs))
	limits := manifest.DefaultLimits
	limits.LoadOutsideRoot = r.LoadOutsideRoot
	limits.NoFastPath = r.NoFastPath
	scan := r.admissionScan()
	loaded := load.LoadEach(inputs, in, limits, suppress.Marker, func(i int, objs []*manifest.Object) {
		scan.Observe(objs, r.Settings)
		stream.Input(i, objs)
		r.levels.note(i, objs)
		if release {
			annotations[i] = suppress.ReadAnnotations(objs)
			for _, obj := range objs {
				obj.Release()
			}
		}
	})
	errs = append(errs, loaded.Errors...)
	relaxGC()
	// A ValidatingAdmissionPolicyBinding to preview needs the policy add-on: the run is
	// handed over before any output.
	if err := scan.Need(loaded.Objects, r.Settings); err != nil {
		return nil, err
	}
	findings := stream.Finish()
	r.levels.decide()
	if r.levels.any() {
		r.levelOf = r.levels.resolver(loaded.Objects, r.Settings)
	}
	if r.PolicyErrors != nil {
		errs = append(errs, r.PolicyErrors()...)
	}
	findings, errs = r.applySuppressions(findings, loaded, slices.Concat(annotations...), errs, stdin.Bytes())
	if r.Repo != "" {
		findings, r.suppressed = r.inNamed(findings, r.suppressed)
	}
	finding.SortErrors(errs)
	return &Result{Objects: loaded.Objects, Files: loaded.Files, Findings: findings, Suppressed: r.suppressed,
		Errors: errs, Notes: r.inputNotes(resolved, loaded, errs), IgnoredNote: r.ignoredNote, Rules: r.ruleInfos()}, nil
}

// inNamed keeps the findings and suppressed findings located in the files (or below the
// directories) named on the command line: with --repo, the builds that use a named file
// also report on files nobody named.
func (r *runner) inNamed(findings []finding.Finding, suppressed []suppress.Suppressed) ([]finding.Finding, []suppress.Suppressed) {
	var named []string
	for _, p := range slices.Concat(r.Paths, r.Filenames) {
		if p == "-" {
			named = append(named, p)
		} else if abs, err := filepath.Abs(p); err == nil {
			named = append(named, abs)
		}
	}
	in := func(file string) bool {
		if file != "-" {
			if abs, err := filepath.Abs(file); err == nil {
				file = abs
			}
		}
		for _, n := range named {
			if file == n || n != "-" && strings.HasPrefix(file, n+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	findings = slices.DeleteFunc(findings, func(f finding.Finding) bool { return !in(f.File) })
	suppressed = slices.DeleteFunc(suppressed, func(s suppress.Suppressed) bool { return !in(s.Finding.File) })
	return findings, suppressed
}

// ruleInfos describes the selected checks for the report formats that list rules, with the
// severities the user's config overrides.
func (r *runner) ruleInfos() []report.RuleInfo {
	rules := make([]report.RuleInfo, 0, len(r.Checks))
	for _, c := range r.Checks {
		if c.PSS == finding.PSSRestricted && r.PSS == finding.PSSBaseline && (r.levels == nil || !r.levels.raises()) {
			continue // run for the namespaces that enforce restricted; none does
		}
		sev := c.Severity
		if s, ok := r.Config.Severity[c.ID]; ok {
			sev = s.Severity
		}
		var refs []string
		for _, ref := range c.References {
			refs = append(refs, ref.Key())
		}
		rules = append(rules, report.RuleInfo{ID: c.ID, Title: c.Doc.Title, Why: c.Doc.Why, Bad: c.Doc.Bad,
			Good: c.Doc.Good, Fix: c.Doc.Fix, Category: c.Category, Severity: sev, PSS: c.PSS, References: refs})
	}
	return rules
}

// linted places every object where the user edits it, for JUnit's passing testcases.
func linted(objs []*manifest.Object) []report.ObjectInfo {
	out := make([]report.ObjectInfo, 0, len(objs))
	for _, obj := range objs {
		pos := obj.Locate(nil)
		out = append(out, report.ObjectInfo{File: pos.File, Line: pos.Line, Ref: obj.Ref})
	}
	return out
}

// admissionScan is what a binary that cannot evaluate policies keeps of the input to know
// whether the admission preview needs kubectl-secure-full (policy.Scan); nil when the
// preview does not run or this binary runs it.
func (r *runner) admissionScan() *policy.Scan {
	if !slices.Contains(r.Checks, policy.AdmissionCheck) {
		return nil
	}
	return policy.NewScan()
}
