// Package chartfix writes the fixes of objects a Helm chart rendered: a change of a field
// that came from a values leaf is made to that leaf, in the values file that won by Helm's
// precedence (pkg/chart's locations), or in an override values file (--fix-to
// values-file=FILE) for users who do not own the chart. Every fix is verified before it is
// kept: the chart is rendered again, in memory, with the edited values, and the fixed
// object must be what the same changes make of the object rendered before, every other
// object unchanged. A fix that does not translate to values, or does not verify, stays
// advice: template syntax is never rewritten.
package chartfix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// FixToValuesFile prefixes the --fix-to value that names an override values file.
const FixToValuesFile = "values-file="

// ValuesFile returns the override values file a --fix-to value names, if it names one.
func ValuesFile(fixTo string) (string, bool) {
	f, ok := strings.CutPrefix(fixTo, FixToValuesFile)
	return f, ok
}

// Reasons a chart fix stays advice (the finding names the line to edit).
const (
	// SkipUnverified: the edited values did not render as the fix.
	SkipUnverified = "Helm chart: the values edit did not render as the fix; edit the line each finding names"
)

// Writer is a fix.ChartWriter.
type Writer struct {
	// To is the override values file every fix goes to, or "" for the values file that
	// set each value.
	To string
	// Unsafe allows changing a value a values file writes where the check's fix only adds
	// a field (the rendered object lacks it, the values file writes it null or empty).
	Unsafe bool

	renders map[string]rendered // renders by renderKey
}

// New returns a writer; to is the override values file or "".
func New(to string, unsafe bool) *Writer {
	if to != "" {
		to = filepath.Clean(to)
	}
	return &Writer{To: to, Unsafe: unsafe}
}

// FixChart applies each fix to the values, verified, or leaves it advice.
func (w *Writer) FixChart(ws *fix.Workspace, obj *manifest.Object, fixes []*finding.Fix) []fix.Outcome {
	outs := make([]fix.Outcome, len(fixes))
	req, ok := chart.RequestOf(obj)
	for i, f := range fixes {
		if !ok {
			outs[i].Skipped = fix.SkipChart
			continue
		}
		outs[i] = w.fixOne(ws, obj, req, f)
	}
	return outs
}

// edit is one change translated to values.
type edit struct {
	file  string
	path  []any
	value any
}

func (w *Writer) translate(obj *manifest.Object, f *finding.Fix) ([]edit, string) {
	var edits []edit
	for _, ch := range f.Changes {
		if ch.Op != finding.Set {
			return nil, fix.SkipChart
		}
		switch ch.Value.(type) {
		case bool, string, int, int32, int64:
		default:
			return nil, fix.SkipChart
		}
		t, ok := chart.ValuesTargetOf(obj, ch.Path)
		if !ok {
			return nil, fix.SkipChart
		}
		if t.Written && f.Safe && !w.Unsafe && fieldpath.Lookup(obj.Root, ch.Path) == nil {
			return nil, fix.SkipUnsafe // the values file writes what the object lacks
		}
		file := t.File
		if w.To != "" {
			file = w.To
		}
		edits = append(edits, edit{file: file, path: t.Path, value: ch.Value})
	}
	return edits, ""
}

// fixOne translates, edits and verifies one fix, all or nothing.
func (w *Writer) fixOne(ws *fix.Workspace, obj *manifest.Object, req chart.Request, f *finding.Fix) fix.Outcome {
	edits, skip := w.translate(obj, f)
	if skip == fix.SkipChart && w.To == "" {
		if out, ok := fixTemplate(ws, obj, f.Changes); ok {
			return out
		}
	}
	if skip != "" {
		return fix.Outcome{Skipped: skip}
	}
	if w.To != "" && !contains(req.ValuesFiles, w.To) {
		req.ValuesFiles = append(append([]string(nil), req.ValuesFiles...), w.To)
	}
	before := ws.Snapshot()
	baseReq := withValues(req, before, w.To)
	changes := 0
	for _, e := range edits {
		changed, err := setValue(ws, e)
		if err != nil {
			ws.Restore(before)
			return fix.Outcome{Err: err}
		}
		if changed {
			changes++
		}
	}
	if changes == 0 {
		return fix.Outcome{}
	}
	if err := w.verify(baseReq, withValues(req, ws.Snapshot(), w.To), obj, f.Changes); err != nil {
		ws.Restore(before)
		return fix.Outcome{Skipped: SkipUnverified}
	}
	return fix.Outcome{Changes: changes}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if filepath.Clean(x) == s {
			return true
		}
	}
	return false
}

// withValues is req reading the workspace's values texts instead of the files: those the
// fixes changed, and the override file (empty while it does not exist).
func withValues(req chart.Request, s fix.Snapshot, override string) chart.Request {
	req.ValuesData = map[string][]byte{}
	for p, f := range s {
		if f.Created || !reflect.DeepEqual(f.Orig, f.Data) {
			req.ValuesData[filepath.Clean(p)] = f.Data
		}
	}
	if override != "" {
		if _, ok := req.ValuesData[override]; !ok {
			if f, ok := s[override]; ok {
				req.ValuesData[override] = f.Data
			} else if _, err := os.Stat(override); errors.Is(err, fs.ErrNotExist) {
				req.ValuesData[override] = nil // empty until a fix writes it
			}
		}
	}
	return req
}

// setValue sets the leaf at e.path of e.file's values to e.value, keeping the text around
// it (yamledit's byte-range edits), creating the file when it does not exist.
func setValue(ws *fix.Workspace, e edit) (bool, error) {
	f, err := ws.OpenOrCreate(e.file)
	if err != nil {
		return false, err
	}
	var docs []*yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(f.Data)))
	for {
		var d yaml.Node
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return false, fmt.Errorf("%s: %w", e.file, err)
		}
		docs = append(docs, &d)
	}
	if len(docs) > 1 {
		return false, fmt.Errorf("%s: a values file of several documents; edit it by hand", e.file)
	}
	if len(docs) == 0 || len(docs[0].Content) == 0 || yamledit.IsNull(docs[0].Content[0]) {
		// Empty (or only comments): the new values follow what is there.
		text, err := fresh(e)
		if err != nil {
			return false, err
		}
		if len(f.Data) > 0 && !strings.HasSuffix(string(f.Data), "\n") {
			f.Data = append(f.Data, '\n')
		}
		f.Data = append(f.Data, text...)
		return true, nil
	}
	root := docs[0].Content[0]
	p := make(fieldpath.Path, len(e.path))
	for i, s := range e.path {
		switch s := s.(type) {
		case string:
			p[i] = fieldpath.Key(s)
		case int:
			p[i] = fieldpath.Index(s)
		}
	}
	ed, err := yamledit.NewDocument(f.Data, root).Change(root, finding.Change{Op: finding.Set, Path: p, Value: e.value}, yamledit.Context{})
	if errors.Is(err, yamledit.ErrNoop) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%s: set %s: %w", e.file, p, err)
	}
	out, err := yamledit.Apply(f.Data, ed.Edits)
	if err != nil {
		return false, fmt.Errorf("%s: %w", e.file, err)
	}
	f.Data = out
	return true, nil
}

// fresh is the text of a values file that sets only e's leaf.
func fresh(e edit) ([]byte, error) {
	var v any = e.value
	for i := len(e.path) - 1; i >= 0; i-- {
		k, ok := e.path[i].(string)
		if !ok {
			return nil, fmt.Errorf("%s: a list item of values; edit it by hand", e.file)
		}
		v = map[string]any{k: v}
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2) // as helm create writes values
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}
