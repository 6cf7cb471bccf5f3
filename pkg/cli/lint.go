package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/apilifecycle"
	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
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
	// KubeVersion is the Kubernetes version deployed to (--kube-version), "" for the
	// newest the build knows: apiVersions are judged at it and Helm charts render for it
	// (.Capabilities.KubeVersion).
	KubeVersion string
	// Baseline reports only findings the baseline file does not hold; WriteBaseline
	// writes the run's findings to a baseline file; Since reports only the findings the
	// changes since a git revision introduced (see adopt.go).
	Baseline, WriteBaseline, Since string
	// baselineFromConfig says Baseline is the config file's, which --write-baseline
	// replaces rather than reads.
	baselineFromConfig bool
	// Values, Set, SetString and ReleaseName are what helm template takes for charts.
	Values, Set, SetString []string
	ReleaseName            string
	// Policies are --policy files and directories of ValidatingAdmissionPolicies run as
	// checks; AdmissionAudit reports the Audit actions of the input's bindings too.
	Policies       []string
	AdmissionAudit bool

	// Set by Complete.
	config   *config.Config
	paths    []string
	failOn   finding.Severity
	checks   []*check.Check
	colorOn  bool
	settings *check.Settings
	// format is Output's entry in the table of formats.
	format report.Format
	// loadOutsideRoot is --load-restrictor none.
	loadOutsideRoot bool
	// keepTrees keeps the objects' trees after the checks have read them, for callers
	// that read the loaded objects (fixes are applied to them). Otherwise they are released.
	keepTrees bool
	// suppressionMode is Suppressions parsed.
	suppressionMode suppress.Mode
	// policies are the custom checks of --policy and the config's policies, nil for none.
	policies *policy.Run
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

A directory with a Chart.yaml (or a packaged .tgz) is a Helm chart: it is rendered in-process
as helm template would, with --values, --set, --set-string, --release-name, -n and
--kube-version, and once more per chart-testing values file (ci/*-values.yaml); each finding
points at the values file line that set the value, or the template line that wrote it. A
walk renders every chart that is not another chart's subchart.

A walk leaves out hidden directories and node_modules (--include-hidden lints them) and what
--exclude or the config's skipPaths match; a note on stderr names the directories left out. A file that does not parse and
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
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format: "+report.FormatNames(true)+".")
	f.StringVar(&o.Color, "color", o.Color, "Colour in text output: auto, always or never (auto honours NO_COLOR and colours only a terminal).")
	f.StringVar(&o.FailOn, "fail-on", o.FailOn, "Exit 1 when a finding has at least this severity: low, medium, high or critical.")
	f.StringSliceVar(&o.Enable, "enable", nil, "Run only these checks, categories or references (cis-5.2, mitre-t1611, nsa-pod-security: a key or its dotted prefix; comma-separated or repeated).")
	f.StringSliceVar(&o.Disable, "disable", nil, "Do not run these checks, categories or references.")
	f.StringVar(&o.PSS, "pss", o.PSS, "Pod Security Standards level to enforce: baseline or restricted.")
	f.StringVarP(&o.Namespace, "namespace", "n", "", "Namespace of objects that set none (as kubectl apply -n); default \"default\".")
	f.StringVar(&o.ConfigFile, "config", "", "Config file (default: "+config.FileName+" in the working directory or the nearest parent).")
	f.StringSliceVar(&o.CoveredNamespaces, "covered-namespaces", nil, "Namespaces (shell globs) whose NetworkPolicies are managed elsewhere, e.g. by a platform repository.")
	f.StringSliceVar(&o.AllowedRegistries, "allowed-registries", nil, "Image registries (or registry/path prefixes) images may come from; empty allows any.")
	f.BoolVar(&o.Fix, "fix", false, "Apply safe fixes in place (stdin input: write the fixed stream to stdout), then report what is left.")
	f.BoolVar(&o.Diff, "diff", false, "Print the fixes as a unified diff that git apply accepts; change nothing.")
	f.BoolVar(&o.ShowSuppressed, "show-suppressed", false, "List suppressed findings with their reasons and where each suppression is written (JSON always lists them; SARIF adds them as results with suppressions).")
	f.StringVar(&o.FixTo, "fix-to", "", "With --fix or --diff, where fixes of Kustomize builds go: overlay (a patch in each overlay) or source (the base file); default: source for a base inside the overlay, and for a shared base the base for changes every overlay of the run needs, a patch in each overlay for the others. For Helm charts, values-file=FILE writes the values changes into the override values file FILE (merged into it when it exists) instead of the values file that set each value.")
	f.StringVar(&o.Repo, "repo", "", "Lint the named files as part of the repository in this directory (pre-commit: --repo .): a file a Kustomize tree there uses (a base resource, a patch, a kustomization) is linted through the builds of the top kustomizations that use it, not as an object of its own, and only findings in the named files are reported.")
	f.StringVar(&o.Suppressions, "suppressions", o.Suppressions, "Which suppressions to honour: all, config (only the config file's ignore entries, not annotations and comments a change brings) or none (config key: suppressions).")
	f.StringVar(&o.LoadRestrictor, "load-restrictor", o.LoadRestrictor, "As kustomize's: rootOnly lets a Kustomize build read files only inside its kustomization's directory; none lets it read any local file (what the build reads can show in findings and fixes; remote bases and plugins stay refused).")
	f.BoolVar(&o.UnsafeFixes, "unsafe-fixes", false, "With --fix or --diff, also apply fixes that can stop a workload from starting (runAsNonRoot, drop ALL, read-only root).")
	f.BoolVar(&o.IncludeHidden, "include-hidden", false, "Also lint hidden directories and node_modules, which a directory walk leaves out (kubectl apply -R reads them); .git and other version-control directories are never read.")
	f.StringVar(&o.KubeVersion, "kube-version", "", "Kubernetes version the manifests are deployed to, MAJOR.MINOR (deprecated and removed apiVersions are judged at it, Helm charts render for it; config key: kubeVersion); default: the newest the build knows, "+apilifecycle.Newest+".")
	addAdoptionFlags(f, o)
	f.StringArrayVar(&o.Values, "values", nil, "Helm charts: a values file, as helm template --values (repeatable, a later file wins; relative to the working directory).")
	f.StringArrayVar(&o.Set, "set", nil, "Helm charts: set a value, as helm template --set (repeatable; wins over --values).")
	f.StringArrayVar(&o.SetString, "set-string", nil, "Helm charts: set a string value, as helm template --set-string (repeatable).")
	f.StringVar(&o.ReleaseName, "release-name", chart.DefaultReleaseName, "Helm charts: the release name (.Release.Name), as helm template's.")
	f.StringArrayVar(&o.Policies, "policy", nil, "Run the ValidatingAdmissionPolicies of this file or directory (repeatable; also the config's policies:) as checks policy:NAME on every object they match, with the API server's CEL libraries (kubectl-secure-full, which kubectl-secure runs for it).")
	f.BoolVar(&o.AdmissionAudit, "admission-audit", false, "Admission preview: also report what the input's ValidatingAdmissionPolicyBindings would only audit (validationActions: [Audit]), as low findings.")
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
	kube, err := apilifecycle.Normalize(o.KubeVersion)
	if err != nil {
		return fmt.Errorf("--kube-version: %w", err)
	}
	o.settings.KubeVersion = kube
	o.settings.PSSFromNamespaceLabels = cfg.PSSFromNamespaceLabels == nil || *cfg.PSSFromNamespaceLabels
	o.settings.AdmissionAudit = o.AdmissionAudit
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
	if err := o.validateAdoption(); err != nil {
		return err
	}
	if err := pipeline.ValidateExclude(o.Exclude); err != nil {
		return err
	}
	format, ok := report.LookupFormat(o.Output)
	if !ok {
		return fmt.Errorf("unknown output format %q: want %s", o.Output, report.FormatNames(false))
	}
	o.format = format
	o.keepTrees = o.keepTrees || format.Views // the graph reads the objects after the checks
	run, err := loadPolicies(o.config, o.Policies)
	if err != nil {
		return err
	}
	o.policies = run
	checks, err := check.SelectFrom(append(check.All(), run.Checks()...), o.Enable, o.Disable)
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
		if o.settings != nil && o.settings.PSSFromNamespaceLabels {
			// A namespace of the input that enforces restricted holds its workloads to it:
			// the restricted checks run, and the pipeline drops their findings elsewhere.
			break
		}
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
	opts, err := o.adoptionOptions(o.runOptions())
	if err != nil {
		return err
	}
	res, err := pipeline.Lint(context.Background(), opts)
	if err != nil {
		return err
	}
	if err := o.writeBaseline(res); err != nil {
		return err
	}
	if res.Fix != nil {
		return o.printFixed(res)
	}
	return o.printReport(o.Out, res)
}

// runOptions is what the flags and the config ask of the pipeline.
func (o *LintOptions) runOptions() pipeline.Options {
	mode := pipeline.NoFix
	switch {
	case o.Diff:
		mode = pipeline.FixDiff
	case o.Fix:
		mode = pipeline.FixWrite
	}
	return pipeline.Options{Paths: o.paths, Filenames: o.Filenames, Kustomize: o.Kustomize, Recursive: o.Recursive,
		Repo: o.Repo, Stdin: o.In, IncludeHidden: o.IncludeHidden, Exclude: o.Exclude, LoadOutsideRoot: o.loadOutsideRoot,
		Checks: o.checks, Settings: o.settings, PSS: o.PSS, Config: o.config, Suppressions: o.suppressionMode,
		Fix: mode, UnsafeFixes: o.UnsafeFixes, FixTo: overlay.FixTo(o.FixTo), InterruptSignals: []os.Signal{os.Interrupt, syscall.SIGTERM},
		KeepTrees: o.keepTrees, NoFastPath: noFastPath(), PolicyErrors: o.policies.Errors,
		Chart: chart.Options{ValuesFiles: o.Values, Set: o.Set, SetString: o.SetString, ReleaseName: o.ReleaseName,
			Namespace: o.Namespace, KubeVersion: o.KubeVersion}}
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

// addFileFlags defines -f, -k and -R as kubectl does (same names, help and completion).
// They are written out rather than taken from cli-runtime's FileNameFlags, which would link
// client-go's API scheme and its start-up cost into every run for three flag definitions.
func addFileFlags(f *pflag.FlagSet, o *LintOptions) {
	f.BoolVarP(&o.Recursive, "recursive", "R", false, "Process the directory used in -f, --filename recursively. Useful when you want to manage related manifests organized within the same directory.")
	f.StringSliceVarP(&o.Filenames, "filename", "f", nil, "File, directory or - (stdin) with manifests to lint; repeatable.")
	_ = f.SetAnnotation("filename", cobra.BashCompFilenameExt, []string{"json", "yaml", "yml"})
	f.StringVarP(&o.Kustomize, "kustomize", "k", "", "Process a kustomization directory. This flag can't be used together with -f or -R.")
}

// noFastPath reads KUBECTL_SECURE_NO_FASTPATH, the triage switch that has yaml.v3 alone
// read every file (see manifest.Limits.NoFastPath): read once per run, passed down.
func noFastPath() bool {
	v, _ := strconv.ParseBool(os.Getenv("KUBECTL_SECURE_NO_FASTPATH"))
	return v
}
