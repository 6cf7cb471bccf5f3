package cli

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
	"github.com/kubectl-secure/kubectl-secure/pkg/suppress"
)

// LintOptions holds everything `kubectl secure lint` was asked to do.
type LintOptions struct {
	genericiooptions.IOStreams

	Filenames []string
	Kustomize string
	Recursive bool
	// Repo is the repository the named files belong to (--repo): they are linted in its
	// context and only findings in them are reported.
	Repo string

	Output            string
	Color             string
	FailOn            string
	Enable, Disable   []string
	PSS               string
	Namespace         string
	AllowedRegistries []string
	CoveredNamespaces []string
	ConfigFile        string

	// Fix writes safe fixes in place; Diff prints them as a unified diff instead;
	// UnsafeFixes adds the fixes that can stop a workload from starting.
	Fix, Diff, UnsafeFixes bool
	// FixTo says where fixes of objects built by Kustomize go: overlay, source, or "" to
	// decide per object.
	FixTo string
	// ShowSuppressed lists suppressed findings in text output.
	ShowSuppressed bool
	// IncludeHidden walks hidden directories and node_modules too (kubectl apply -R does).
	IncludeHidden bool
	// Exclude are globs of files and directories a directory walk leaves out, matched as
	// the config's skipPaths are.
	Exclude []string
	// Suppressions says which suppressions are honoured: all, config or none.
	Suppressions string
	// LoadRestrictor is kustomize's --load-restrictor: rootOnly (default) or none.
	LoadRestrictor string

	// Set by Complete.
	config   *config.Config
	paths    []string
	failOn   finding.Severity
	checks   []*check.Check
	colorOn  bool
	settings *check.Settings
	// suppressed are the findings of the last lint the user's suppressions hid.
	suppressed []suppress.Suppressed
	// loadOutsideRoot is --load-restrictor none.
	loadOutsideRoot bool
	// keepTrees keeps the objects' trees after the checks have read them, for callers
	// that read the loaded objects (fixes are applied to them). Otherwise they are released.
	keepTrees bool
	// suppressionMode is Suppressions parsed; ignoredNote says what it set aside, "" when
	// nothing.
	suppressionMode suppress.Mode
	ignoredNote     string
}

// defaultLintOptions holds the defaults of the lint flags; `checks --show-config` starts
// from them too.
func defaultLintOptions(streams genericiooptions.IOStreams) *LintOptions {
	return &LintOptions{IOStreams: streams, Output: "text", Color: "auto", FailOn: "low", PSS: "restricted", Suppressions: string(suppress.HonourAll), LoadRestrictor: "rootOnly"}
}

func newLintCommand(streams genericiooptions.IOStreams) *cobra.Command {
	return lintCommand(defaultLintOptions(streams))
}

// lintCommand is the lint command that runs o.
func lintCommand(o *LintOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lint [PATH...] [-f FILE|DIR|-]... [-k DIR] [-R]",
		Short: "Lint manifests, directories and Kustomize overlays for security problems",
		Long: `Lint Kubernetes manifests for security problems.

A PATH may be a file, a directory or - (stdin). A directory holding a kustomization is built
with Kustomize and the built objects are linted, each finding pointing at the file the user
edits (base resource, overlay patch or kustomization entry). Any other directory is linted as
a repository: every top kustomization in it is built once, files that belong to a
kustomization tree are not linted again on their own, and every other *.yaml, *.yml and
*.json file is linted as a plain manifest. With no PATH, -f or -k, the current directory is
linted.

A walk leaves out hidden directories and node_modules (--include-hidden lints them), what
--exclude or the config's skipPaths match, and Helm charts, which are not rendered yet; a
note on stderr names the directories and charts left out. A file that does not parse and
is no manifest (a well-known tool's file, or no apiVersion or kind at the start of a line,
and kubectl reads no object from it) is a note, not an error.

--diff prints the fixes findings offer as one unified diff (git apply accepts it) and
changes nothing; --fix applies them in place, keeping comments and formatting, then lints
again and reports what is left. Only safe fixes are applied unless --unsafe-fixes is given.
Fixes of objects built by Kustomize go, with --fix-to overlay, into a strategic-merge patch
(kubectl-secure-fixes.yaml) registered in the overlay's kustomization, leaving the base as it
is; with --fix-to source, into the file the object came from. A value the overlay's own patch
sets is fixed in that patch. The default is source when the base lies inside the overlay's
directory; for a shared base, a change every overlay of the run needs is made once in the
base (each overlay rebuilt and checked), other changes in a patch of each overlay.

A finding is suppressed, with a reason that is required, by a comment on its line or alone
on the line above ("# kubectl-secure:ignore CHECK[,CHECK] reason"), by the annotation
kubectl-secure.io/ignore: "CHECK[,CHECK]: reason" on the object or its pod template, or by
an ignore entry in the config file. An annotation or comment applies only to the object that
carries it: that document of that file, or the objects built from it in each build whose
object carries it. Suppressed findings do not fail the run; --show-suppressed lists them (in
SARIF, as results that carry a suppression). A suppression that matches nothing is reported
as stale-suppression. --suppressions config honours only the config file's ignore entries
(for pull requests, whose authors write the annotations and comments: take the config from
the base branch with --config), and --suppressions none honours nothing.

Exit status: 0 no finding at or above --fail-on, 1 findings, 2 usage, configuration or
input errors (even when findings were printed too).`,
		Example: `  kubectl secure lint deploy.yaml
  kubectl secure lint overlays/prod -o json
  kubectl secure lint -f manifests/ -R --fail-on high
  kubectl secure lint manifests/ --diff | git apply
  kustomize build . | kubectl secure lint -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	f := cmd.Flags()
	addFileFlags(f, o)
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: text, json, sarif (GitHub code scanning), github (workflow annotations) or junit.")
	f.StringVar(&o.Color, "color", o.Color, "Colour in text output: auto, always or never (auto honours NO_COLOR and colours only a terminal).")
	f.StringVar(&o.FailOn, "fail-on", o.FailOn, "Exit 1 when a finding has at least this severity: low, medium, high or critical.")
	f.StringSliceVar(&o.Enable, "enable", nil, "Run only these checks or categories (comma-separated or repeated).")
	f.StringSliceVar(&o.Disable, "disable", nil, "Do not run these checks or categories.")
	f.StringVar(&o.PSS, "pss", o.PSS, "Pod Security Standards level to enforce: baseline or restricted.")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "Namespace of objects that set none (as kubectl apply -n); default \"default\".")
	f.StringVar(&o.ConfigFile, "config", "", "Config file (default: "+config.FileName+" in the working directory or the nearest parent).")
	f.StringSliceVar(&o.CoveredNamespaces, "covered-namespaces", nil, "Namespaces (shell globs) whose NetworkPolicies are managed elsewhere, e.g. by a platform repository.")
	f.StringSliceVar(&o.AllowedRegistries, "allowed-registries", nil, "Image registries (or registry/path prefixes) images may come from; empty allows any.")
	f.BoolVar(&o.Fix, "fix", false, "Apply safe fixes in place (stdin input: write the fixed stream to stdout), then report what is left.")
	f.BoolVar(&o.Diff, "diff", false, "Print the fixes as a unified diff that git apply accepts; change nothing.")
	f.BoolVar(&o.ShowSuppressed, "show-suppressed", false, "List suppressed findings with their reasons and where each suppression is written (JSON always lists them; SARIF adds them as results with suppressions).")
	f.StringVar(&o.FixTo, "fix-to", "", "With --fix or --diff, where fixes of Kustomize builds go: overlay (a patch in each overlay) or source (the base file); default: source for a base inside the overlay, and for a shared base the base for changes every overlay of the run needs, a patch in each overlay for the others.")
	f.StringVar(&o.Repo, "repo", "", "Lint the named files as part of the repository in this directory (pre-commit: --repo .): a file a Kustomize tree there uses (a base resource, a patch, a kustomization) is linted through the builds of the top kustomizations that use it, not as an object of its own, and only findings in the named files are reported.")
	f.StringVar(&o.Suppressions, "suppressions", o.Suppressions, "Which suppressions to honour: all, config (only the config file's ignore entries, not annotations and comments a change brings) or none (config key: suppressions).")
	f.StringVar(&o.LoadRestrictor, "load-restrictor", o.LoadRestrictor, "As kustomize's: rootOnly lets a Kustomize build read files only inside its kustomization's directory; none lets it read any local file (what the build reads can show in findings and fixes; remote bases and plugins stay refused).")
	f.BoolVar(&o.UnsafeFixes, "unsafe-fixes", false, "With --fix or --diff, also apply fixes that can stop a workload from starting (runAsNonRoot, drop ALL, read-only root).")
	f.BoolVar(&o.IncludeHidden, "include-hidden", false, "Also lint hidden directories and node_modules, which a directory walk leaves out (kubectl apply -R reads them); .git and other version-control directories are never read.")
	f.StringArrayVar(&o.Exclude, "exclude", nil, "Leave out files and directories a directory walk finds that match this glob (repeatable; ** for any number of directories; matched like the config's skipPaths, against the path as printed and relative to the directory named). A file named on the command line is linted anyway.")
	return cmd
}

// Complete derives what Run needs from flags and arguments.
func (o *LintOptions) Complete(cmd *cobra.Command, args []string) error {
	cfg, err := loadConfig(o.ConfigFile)
	if err != nil {
		return err
	}
	o.config = cfg
	applyConfig(cmd, o, cfg)
	o.paths = args
	if len(args) == 0 && len(o.Filenames) == 0 && o.Kustomize == "" {
		o.paths = []string{"."}
	}
	sev, err := finding.ParseSeverity(o.FailOn)
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	o.failOn = sev
	o.settings = &check.Settings{Namespace: o.Namespace, AllowedRegistries: o.AllowedRegistries, CoveredNamespaces: o.CoveredNamespaces}
	o.settings.DeployScope = deployScope(cfg)
	switch o.LoadRestrictor {
	case "rootOnly", "LoadRestrictionsRootOnly":
		o.loadOutsideRoot = false
	case "none", "LoadRestrictionsNone":
		o.loadOutsideRoot = true
	default:
		return fmt.Errorf("--load-restrictor must be rootOnly or none, not %q", o.LoadRestrictor)
	}
	switch o.Color {
	case "always":
		o.colorOn = true
	case "never":
		o.colorOn = false
	case "auto":
		o.colorOn = colorWanted(o.Out)
	default:
		return fmt.Errorf("--color must be auto, always or never, not %q", o.Color)
	}
	return nil
}

// Validate rejects combinations kubectl rejects too, and unknown names.
func (o *LintOptions) Validate() error {
	if o.Kustomize != "" && (len(o.Filenames) > 0 || o.Recursive) {
		return fmt.Errorf("-k/--kustomize can't be used together with -f/--filename or -R/--recursive")
	}
	if o.Repo != "" {
		if o.Kustomize != "" {
			return fmt.Errorf("--repo can't be used together with -k/--kustomize")
		}
		if info, err := os.Stat(o.Repo); err != nil || !info.IsDir() {
			return fmt.Errorf("--repo %s: not a directory", o.Repo)
		}
	}
	if o.Fix && o.Diff {
		return fmt.Errorf("--fix and --diff can't be used together")
	}
	if o.UnsafeFixes && !o.Fix && !o.Diff {
		return fmt.Errorf("--unsafe-fixes needs --fix or --diff")
	}
	if err := o.validateFixTo(); err != nil {
		return err
	}
	if err := o.validateExclude(); err != nil {
		return err
	}
	switch o.Output {
	case "text", "json", "sarif", "github", "junit":
	default:
		return fmt.Errorf("unknown output format %q: want text, json, sarif, github or junit", o.Output)
	}
	checks, err := check.Select(o.Enable, o.Disable)
	if err != nil {
		return err
	}
	if err := validateOverrides(o.config); err != nil {
		return err
	}
	if err := suppress.ValidateConfig(o.config); err != nil {
		return err
	}
	mode, err := suppress.ParseMode(o.Suppressions)
	if err != nil {
		return err
	}
	o.suppressionMode = mode
	switch o.PSS {
	case "restricted":
	case "baseline":
		// The restricted controls are not part of what the user enforces.
		kept := checks[:0]
		for _, c := range checks {
			if c.PSS != finding.PSSRestricted {
				kept = append(kept, c)
			}
		}
		checks = kept
	default:
		return fmt.Errorf("--pss must be baseline or restricted, not %q", o.PSS)
	}
	o.checks = checks
	return nil
}

// Run lints and writes the report; the returned error carries the exit status.
func (o *LintOptions) Run() error {
	if o.Fix || o.Diff {
		return o.runFix()
	}
	loaded, findings, errs := o.lintInputs()

	rep := report.Report{Findings: findings, Errors: errs, Files: loaded.Files, Objects: len(loaded.Objects),
		Rules: o.ruleInfos(), Linted: linted(loaded.Objects), Suppressed: reportSuppressed(o.suppressed)}
	for _, e := range errs {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: error: %s\n", report.Sanitize(e.Error()))
	}
	o.printNotes(loaded.Notes)
	var err error
	switch o.Output {
	case "json":
		err = report.JSON(o.Out, rep)
	case "sarif":
		err = report.SARIF(o.Out, rep, report.SARIFOptions{WorkDir: workDir(), Suppressed: o.ShowSuppressed})
	case "github":
		err = report.GitHub(o.Out, rep, report.GitHubOptions{WorkDir: workDir()})
	case "junit":
		err = report.JUnit(o.Out, rep)
	default:
		err = report.Text(o.Out, rep, report.TextOptions{Color: o.colorOn, ShowSuppressed: o.ShowSuppressed})
	}
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	switch {
	case len(errs) > 0:
		return exitError{ExitError}
	case failing(findings, o.failOn):
		return exitError{ExitFindings}
	}
	return nil
}

// lintInputs loads the inputs, runs the selected checks and applies the suppressions; the
// suppressed findings are left in o.suppressed.
func (o *LintOptions) lintInputs() (load.Loaded, []finding.Finding, []finding.InputError) {
	resolved := discover.ResolveAll(discover.Request{
		Paths: o.paths, Filenames: o.Filenames, Kustomize: o.Kustomize, Recursive: o.Recursive, Repo: o.Repo,
		IncludeHidden: o.IncludeHidden,
	})
	inputs, errs := resolved.Inputs, resolved.Errors
	inputs = o.skipInputs(inputs)
	tuneGC(inputs)
	// Keep what is read from stdin: its suppression comments are read after loading.
	var stdin bytes.Buffer
	in := o.In
	if in != nil {
		in = io.TeeReader(in, &stdin)
	}
	// Each input is checked as soon as it is read. A report needs nothing more of an
	// object's tree once the checks and the suppression annotations have read it, so it
	// is released then; fixes edit the trees and keep them.
	stream := lint.NewStream(o.checks, o.settings, len(inputs))
	release := !o.Fix && !o.Diff && !o.keepTrees
	annotations := make([][]suppress.Annotation, len(inputs))
	limits := manifest.DefaultLimits
	limits.LoadOutsideRoot = o.loadOutsideRoot
	// For triage of a parse bug: yaml.v3 alone reads every file (see manifest.Limits).
	limits.NoFastPath, _ = strconv.ParseBool(os.Getenv("KUBECTL_SECURE_NO_FASTPATH"))
	loaded := load.LoadEach(inputs, in, limits, suppress.Marker, func(i int, objs []*manifest.Object) {
		stream.Input(i, objs)
		if release {
			annotations[i] = suppress.ReadAnnotations(objs)
			for _, obj := range objs {
				obj.Release()
			}
		}
	})
	errs = append(errs, loaded.Errors...)
	relaxGC()
	findings := stream.Finish()
	findings, errs = o.applySuppressions(findings, loaded, slices.Concat(annotations...), errs, stdin.Bytes())
	if o.Repo != "" {
		findings, o.suppressed = o.inNamed(findings, o.suppressed)
	}
	finding.SortErrors(errs)
	loaded.Notes = o.inputNotes(resolved, loaded, errs)
	return loaded, findings, errs
}

// inNamed keeps the findings and suppressed findings located in the files (or below the
// directories) named on the command line: with --repo, the builds that use a named file
// also report on files nobody named.
func (o *LintOptions) inNamed(findings []finding.Finding, suppressed []suppress.Suppressed) ([]finding.Finding, []suppress.Suppressed) {
	var named []string
	for _, p := range slices.Concat(o.paths, o.Filenames) {
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

// printNotes writes what the user should know that is not an error, after the errors.
func (o *LintOptions) printNotes(notes []finding.InputError) {
	for _, n := range notes {
		text := n.Error()
		if n.File == "" {
			text = n.Message // about the run, not one file
		}
		fmt.Fprintf(o.ErrOut, "kubectl-secure: note: %s\n", report.Sanitize(text))
	}
	if o.ignoredNote != "" {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: note: %s\n", report.Sanitize(o.ignoredNote))
	}
}

func failing(fs []finding.Finding, at finding.Severity) bool {
	for _, f := range fs {
		if f.Severity >= at {
			return true
		}
	}
	return false
}

// colorWanted decides --color=auto from the writer itself: fatih/color would look at
// os.Stdout whatever we write to.
func colorWanted(w any) bool {
	if os.Getenv("NO_COLOR") != "" { // no-color.org: set and not empty
		return false
	}
	if strings.EqualFold(os.Getenv("TERM"), "dumb") {
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// dropRestricted removes findings that only the restricted profile forbids. Selecting checks
// is not enough: a check tagged baseline can report a finding that is restricted-only (an
// unmasked /proc in a user namespace, for one).
func dropRestricted(findings []finding.Finding) []finding.Finding {
	kept := findings[:0]
	for _, f := range findings {
		if f.PSS != finding.PSSRestricted {
			kept = append(kept, f)
		}
	}
	return kept
}

// ruleInfos describes the selected checks for the report formats that list rules, with the
// severities the user's config overrides.
func (o *LintOptions) ruleInfos() []report.RuleInfo {
	rules := make([]report.RuleInfo, 0, len(o.checks))
	for _, c := range o.checks {
		sev := c.Severity
		if s, ok := o.config.Severity[c.ID]; ok {
			sev = s.Severity
		}
		rules = append(rules, report.RuleInfo{ID: c.ID, Title: c.Doc.Title, Why: c.Doc.Why, Bad: c.Doc.Bad,
			Good: c.Doc.Good, Fix: c.Doc.Fix, Category: c.Category, Severity: sev, PSS: c.PSS})
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

// workDir is what SARIF and GitHub paths are made relative to; without it they stay as the
// user gave them.
func workDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	return wd
}

// addFileFlags defines -f, -k and -R as kubectl does (same names, help and completion).
// They are written out rather than taken from cli-runtime's FileNameFlags, which would link
// client-go's API scheme and its start-up cost into every run for three flag definitions.
func addFileFlags(f *pflag.FlagSet, o *LintOptions) {
	f.BoolVarP(&o.Recursive, "recursive", "R", false, "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.")
	f.StringSliceVarP(&o.Filenames, "filename", "f", nil, "File, directory or - (stdin) with manifests to lint; repeatable.")
	_ = f.SetAnnotation("filename", cobra.BashCompFilenameExt, []string{"json", "yaml", "yml"})
	f.StringVarP(&o.Kustomize, "kustomize", "k", "", "Process a kustomization directory. This flag can't be used together with -f or -R.")
}

// tuneGC adapts the collector to what the run holds. Runs over plain files release each
// file's trees once it is checked, so little stays alive and most of the collector's cost
// is how often it starts; they collect every fivefold growth (GOGC=400) under a soft limit
// that keeps their peak memory low (on the corpus 0.43 s, against 0.52 s at GOGC=200 and
// 0.57 s at GOGC=800, where fresh memory costs more page faults). Kustomize builds are the opposite: kustomize copies every resource several times and
// a build allocates about 40 times what it keeps, so a limit would make the collector run
// continuously, and even the default pacing spends a quarter of the run collecting;
// collecting less often (GOGC=200) makes them about 25% faster for about 1.5 times the
// peak memory. GOGC and GOMEMLIMIT in the environment always win. Both settings are
// process-wide, which is fine for a command that lints once and exits.
func tuneGC(inputs []discover.Input) {
	kustomize := false
	for _, in := range inputs {
		kustomize = kustomize || in.Kind == discover.Kustomize
	}
	switch {
	case kustomize && os.Getenv("GOGC") == "":
		debug.SetGCPercent(200)
	case !kustomize && os.Getenv("GOMEMLIMIT") == "":
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(400)
		}
		debug.SetMemoryLimit(plainMemoryLimit)
	}
}

// plainMemoryLimit is the soft limit of plain runs.
const plainMemoryLimit = 120 << 20

// relaxGC lifts the soft limit once the inputs are loaded if they keep more than half of it
// alive: on a repository much larger than usual a limit near the live heap would make the
// collector run without pause for the rest of the run, and the pacing alone is better there.
func relaxGC() {
	if os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != plainMemoryLimit {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > plainMemoryLimit/2 {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}
