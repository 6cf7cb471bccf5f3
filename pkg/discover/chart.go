package discover

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
)

// chartInputs are the renders of one chart: with the values as given, and once more per
// chart-testing values file (ci/*-values.yaml), like overlays of one base.
func chartInputs(dir string, opts *chart.Options) []Input {
	ins := []Input{{Kind: HelmChart, Path: dir, Chart: opts}}
	if chart.IsArchive(dir) {
		return ins
	}
	var variants []string
	for _, pattern := range []string{"*-values.yaml", "*-values.yml"} {
		m, _ := filepath.Glob(filepath.Join(dir, "ci", pattern))
		variants = append(variants, m...)
	}
	sort.Strings(variants)
	for _, v := range variants {
		ins = append(ins, Input{Kind: HelmChart, Path: dir, Variant: v, Chart: opts})
	}
	return ins
}

// isChartDir reports a directory holding a Chart.yaml.
func isChartDir(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, chartFile))
	return err == nil && info.Mode().IsRegular()
}

// topCharts are the chart directories a walk found that lie in no other one (a subchart
// in charts/ renders through its parent).
func (r *repository) topCharts() []string {
	var tops []string
	for _, dir := range r.chartDirs {
		if r.chartOf(filepath.Dir(dir)) == "" {
			tops = append(tops, dir)
		}
	}
	return tops
}

// chartOf returns the outermost chart directory of the walk that holds p (p itself when
// it is one), "" for none.
func (r *repository) chartOf(p string) string {
	out := ""
	for d := p; ; d = filepath.Dir(d) {
		if r.isChart[d] {
			out = d
		}
		if parent := filepath.Dir(d); parent == d || d == "." {
			return out
		}
	}
}

// inChartCI reports a file in a top chart's ci/ directory: a values variant, no manifest.
func (r *repository) inChartCI(f string) bool {
	dir := filepath.Dir(f)
	return filepath.Base(dir) == "ci" && r.isChart[filepath.Dir(dir)] && strings.HasSuffix(filepath.Base(f), "values.yaml") ||
		filepath.Base(dir) == "ci" && r.isChart[filepath.Dir(dir)] && strings.HasSuffix(filepath.Base(f), "values.yml")
}

// walked spells f, a path the user named, as the walk below root spells the same file.
func (r *repository) walked(root, f string) string {
	rel, err := filepath.Rel(r.abs(root), r.abs(f))
	if err != nil || strings.HasPrefix(rel, "..") {
		return f
	}
	return filepath.Join(root, rel)
}
