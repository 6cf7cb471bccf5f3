package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/load"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
	"github.com/kubectl-secure/kubectl-secure/pkg/suppress"
)

// loadConfig reads --config, or the config file found from the working directory up.
// No config file is not an error; an unreadable or invalid one is.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		found, ok := config.Find(".")
		if !ok {
			return &config.Config{}, nil
		}
		path = found
		// Print the file as the user would type it, like every other path.
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, found); err == nil {
				path = rel
			}
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// applyConfig fills every option the user did not set on the command line from the config
// file: flags win, the file is the project's default.
func applyConfig(cmd *cobra.Command, o *LintOptions, cfg *config.Config) {
	flags := cmd.Flags()
	unset := func(name string) bool { return !flags.Changed(name) }
	if unset("enable") && len(cfg.Enable) > 0 {
		o.Enable = cfg.Enable
	}
	if unset("disable") && len(cfg.Disable) > 0 {
		o.Disable = cfg.Disable
	}
	if unset("fail-on") && cfg.FailOn != nil {
		o.FailOn = cfg.FailOn.String()
	}
	if unset("pss") && cfg.PSS != "" {
		o.PSS = cfg.PSS
	}
	if unset("namespace") && cfg.Namespace != "" {
		o.Namespace = cfg.Namespace
	}
	if unset("allowed-registries") && len(cfg.AllowedRegistries) > 0 {
		o.AllowedRegistries = cfg.AllowedRegistries
	}
	if unset("covered-namespaces") && len(cfg.NetworkPolicy.CoveredNamespaces) > 0 {
		o.CoveredNamespaces = cfg.NetworkPolicy.CoveredNamespaces
	}
	if unset("suppressions") && cfg.Suppressions != "" {
		o.Suppressions = cfg.Suppressions
	}
}

// deployScope is the config's deployScope, check.ScopeUnit when it sets none.
func deployScope(cfg *config.Config) string {
	if cfg.DeployScope == "" {
		return check.ScopeUnit
	}
	return cfg.DeployScope
}

// validateOverrides rejects severity overrides for checks that do not exist.
func validateOverrides(cfg *config.Config) error {
	for id := range cfg.Severity {
		if check.Lookup(id) == nil {
			return fmt.Errorf("%s: severity override for unknown check %q", cfg.Path, id)
		}
	}
	return nil
}

func overrideSeverities(fs []finding.Finding, overrides map[string]config.Severity) {
	for i := range fs {
		if s, ok := overrides[fs[i].Check]; ok {
			fs[i].Severity = s.Severity
		}
	}
}

// skipInputs drops the inputs the config's skipPaths or --exclude match. An input the user
// named on the command line is linted anyway: both are about what walking a directory finds.
func (o *LintOptions) skipInputs(inputs []discover.Input) []discover.Input {
	if len(o.config.SkipPaths) == 0 && len(o.Exclude) == 0 {
		return inputs
	}
	named := map[string]bool{}
	for _, p := range append(append([]string{o.Kustomize}, o.paths...), o.Filenames...) {
		if p != "" {
			named[filepath.Clean(p)] = true
		}
	}
	keep := func(in discover.Input) bool {
		return in.Kind == discover.Stdin || named[filepath.Clean(in.Path)] || !o.excluded(in.Path)
	}
	kept := inputs[:0]
	for _, in := range inputs {
		if !keep(in) {
			continue
		}
		if len(in.Fallback) > 0 {
			in.Fallback = slices.DeleteFunc(slices.Clone(in.Fallback), func(fb discover.Input) bool { return !keep(fb) })
		}
		kept = append(kept, in)
	}
	return kept
}

// applySuppressions sets aside the findings the user suppressed (in o.suppressed) and adds
// the findings about stale and expired suppressions. It runs before the baseline filter
// and the severity overrides, so that a suppression of a finding those remove still
// counts as used, and suppressed findings show the severity the user configured.
func (o *LintOptions) applySuppressions(findings []finding.Finding, loaded load.Loaded, annotations []suppress.Annotation, errs []finding.InputError, stdin []byte) ([]finding.Finding, []finding.InputError) {
	res := suppress.Apply(findings, loaded.Objects, suppress.Options{Annotations: annotations, Mode: o.suppressionMode,
		Config: o.config, Checks: o.checks, Now: time.Now(), Namespace: o.Namespace, WholeProject: o.wholeProject(),
		ReadFile: func(name string) ([]byte, error) {
			if name == "-" {
				return stdin, nil
			}
			// A plain file was read while loading; its content was kept if it holds a
			// suppression comment, and without one there is nothing to read again.
			if data, ok := loaded.Plain[name]; ok {
				return data, nil
			}
			return os.ReadFile(name)
		},
	})
	o.ignoredNote = ignoredNote(o.suppressionMode, res.Ignored)
	kept := append(res.Kept, res.Extra...)
	suppressed := res.Suppressed
	if o.PSS == "baseline" {
		kept = dropRestricted(kept)
		n := 0
		for _, s := range suppressed {
			if s.Finding.PSS != finding.PSSRestricted {
				suppressed[n] = s
				n++
			}
		}
		suppressed = suppressed[:n]
	}
	overrideSeverities(kept, o.config.Severity)
	for i := range suppressed {
		if s, ok := o.config.Severity[suppressed[i].Finding.Check]; ok {
			suppressed[i].Finding.Severity = s.Severity
		}
	}
	finding.Sort(kept)
	o.suppressed = suppressed
	return kept, append(errs, res.Errors...)
}

// ignoredNote says how many suppressions the mode set aside and how many findings they would
// have hidden, so that a reader of a pull request's report knows why findings its author
// suppressed are there; "" when the mode set nothing aside.
func ignoredNote(mode suppress.Mode, ig suppress.Ignored) string {
	if ig.Suppressions == 0 {
		return ""
	}
	what := pluralCount(ig.Suppressions, "annotation or comment", "annotations or comments")
	if mode == suppress.HonourNone {
		what = pluralCount(ig.Suppressions, "suppression", "suppressions")
	}
	pronoun, verb := "they", "are"
	if ig.Suppressions == 1 {
		pronoun = "it"
	}
	if ig.Findings == 1 {
		verb = "is"
	}
	return fmt.Sprintf("suppressions: %s: %s not honoured; %s %s would hide %s reported",
		mode, what, pluralCount(ig.Findings, "finding", "findings"), pronoun, verb)
}

func pluralCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// wholeProject reports whether the run walks the config file's whole directory, the only
// case in which a config ignore entry that selects nothing linted can be called stale.
func (o *LintOptions) wholeProject() bool {
	dir := o.config.Dir()
	if dir == "" {
		return false
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	walked := o.paths
	if o.Recursive {
		walked = append(append([]string{}, walked...), o.Filenames...)
	}
	for _, p := range walked {
		abs, err := filepath.Abs(p)
		if err != nil || p == "-" {
			continue
		}
		if info, err := os.Stat(abs); err != nil || !info.IsDir() {
			continue
		}
		if rel, err := filepath.Rel(abs, absDir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func reportSuppressed(ss []suppress.Suppressed) []report.Suppressed {
	out := make([]report.Suppressed, len(ss))
	for i, s := range ss {
		out[i] = report.Suppressed{Finding: s.Finding, Reason: s.Reason,
			Suppression: report.Suppression{Kind: string(s.Source), File: s.File, Line: s.Line}}
	}
	return out
}

// effectiveConfig is what `checks --show-config` prints: every setting, set or not, in the
// config file's own keys, so the output is itself a valid config file.
type effectiveConfig struct {
	Enable            []string                   `yaml:"enable"`
	Disable           []string                   `yaml:"disable"`
	Severity          map[string]config.Severity `yaml:"severity"`
	FailOn            string                     `yaml:"failOn"`
	PSS               string                     `yaml:"pss"`
	Namespace         string                     `yaml:"namespace"`
	AllowedRegistries []string                   `yaml:"allowedRegistries"`
	NetworkPolicy     struct {
		CoveredNamespaces []string `yaml:"coveredNamespaces"`
	} `yaml:"networkPolicy"`
	DeployScope  string          `yaml:"deployScope"`
	SkipPaths    []string        `yaml:"skipPaths"`
	Ignore       []config.Ignore `yaml:"ignore"`
	Suppressions string          `yaml:"suppressions"`
}

// showConfig prints the configuration a lint run with the same flags would use.
func showConfig(w io.Writer, cmd *cobra.Command, o *LintOptions) error {
	cfg, err := loadConfig(o.ConfigFile)
	if err != nil {
		return err
	}
	o.config = cfg
	applyConfig(cmd, o, cfg)
	if _, err := finding.ParseSeverity(o.FailOn); err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	if o.PSS != finding.PSSBaseline && o.PSS != finding.PSSRestricted {
		return fmt.Errorf("--pss must be baseline or restricted, not %q", o.PSS)
	}
	if _, err := check.Select(o.Enable, o.Disable); err != nil {
		return err
	}
	if err := validateOverrides(cfg); err != nil {
		return err
	}
	if err := suppress.ValidateConfig(cfg); err != nil {
		return err
	}
	if _, err := suppress.ParseMode(o.Suppressions); err != nil {
		return err
	}
	eff := effectiveConfig{Suppressions: o.Suppressions, Enable: o.Enable, Disable: o.Disable, Severity: cfg.Severity, FailOn: o.FailOn, PSS: o.PSS,
		Namespace: o.Namespace, AllowedRegistries: o.AllowedRegistries, SkipPaths: cfg.SkipPaths, Ignore: cfg.Ignore}
	eff.NetworkPolicy.CoveredNamespaces = o.CoveredNamespaces
	eff.DeployScope = deployScope(cfg)
	if eff.Namespace == "" {
		eff.Namespace = "default" // what objects without a namespace are linted as
	}
	var b strings.Builder
	if cfg.Path == "" {
		b.WriteString("# config file: none (no " + config.FileName + " in the working directory or a parent)\n")
	} else {
		b.WriteString("# config file: " + report.Sanitize(cfg.Path) + "\n")
	}
	b.WriteString("# settings after command-line flags and the config file are merged\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(eff); err != nil {
		return fmt.Errorf("encoding the configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encoding the configuration: %w", err)
	}
	_, err = io.WriteString(w, b.String())
	return err
}
