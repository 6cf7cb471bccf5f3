package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
	"github.com/kubectl-secure/kubectl-secure/pkg/suppress"
)

func overrideSeverities(fs []finding.Finding, overrides map[string]config.Severity) {
	for i := range fs {
		if s, ok := overrides[fs[i].Check]; ok {
			fs[i].Severity = s.Severity
		}
	}
}

// applySuppressions sets aside the findings the user suppressed (in r.suppressed) and adds
// the findings about stale and expired suppressions. It runs before the baseline filter
// and the severity overrides, so that a suppression of a finding those remove still
// counts as used, and suppressed findings show the severity the user configured.
func (r *runner) applySuppressions(findings []finding.Finding, loaded load.Loaded, annotations []suppress.Annotation, errs []finding.InputError, stdin []byte) ([]finding.Finding, []finding.InputError) {
	res := suppress.Apply(findings, loaded.Objects, suppress.Options{Annotations: annotations, Mode: r.Suppressions,
		Config: r.Config, Checks: r.Checks, Now: time.Now(), Namespace: r.Settings.Namespace, WholeProject: r.wholeProject(),
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
	r.ignoredNote = ignoredNote(r.Suppressions, res.Ignored)
	kept := append(res.Kept, res.Extra...)
	suppressed := res.Suppressed
	if r.PSS == "baseline" || r.levelOf != nil {
		levels := r.levels
		if levels == nil { // a runner that did not load (tests)
			levels = newPSSLevels(r.PSS, r.Settings, 0)
		}
		kept = levels.filter(kept, r.levelOf)
		n := 0
		for _, s := range suppressed {
			if s.Finding.PSS != finding.PSSRestricted || levels.restricted(s.Finding, r.levelOf) {
				suppressed[n] = s
				n++
			}
		}
		suppressed = suppressed[:n]
	}
	overrideSeverities(kept, r.Config.Severity)
	for i := range suppressed {
		if s, ok := r.Config.Severity[suppressed[i].Finding.Check]; ok {
			suppressed[i].Finding.Severity = s.Severity
		}
	}
	finding.Sort(kept)
	r.suppressed = suppressed
	return kept, append(errs, res.Errors...)
}

// ignoredNote says how many suppressions the mode set aside and how many findings they would
// have hidden, so that a reader of a pull request's report knows why findings its author
// suppressed are there; "" when the mode set nothing aside.
func ignoredNote(mode suppress.Mode, ig suppress.Ignored) string {
	if ig.Suppressions == 0 {
		return ""
	}
	what := Plural(ig.Suppressions, "annotation or comment", "annotations or comments")
	if mode == suppress.HonourNone {
		what = Plural(ig.Suppressions, "suppression", "suppressions")
	}
	pronoun, verb := "they", "are"
	if ig.Suppressions == 1 {
		pronoun = "it"
	}
	if ig.Findings == 1 {
		verb = "is"
	}
	return fmt.Sprintf("suppressions: %s: %s not honoured; %s %s would hide %s reported",
		mode, what, Plural(ig.Findings, "finding", "findings"), pronoun, verb)
}

// wholeProject reports whether the run walks the config file's whole directory, the only
// case in which a config ignore entry that selects nothing linted can be called stale.
func (r *runner) wholeProject() bool {
	dir := r.Config.Dir()
	if dir == "" {
		return false
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	walked := r.Paths
	if r.Recursive {
		walked = append(append([]string{}, walked...), r.Filenames...)
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
