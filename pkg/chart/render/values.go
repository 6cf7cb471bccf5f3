package render

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"helm.sh/helm/v4/pkg/chart/common"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// markLevel says which value leaves a marked render marks.
type markLevel int

const (
	// markAll marks non-empty strings, true and non-zero numbers: each becomes a string
	// that keeps its truth value, so `if` and `with` take the same branch.
	markAll markLevel = iota
	// markStrings marks non-empty strings only, for charts that compute with numbers.
	markStrings
)

// state is one chart's values sources and the marks of the current marked render.
type state struct {
	req   chart.Request
	files map[chartKey]string
	level markLevel
	marks []chart.Origin
	srcs  []chart.Source
	index map[chart.Source]int
}

// source returns the index of s in the run's sources, adding it.
func (st *state) source(s chart.Source) int {
	if i, ok := st.index[s]; ok {
		return i
	}
	if st.index == nil {
		st.index = map[chart.Source]int{}
	}
	st.index[s] = len(st.srcs)
	st.srcs = append(st.srcs, s)
	return len(st.srcs) - 1
}

func (st *state) sources() []chart.Source { return st.srcs }

// userValues merges the values files and --set arguments as helm does (files in order,
// then every --set, then every --set-string), marking each source's leaves when marked.
func (st *state) userValues(marked bool) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range st.req.ValuesFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &finding.InputError{File: f, Message: "reading values: " + describe(err)}
		}
		v, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			return nil, &finding.InputError{File: f, Message: "reading values: " + oneLine(err.Error())}
		}
		if marked {
			v = st.mark(v, st.source(chart.Source{File: f}), nil).(map[string]any)
		}
		base = loader.MergeMaps(base, v)
	}
	for i, arg := range st.req.Set {
		if err := st.set(base, arg, false, "--set", i+1, marked); err != nil {
			return nil, err
		}
	}
	for i, arg := range st.req.SetString {
		if err := st.set(base, arg, true, "--set-string", i+1, marked); err != nil {
			return nil, err
		}
	}
	return base, nil
}

// set applies one --set: into base as helm does, or, marked, parsed alone, marked with
// the command line as its source, and merged over base.
func (st *state) set(base map[string]any, arg string, asString bool, flag string, n int, marked bool) error {
	if !marked {
		if err := setValue(arg, asString, base); err != nil {
			return &finding.InputError{Message: fmt.Sprintf("%s %s: %s", flag, arg, oneLine(err.Error()))}
		}
		return nil
	}
	v := map[string]any{}
	if err := setValue(arg, asString, v); err != nil {
		return err
	}
	m := st.mark(v, st.source(chart.Source{File: flag, Line: n}), nil).(map[string]any)
	for k, val := range loader.MergeMaps(base, m) {
		base[k] = val
	}
	return nil
}

// markCharts replaces the default values of every chart of the tree with marked copies
// whose source is the chart's values.yaml, and returns what puts them back.
func (st *state) markCharts(ch *chartv2.Chart) (restore func()) {
	saved := map[*chartv2.Chart]map[string]any{}
	var walk func(c *chartv2.Chart)
	walk = func(c *chartv2.Chart) {
		if _, done := saved[c]; !done {
			saved[c] = c.Values
			at := st.files[keyOf(c)]
			src := chart.Source{File: filepath.Join(at, "values.yaml")}
			if strings.HasSuffix(at, ".tgz") || strings.HasSuffix(at, ".tar.gz") {
				src = chart.Source{File: at, InArchive: true}
			}
			if c.Values != nil {
				c.Values = st.mark(c.Values, st.source(src), nil).(map[string]any)
			}
		}
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(ch)
	return func() {
		for c, v := range saved {
			c.Values = v
		}
	}
}

// mark copies v with its leaves marked (chart.Mark), recording each mark's origin.
func (st *state) mark(v any, src int, at []any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = st.mark(e, src, append(at[:len(at):len(at)], k))
		}
		return out
	case common.Values:
		return st.mark(map[string]any(x), src, at)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = st.mark(e, src, append(at[:len(at):len(at)], i))
		}
		return out
	case string:
		if x == "" {
			return x
		}
		return x + st.newMark(src, at)
	case bool:
		if x && st.level == markAll {
			return "true" + st.newMark(src, at)
		}
	case float64:
		if x != 0 && st.level == markAll {
			return strconv.FormatFloat(x, 'f', -1, 64) + st.newMark(src, at)
		}
	case int64:
		if x != 0 && st.level == markAll {
			return strconv.FormatInt(x, 10) + st.newMark(src, at)
		}
	case int:
		if x != 0 && st.level == markAll {
			return strconv.Itoa(x) + st.newMark(src, at)
		}
	}
	return v
}

func (st *state) newMark(src int, at []any) string {
	st.marks = append(st.marks, chart.Origin{Source: src, Path: append([]any(nil), at...)})
	return chart.Mark(len(st.marks) - 1)
}

// templateLocation finds the last "template-name:line[:col]" an engine error names.
var templateLocation = regexp.MustCompile(`([^\s():"]+\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?`)

// templateError places a render error at the template line it names (the innermost
// location of an include chain), as an input error of the chart.
func (st *state) templateError(ch *chartv2.Chart, err error) error {
	if ie, ok := err.(*finding.InputError); ok {
		return ie
	}
	msg := oneLine(err.Error())
	ie := &finding.InputError{File: st.req.Chart, Message: "rendering the chart: " + msg}
	all := templateLocation.FindAllStringSubmatch(msg, -1)
	if len(all) == 0 {
		return ie
	}
	loc := all[len(all)-1]
	for _, t := range templates(ch, st.files) {
		if t.Name == loc[1] {
			ie.File = t.File
			if !t.InArchive {
				ie.Line, _ = strconv.Atoi(loc[2])
			}
			ie.Message = "template error: " + msg
		}
	}
	return ie
}

func describe(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
