package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/baseline"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// Comparison is a run's comparison with a baseline or an earlier revision: the findings
// left in Result.Findings are the new ones.
type Comparison struct {
	// Baseline is the baseline file as the user named it; Since the revision.
	Baseline, Since string
	// Existing counts the places whose findings matched a known one.
	Existing int
	// Fixed are the known findings that matched nothing; Display shows their files as
	// the user would type them.
	Fixed   []baseline.Known
	Display func(string) string
	// Units are the deploy units a --since run linted, as displayed.
	Units []string
}

// compareBaseline keeps the findings the baseline does not know. An entry that matches
// nothing is fixed only where this run looked: in a file it read objects from, or below
// a path it was given (a deleted file); a baseline of the whole repository does not call
// everything outside `lint apps/` fixed.
func (r *runner) compareBaseline(res *Result) {
	rel := baseline.Relative(r.BaselineRoot)
	out := baseline.Compare(res.Findings, r.Baseline, rel)
	read := map[string]bool{}
	for _, o := range res.Objects {
		read[rel(o.File)] = true
	}
	var scope []string
	for _, p := range slices.Concat(r.Paths, r.Filenames, []string{r.Kustomize}) {
		if p != "" && p != "-" {
			scope = append(scope, rel(p))
		}
	}
	fixed := out.Fixed[:0]
	for _, k := range out.Fixed {
		if read[k.File] || slices.ContainsFunc(scope, func(s string) bool { return within(k.File, s) }) {
			fixed = append(fixed, k)
		}
	}
	res.Findings = out.New
	res.Compared = &Comparison{Baseline: r.BaselineFile, Existing: out.Existing, Fixed: fixed, Display: displayFrom(r.BaselineRoot)}
}

// within reports whether the slash path file is dir or lies below it ("." holds all).
func within(file, dir string) bool {
	return dir == "." || file == dir || strings.HasPrefix(file, strings.TrimSuffix(dir, "/")+"/")
}

// displayFrom shows a path relative to root as the user would type it: relative to the
// working directory.
func displayFrom(root string) func(string) string {
	wd, _ := os.Getwd()
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	return func(p string) string {
		if p == "-" {
			return p
		}
		abs := filepath.Join(root, filepath.FromSlash(p))
		if rel, err := filepath.Rel(wd, abs); err == nil {
			return rel
		}
		return abs
	}
}

// report is the comparison as the report formats show it.
func (c *Comparison) report() *report.Comparison {
	if c == nil {
		return nil
	}
	out := &report.Comparison{Since: c.Since, Existing: c.Existing, Fixed: []report.Fixed{}, Units: c.Units}
	if c.Since == "" {
		out.Baseline = c.Baseline
	}
	for _, k := range c.Fixed {
		f := report.Fixed{Check: k.Check, File: c.Display(k.File), Object: k.Object, Path: k.Path}
		if k.Old != nil {
			f.Line = k.Old.Line
			f.Environments = report.Environments(k.Old)
		} else {
			f.Environments = []string{report.UnitOf(f.File)}
		}
		out.Fixed = append(out.Fixed, f)
	}
	return out
}
