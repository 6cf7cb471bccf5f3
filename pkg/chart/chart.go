// Package chart lints Helm charts: the lean half of the Helm add-on (pkg/addon). It holds
// what needs no Helm code — the options, the registration point of the renderer, the
// objects made from what was rendered, and the locations of their fields in the files the
// user edits — so that kubectl-secure, which does not link Helm, can tell that an input
// is a chart and hand the run to kubectl-secure-full. The renderer (pkg/chart/render,
// Helm's loader and engine) registers itself from its init function.
//
// # Locations
//
// A chart's objects are rendered text, but a finding must point where the user edits:
// a values file line or a template line. The renderer renders the chart twice: once with
// the values as given (what the checks read) and once with every value leaf marked. A
// mark is the leaf's text followed by "⟦N⟧", N naming the source (a values file, or a
// --set argument) and the path of the leaf in it. Strings, booleans and numbers are
// marked (as strings; empty strings are not). A marked true or non-zero number keeps its
// truth for `if`, `with` and `default`; a marked false or 0 does not, so where a template
// tests one the marked render takes another branch, and the pairing below drops what
// differs. Marks travel through toYaml, nindent, quote, include and
// named templates, subcharts and values coalescing, so the mark that reaches a rendered
// node is the one of the source that won by Helm's own precedence: --set-string, --set,
// the last --values file, the chart's values.yaml, a parent chart's values for a
// subchart. A template that computes with a marked value may fail or render differently:
// the renderer then marks no false or 0, then strings only, then nothing; and pkg/chart pairs each marked
// document with the real one node by node, keeping a mark only where the marked node,
// marks removed, equals the real one (a value that went through b64enc, sha256sum,
// trunc or arithmetic is not located in values).
//
// A field is then located by these rules, first that applies:
//  1. A scalar that carries marks: the values line of its last mark (an image written
//     "{{ .Values.image.repository }}:{{ .Values.image.tag }}" points at the tag).
//  2. A mapping or sequence whose marked descendants all come from one values subtree P,
//     at the same relative paths, with at least two path steps of evidence (toYaml of
//     .Values.securityContext): the line of P in that values file. So a missing field
//     whose nearest parent came from values is added in the values file.
//  3. An unmarked scalar (false, 0, "") under a mapping located by rule 2: its key in P,
//     when the values file writes it.
//  4. Otherwise the template line that wrote the node: the rendered text of one template
//     is aligned with the template's source, a rendered line matching a literal line of
//     the template (no action), or a line whose literal parts around its actions match,
//     nearest in order to the previous match (a range repeats lines, so a match may go
//     back). A rendered line no template line matches (the output of an include or of
//     toYaml with values not located) is looked up among the literal lines of the
//     chart's named-template files (_helpers.tpl), compared without indentation (include
//     and nindent re-indent them); when none has it either, it goes to its nearest
//     parent node that matched.
//
// A --set argument has no file: its location is the pseudo-file "--set" (or
// "--set-string") at line N, the N-th such argument on the command line. A chart in a
// .tgz is located at the archive, line 1.
package chart

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Options are the values and release settings of helm template.
type Options struct {
	// ValuesFiles are --values files, in order (a later one wins).
	ValuesFiles []string
	// Set and SetString are --set and --set-string arguments.
	Set, SetString []string
	// ReleaseName is .Release.Name ("release-name" when empty, as helm template);
	// Namespace .Release.Namespace ("default" when empty).
	ReleaseName, Namespace string
	// KubeVersion sets .Capabilities.KubeVersion ("" for Helm's default).
	KubeVersion string
}

// DefaultReleaseName is helm template's release name.
const DefaultReleaseName = "release-name"

// Request is one render: a chart (a directory or a .tgz) with one set of values.
type Request struct {
	Chart string
	Options
	MaxTime  time.Duration
	MaxBytes int64
	// ValuesData are values files' texts by clean path, read instead of the files (the
	// chart's values.yaml or a --values file): fixes render edited values before writing.
	ValuesData map[string][]byte
	// Unmarked skips the marked renders: the objects are not located (fixes verifying an
	// edit compare objects only).
	Unmarked bool
}

// Source is where values come from: a values file, or a --set argument ("--set" or
// "--set-string", Line the 1-based ordinal of the argument).
type Source struct {
	File      string
	Line      int
	InArchive bool // File is a .tgz; the values inside have no line the user edits
}

// Origin is where a marked value was written: a source and the path of the leaf in it
// (string keys and int indices).
type Origin struct {
	Source int
	Path   []any
}

// Template is one rendered template file of the chart tree.
type Template struct {
	// Name is the engine's name ("web/templates/deploy.yaml", "web/charts/db/templates/x.yaml"),
	// File the file it was read from, Source its text.
	Name, File, Source string
	InArchive          bool
	// Output is the render with the values as given; Marked the render with marked values
	// ("" when no marked render succeeded), MarkedFallback one with fewer marks, read
	// where Marked does not have the same documents as Output.
	Output, Marked, MarkedFallback string
}

// Rendered is what a renderer made of a chart.
type Rendered struct {
	Name      string
	Templates []Template
	// Partials are the named-template files (_helpers.tpl), for lines an include wrote.
	Partials []Template
	Sources  []Source
	// Origins are indexed by mark number.
	Origins []Origin
}

// Renderer renders charts. Errors are *finding.InputError at the file and line to fix.
type Renderer interface {
	Render(Request) (*Rendered, error)
}

var renderer addon.Slot[Renderer]

// RegisterRenderer sets the renderer; called from the init function of the heavy half.
func RegisterRenderer(r Renderer) { renderer.Set(r) }

func registered() Renderer { return renderer.Get() }

// Need returns nil when charts can be rendered, and the add-on's *addon.MissingError
// otherwise, naming the chart.
func Need(chartPath string) error {
	if registered() == nil {
		return &addon.MissingError{Addon: addon.Helm, Why: "chart " + chartPath}
	}
	return addon.Need(addon.Helm, "chart "+chartPath)
}

// markOpen and markClose delimit a mark: characters templates leave alone (no case, no
// YAML or JSON quoting, no shell meaning).
const (
	markOpen  = "⟦"
	markClose = "⟧"
)

// Mark is the text appended to a value leaf with origin number n.
func Mark(n int) string { return markOpen + strconv.Itoa(n) + markClose }

var markPattern = regexp.MustCompile(markOpen + `(\d+)` + markClose)

// marks returns the mark numbers in s, in order.
func marks(s string) []int {
	var out []int
	for _, m := range markPattern.FindAllStringSubmatch(s, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// unmark removes the marks from s.
func unmark(s string) string { return markPattern.ReplaceAllString(s, "") }

// Unit is the deploy unit of a chart rendered with a variant values file ("" for the
// values as given): the chart, or "chart (values FILE)".
func Unit(chartPath, variant string) string {
	if variant == "" {
		return chartPath
	}
	return fmt.Sprintf("%s (values %s)", chartPath, variant)
}

// Load renders the chart of req (with variant, a ci/*-values.yaml, applied before the
// user's values files when not "") and returns its objects, each located in the values
// files and templates.
func Load(req Request, variant string, limits manifest.Limits) ([]*manifest.Object, []finding.InputError) {
	r := registered()
	if r == nil {
		return nil, []finding.InputError{{File: req.Chart, Message: Need(req.Chart).Error()}}
	}
	if req.ReleaseName == "" {
		req.ReleaseName = DefaultReleaseName
	}
	// Without -n, "default" as helm template: the objects then name it and meet other
	// units' objects in "default". Making them implicit instead would part them from the
	// RoleBinding subjects that name {{ .Release.Namespace }} (measured on the corpus:
	// more false alarms than it removes); -n says where the chart is installed.
	if req.Namespace == "" {
		req.Namespace = "default"
	}
	if variant != "" {
		req.ValuesFiles = append([]string{variant}, req.ValuesFiles...)
	}
	if req.MaxTime == 0 {
		req.MaxTime = limits.MaxBuildTime
	}
	if req.MaxBytes == 0 {
		req.MaxBytes = limits.MaxFileBytes
	}
	rendered, err := r.Render(req)
	if err != nil {
		return nil, []finding.InputError{*asInputError(req.Chart, err)}
	}
	unit := Unit(req.Chart, variant)
	values := newValuesFiles(rendered.Sources)
	partials := indexPartials(rendered.Partials)
	var objs []*manifest.Object
	var errs []finding.InputError
	for i := range rendered.Templates {
		t := &rendered.Templates[i]
		res := manifest.Parse(t.File, []byte(t.Output), limits)
		if res.Err != nil {
			errs = append(errs, finding.InputError{File: t.File, Message: "the rendered template is not valid YAML: " + res.Err.Message})
		}
		tl := newTemplateLocator(t, rendered, values)
		tl.partials, tl.req = partials, req
		for _, obj := range res.Objects {
			obj.Overlay, obj.Chart = unit, req.Chart
			obj.Locator = tl.object(obj.Root)
			objs = append(objs, obj)
		}
	}
	return objs, errs
}

func asInputError(chartPath string, err error) *finding.InputError {
	if ie, ok := err.(*finding.InputError); ok {
		c := *ie
		if c.File == "" && c.Line == 0 {
			c.File = chartPath
		}
		return &c
	}
	return &finding.InputError{File: chartPath, Message: err.Error()}
}

// IsArchive reports a packaged chart file name.
func IsArchive(p string) bool {
	return filepath.Ext(p) == ".tgz" || len(p) > 7 && p[len(p)-7:] == ".tar.gz"
}
