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
	// markFalsy marks false and 0 too ("false⟦n⟧" is true for `if`): where a template
	// tests one, the marked render takes another branch and pkg/chart's node-by-node
	// pairing drops what differs; a template that fails on it falls back to markAll.
	markFalsy markLevel = iota
	// markAll marks non-empty strings, true and non-zero numbers: each becomes a string
	// that keeps its truth value, so `if` and `with` take the same branch.
	markAll
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
	// own are the charts' values as loaded, by chart.
	own map[chartKey]any
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
		data, ok := st.req.ValuesData[filepath.Clean(f)]
		var err error
		if !ok {
			data, err = os.ReadFile(f)
		}
		if err != nil {
			return nil, &finding.InputError{File: f, Message: "reading values: " + describe(err)}
		}
		v, err := loader.LoadValues(bytes.NewReader(data))
		if err != nil {
			return nil, &finding.InputError{File: f, Message: "reading values: " + oneLine(err.Error())}
		}
		if marked {
			v = st.mark(v, nil, st.fixed(chart.Source{File: f})).(map[string]any)
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
	m := st.mark(v, nil, st.fixed(chart.Source{File: flag, Line: n})).(map[string]any)
	for k, val := range loader.MergeMaps(base, m) {
		base[k] = val
	}
	return nil
}

// markCharts replaces the values of every chart of the tree with marked copies and
// returns what puts them back. A leaf is marked with the values.yaml of the chart that
// writes it (chartOrigin): ProcessDependencies has merged the subcharts' defaults into
// their parents' values.
func (st *state) markCharts(ch *chartv2.Chart) (restore func()) {
	saved := map[*chartv2.Chart]map[string]any{}
	var walk func(c *chartv2.Chart)
	walk = func(c *chartv2.Chart) {
		if _, done := saved[c]; !done {
			saved[c] = c.Values
			if c.Values != nil {
				c.Values = st.mark(c.Values, nil, func(p []any) (int, []any) { return st.chartOrigin(c, p) }).(map[string]any)
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

// fixed is the origin function of a source that wrote every leaf it holds.
func (st *state) fixed(s chart.Source) func([]any) (int, []any) {
	i := st.source(s)
	return func(p []any) (int, []any) { return i, p }
}

// chartOrigin finds the chart whose own values.yaml (as loaded, before dependencies were
// processed) writes the leaf at p of c's values: c's, else, when p starts with a
// subchart's name, that subchart's, and so on down; c's when none does.
func (st *state) chartOrigin(c *chartv2.Chart, p []any) (int, []any) {
	if hasPath(st.own[keyOf(c)], p) || len(p) == 0 {
		return st.source(st.valuesSource(c)), p
	}
	if name, ok := p[0].(string); ok {
		for _, d := range c.Dependencies() {
			if d.Name() == name {
				return st.chartOrigin(d, p[1:])
			}
		}
	}
	return st.source(st.valuesSource(c)), p
}

// valuesSource is the values.yaml of c, or its archive.
func (st *state) valuesSource(c *chartv2.Chart) chart.Source {
	at := st.files[keyOf(c)]
	if strings.HasSuffix(at, ".tgz") || strings.HasSuffix(at, ".tar.gz") {
		return chart.Source{File: at, InArchive: true}
	}
	return chart.Source{File: filepath.Join(at, "values.yaml")}
}

// hasPath reports whether v holds a value at p.
func hasPath(v any, p []any) bool {
	for _, step := range p {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if v, ok = m[s]; !ok {
				return false
			}
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				return false
			}
			v = l[s]
		}
	}
	return true
}

// ownValues records each chart's values as loaded, before ProcessDependencies merges
// its subcharts' into it.
func (st *state) ownValues(ch *chartv2.Chart) {
	st.own = map[chartKey]any{}
	var walk func(c *chartv2.Chart)
	walk = func(c *chartv2.Chart) {
		st.own[keyOf(c)] = deepCopy(c.Values)
		for _, d := range c.Dependencies() {
			walk(d)
		}
	}
	walk(ch)
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// mark copies v with its leaves marked (chart.Mark), recording each mark's origin as
// origin says for the leaf's path at.
func (st *state) mark(v any, at []any, origin func([]any) (int, []any)) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = st.mark(e, append(at[:len(at):len(at)], k), origin)
		}
		return out
	case common.Values:
		return st.mark(map[string]any(x), at, origin)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = st.mark(e, append(at[:len(at):len(at)], i), origin)
		}
		return out
	case string:
		if x == "" {
			return x
		}
		return x + st.newMark(origin, at)
	case bool:
		if x && st.level <= markAll || st.level == markFalsy {
			return strconv.FormatBool(x) + st.newMark(origin, at)
		}
	case float64:
		if x != 0 && st.level <= markAll || st.level == markFalsy {
			return strconv.FormatFloat(x, 'f', -1, 64) + st.newMark(origin, at)
		}
	case int64:
		if x != 0 && st.level <= markAll || st.level == markFalsy {
			return strconv.FormatInt(x, 10) + st.newMark(origin, at)
		}
	case int:
		if x != 0 && st.level <= markAll || st.level == markFalsy {
			return strconv.Itoa(x) + st.newMark(origin, at)
		}
	}
	return v
}

func (st *state) newMark(origin func([]any) (int, []any), at []any) string {
	src, p := origin(at)
	st.marks = append(st.marks, chart.Origin{Source: src, Path: append([]any(nil), p...)})
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

// replaceValues gives every chart of the tree whose values.yaml is in req.ValuesData
// those values instead of the file's.
func (st *state) replaceValues(ch *chartv2.Chart) error {
	if len(st.req.ValuesData) == 0 {
		return nil
	}
	var walk func(c *chartv2.Chart) error
	walk = func(c *chartv2.Chart) error {
		if src := st.valuesSource(c); !src.InArchive {
			if data, ok := st.req.ValuesData[filepath.Clean(src.File)]; ok {
				v, err := loader.LoadValues(bytes.NewReader(data))
				if err != nil {
					return &finding.InputError{File: src.File, Message: "reading values: " + oneLine(err.Error())}
				}
				c.Values = v
			}
		}
		for _, d := range c.Dependencies() {
			if err := walk(d); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(ch)
}
