// Package render is the heavy half of the Helm add-on: the only package that imports
// helm.sh/helm/v4. It loads a chart with Helm's loader (vendored dependencies only),
// coalesces its values as Helm does and renders it with Helm's engine twice: once with
// the values as given (what is linted) and once with every value leaf marked (what
// pkg/chart maps locations with). It is linked only into kubectl-secure-full
// (pkg/addon); its init registers it with pkg/chart.
//
// Nothing here reaches a cluster or the network: the engine has no client (lookup returns
// an empty map), DNS lookups are off, the values schema is not validated (a schema may
// $ref a URL), and there are no plugins or post-renderers.
package render

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/strvals"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func init() {
	addon.Link(addon.Helm)
	chart.RegisterRenderer(renderer{})
}

type renderer struct{}

// Render renders req's chart within req.MaxTime. Helm's engine takes no context, so a
// render past its deadline is abandoned (its goroutine ends with the process).
func (renderer) Render(req chart.Request) (*chart.Rendered, error) {
	if req.MaxTime <= 0 {
		return renderChart(req)
	}
	type result struct {
		r   *chart.Rendered
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := renderChart(req)
		done <- result{r, err}
	}()
	timer := time.NewTimer(req.MaxTime)
	defer timer.Stop()
	select {
	case res := <-done:
		return res.r, res.err
	case <-timer.C:
		return nil, &finding.InputError{File: req.Chart, Message: fmt.Sprintf("rendering the chart did not finish within %s; abandoned", req.MaxTime)}
	}
}

// renderChart does one render: load, check dependencies, values, render real and marked.
func renderChart(req chart.Request) (*chart.Rendered, error) {
	ch, err := loader.Load(req.Chart)
	if err != nil {
		return nil, &finding.InputError{File: req.Chart, Message: "loading the chart: " + oneLine(err.Error())}
	}
	files := map[chartKey]string{}
	if err := placeCharts(ch, req.Chart, files); err != nil {
		return nil, err
	}
	st := &state{req: req, files: files}
	if err := st.replaceValues(ch); err != nil {
		return nil, err
	}
	vals, err := st.userValues(false)
	if err != nil {
		return nil, err
	}
	st.ownValues(ch)
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return nil, &finding.InputError{File: filepath.Join(req.Chart, "Chart.yaml"), Message: "chart dependencies: " + dependencyMessage(oneLine(err.Error()))}
	}
	caps := common.DefaultCapabilities.Copy()
	if kube := req.KubeVersion; kube != "" || defaultKubeVersion != "" {
		if kube == "" {
			kube = defaultKubeVersion
		}
		kv, err := common.ParseKubeVersion(kube)
		if err != nil {
			return nil, &finding.InputError{Message: "--kube-version: " + err.Error()}
		}
		caps.KubeVersion = *kv
	}
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return nil, &finding.InputError{File: filepath.Join(req.Chart, "Chart.yaml"), Message: fmt.Sprintf(
			"chart requires kubeVersion %s, which is incompatible with Kubernetes %s (--kube-version sets it)", ch.Metadata.KubeVersion, caps.KubeVersion.Version)}
	}
	opts := common.ReleaseOptions{Name: req.ReleaseName, Namespace: req.Namespace, Revision: 1, IsInstall: true}
	real, err := st.render(ch, vals, opts, caps)
	if err != nil {
		return nil, st.templateError(ch, err)
	}
	out := &chart.Rendered{Name: ch.Name()}
	var size int64
	for _, t := range templates(ch, files) {
		if strings.HasPrefix(path.Base(t.Name), "_") {
			out.Partials = append(out.Partials, t)
			continue
		}
		text, ok := real[t.Name]
		if !ok || strings.TrimSpace(text) == "" || !manifestName(t.Name) {
			continue
		}
		size += int64(len(text))
		if req.MaxBytes > 0 && size > req.MaxBytes {
			return nil, &finding.InputError{File: req.Chart, Message: fmt.Sprintf("the chart renders more than %d bytes", req.MaxBytes)}
		}
		t.Output = text
		out.Templates = append(out.Templates, t)
	}
	if !req.Unmarked {
		st.markedRender(ch, opts, caps, out)
	}
	out.Sources = st.sources()
	return out, nil
}

// markedRender renders again with the values marked, most marks first: a template that
// compares or computes with a value can fail on a marked one, so the next level marks
// less (no false or 0, then strings only). The first two renders that succeed are kept:
// a marked false that changes which documents a template writes spoils the first for
// that template, and pkg/chart then reads the second (Template.Marked, MarkedFallback).
// Mark numbers run on across levels, so one Origins list serves both.
func (st *state) markedRender(ch *chartv2.Chart, opts common.ReleaseOptions, caps *common.Capabilities, out *chart.Rendered) {
	st.marks = nil
	kept := 0
	for _, level := range []markLevel{markFalsy, markAll, markStrings} {
		st.level = level
		vals, err := st.userValues(true)
		if err != nil {
			continue
		}
		restore := st.markCharts(ch)
		marked, err := st.render(ch, vals, opts, caps)
		restore()
		if err != nil {
			continue
		}
		for i := range out.Templates {
			t := &out.Templates[i]
			if kept == 0 {
				t.Marked = marked[t.Name]
			} else {
				t.MarkedFallback = marked[t.Name]
			}
		}
		if kept++; kept == 2 {
			break
		}
	}
	out.Origins = st.marks
}

// render coalesces the values as helm template does and runs the engine without a
// cluster client.
func (st *state) render(ch *chartv2.Chart, vals map[string]any, opts common.ReleaseOptions, caps *common.Capabilities) (map[string]string, error) {
	top, err := util.ToRenderValuesWithSchemaValidation(ch, vals, opts, caps, true)
	if err != nil {
		return nil, err
	}
	e := engine.Engine{CustomTemplateFuncs: deterministic}
	return e.RenderWithContext(context.Background(), ch, top)
}

// deterministic replaces Sprig's random and clock functions: a lint of the same input must
// report the same names (podinfo's test hooks are named with randAlphaNum) and the marked
// render must match the real one. Helm's own would differ on every run.
var deterministic = template.FuncMap{
	"randAlphaNum": func(n int) string { return strings.Repeat("x", n) },
	"randAlpha":    func(n int) string { return strings.Repeat("x", n) },
	"randAscii":    func(n int) string { return strings.Repeat("x", n) },
	"randNumeric":  func(n int) string { return strings.Repeat("0", n) },
	"randBytes":    func(n int) (string, error) { return base64.StdEncoding.EncodeToString(make([]byte, n)), nil },
	"randInt":      func(lo, _ int) int { return lo },
	"uuidv4":       func() string { return "00000000-0000-4000-8000-000000000000" },
	"now":          func() time.Time { return time.Unix(0, 0).UTC() },
}

// defaultKubeVersion is the Kubernetes version helm template assumes: one minor of the
// client-go it links (v0.37 → v1.37). Helm reads it from the build information, except
// in test binaries, which have none and where Helm uses v1.20; a constant keeps tests and
// the binary rendering alike (TestDefaultKubeVersion holds it to go.mod).
const defaultKubeVersion = "v1.37.0"

// manifestName reports a rendered file helm template prints: YAML or JSON, not NOTES.txt.
func manifestName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// chartKey identifies a loaded chart across the copies ProcessDependencies makes of an
// aliased subchart, which share the original's file pointers.
type chartKey any

func keyOf(c *chartv2.Chart) chartKey {
	switch {
	case len(c.Raw) > 0:
		return c.Raw[0]
	case len(c.Templates) > 0:
		return c.Templates[0]
	}
	return c
}

// placeCharts records where each chart of the tree is on disk (a directory, or the .tgz
// holding it) and refuses a dependency of Chart.yaml that is not vendored in charts/.
func placeCharts(ch *chartv2.Chart, at string, files map[chartKey]string) error {
	files[keyOf(ch)] = at
	if ch.Metadata == nil {
		return nil
	}
	byName := map[string]*chartv2.Chart{}
	for _, d := range ch.Dependencies() {
		byName[d.Name()] = d
	}
	archive := strings.HasSuffix(at, ".tgz") || strings.HasSuffix(at, ".tar.gz")
	for _, dep := range ch.Metadata.Dependencies {
		if byName[dep.Name] == nil {
			file := filepath.Join(at, "Chart.yaml")
			return &finding.InputError{File: file, Line: dependencyLine(file, dep.Name, archive), Message: fmt.Sprintf(
				"dependency %q is not vendored in charts/: run `helm dependency build %s` (kubectl-secure renders offline)", dep.Name, at)}
		}
	}
	for _, d := range ch.Dependencies() {
		where := at
		if !archive {
			where = subchartPath(at, d.Name())
		}
		if err := placeCharts(d, where, files); err != nil {
			return err
		}
	}
	return nil
}

// subchartPath finds the directory or archive in dir/charts that holds the chart named
// name: a directory of that name, another directory whose Chart.yaml names it, or an
// archive name-VERSION.tgz.
func subchartPath(dir, name string) string {
	charts := filepath.Join(dir, "charts")
	if _, err := os.Stat(filepath.Join(charts, name, "Chart.yaml")); err == nil {
		return filepath.Join(charts, name)
	}
	entries, _ := os.ReadDir(charts)
	for _, e := range entries {
		p := filepath.Join(charts, e.Name())
		if e.IsDir() {
			if md, err := chartutil.LoadChartfile(filepath.Join(p, "Chart.yaml")); err == nil && md.Name == name {
				return p
			}
		} else if strings.HasPrefix(e.Name(), name+"-") && strings.HasSuffix(e.Name(), ".tgz") {
			return p
		}
	}
	return charts
}

// dependencyLine is the line of Chart.yaml's dependencies entry named name, 0 if unknown.
func dependencyLine(file, name string, archive bool) int {
	if archive {
		return 0
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	for i, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "-"))
		if v, ok := strings.CutPrefix(t, "name:"); ok && strings.Trim(strings.TrimSpace(v), `"'`) == name {
			return i + 1
		}
	}
	return 0
}

// templates lists the chart tree's templates with the names the engine gives them and
// the files they are read from, sorted by name.
func templates(ch *chartv2.Chart, files map[chartKey]string) []chart.Template {
	var out []chart.Template
	var walk func(c *chartv2.Chart)
	walk = func(c *chartv2.Chart) {
		at := files[keyOf(c)]
		archive := strings.HasSuffix(at, ".tgz") || strings.HasSuffix(at, ".tar.gz")
		for _, t := range c.Templates {
			file := at
			if !archive {
				file = filepath.Join(at, filepath.FromSlash(t.Name))
			}
			out = append(out, chart.Template{Name: path.Join(c.ChartFullPath(), t.Name), File: file,
				Source: string(t.Data), InArchive: archive})
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(ch)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// setValue parses one --set or --set-string into dest as helm does.
func setValue(arg string, asString bool, dest map[string]any) error {
	if asString {
		return strvals.ParseIntoString(arg, dest)
	}
	return strvals.ParseInto(arg, dest)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// typeMismatchRE matches Helm's message for a subchart whose values are not a map, which
// it prints with a broken verb: "type mismatch on child: %!t(string=not-a-map)".
var typeMismatchRE = regexp.MustCompile(`type mismatch on ([^:]+): %!t\(([^=]+)=(.*)\)$`)

// dependencyMessage says what Helm's dependency errors mean where Helm's own text is
// garbled.
func dependencyMessage(s string) string {
	m := typeMismatchRE.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	return fmt.Sprintf("the values under %q are the subchart %s's and must be a map, not a %s (%q); helm refuses the chart", m[1], m[1], m[2], m[3])
}
