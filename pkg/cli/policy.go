package cli

import (
	"path/filepath"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
)

// loadPolicies reads and compiles the ValidatingAdmissionPolicies of the config's
// policies: (relative to the config file) and of --policy. A binary without the policy
// add-on returns the *addon.MissingError that hands the whole run to kubectl-secure-full,
// before reading them; no policies is a run without custom checks (a nil *policy.Run,
// whose Checks and Errors are empty).
func loadPolicies(cfg *config.Config, flags []string) (*policy.Run, error) {
	var paths []string
	for _, p := range cfg.Policies {
		if !filepath.IsAbs(p) && cfg.Path != "" {
			p = filepath.Join(filepath.Dir(cfg.Path), p)
		}
		paths = append(paths, p)
	}
	paths = uniquePaths(append(paths, flags...))
	if len(paths) == 0 {
		return nil, nil
	}
	why := "--policy " + strings.Join(paths, ", ")
	if err := addon.Need(addon.Policy, why); err != nil {
		return nil, err
	}
	ps, err := policy.Load(paths)
	if err != nil {
		return nil, err
	}
	return policy.NewRun(ps, why)
}

// uniquePaths drops a path named twice (the config's policies: and --policy naming the
// same file), which would define each of its policies twice.
func uniquePaths(paths []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		key := filepath.Clean(p)
		if abs, err := filepath.Abs(p); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	return out
}
