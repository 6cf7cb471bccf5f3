package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
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
