package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/apilifecycle"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
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
	if unset("kube-version") && cfg.KubeVersion != "" {
		o.KubeVersion = cfg.KubeVersion
	}
	if unset("baseline") && cfg.Baseline != "" && cfg.Path != "" {
		o.Baseline = filepath.Join(filepath.Dir(cfg.Path), cfg.Baseline)
		o.baselineFromConfig = true
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
		if check.Lookup(id) == nil && !check.IsRunName(id) {
			return fmt.Errorf("%s: severity override for unknown check %q", cfg.Path, id)
		}
	}
	return nil
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
	KubeVersion  string          `yaml:"kubeVersion"`
	// PSSFromNamespaceLabels: whether a workload's PSS findings follow its Namespace's
	// enforce label.
	PSSFromNamespaceLabels bool `yaml:"pssFromNamespaceLabels"`
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
	kube, err := apilifecycle.Normalize(o.KubeVersion)
	if err != nil {
		return fmt.Errorf("--kube-version: %w", err)
	}
	eff.KubeVersion = kube
	eff.PSSFromNamespaceLabels = cfg.PSSFromNamespaceLabels == nil || *cfg.PSSFromNamespaceLabels
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
