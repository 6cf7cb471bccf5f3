package report

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// jsonWriter writes the JSON report by hand, byte for byte what encoding/json with
// SetIndent("", "  ") and SetEscapeHTML(false) writes for jsonReport (a test holds the two
// to the same output). On a large repository the report holds thousands of findings, and
// reflection plus re-indenting the encoded text cost a fifth of the whole run; knowing the
// shape, the writer appends each field once.
type jsonWriter struct {
	buf    []byte
	indent int
}

func (w *jsonWriter) newline() {
	w.buf = append(w.buf, '\n')
	for i := 0; i < w.indent; i++ {
		w.buf = append(w.buf, ' ', ' ')
	}
}

// open starts an object or array; first fields follow on their own line.
func (w *jsonWriter) open(c byte) {
	w.buf = append(w.buf, c)
	w.indent++
}

func (w *jsonWriter) close(c byte) {
	w.indent--
	w.newline()
	w.buf = append(w.buf, c)
}

// key writes the separator before a member, the member's name and the colon.
func (w *jsonWriter) key(first bool, name string) {
	if !first {
		w.buf = append(w.buf, ',')
	}
	w.newline()
	w.str(name)
	w.buf = append(w.buf, ':', ' ')
}

func (w *jsonWriter) str(s string) {
	switch asciiJSONString(s) {
	case asciiPlain:
		w.buf = append(w.buf, '"')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '"')
		return
	case asciiQuoted:
		// Printable ASCII whose only specials are quotes and backslashes (messages that
		// quote a name): encoding/json writes each as itself after a backslash.
		w.buf = append(w.buf, '"')
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '"' || c == '\\' {
				w.buf = append(w.buf, '\\', c)
			} else {
				w.buf = append(w.buf, c)
			}
		}
		w.buf = append(w.buf, '"')
		return
	}
	// Anything else that needs escaping (control characters, non-ASCII) takes
	// encoding/json's own path, so escapes match it.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	w.buf = append(w.buf, bytes.TrimSuffix(b.Bytes(), []byte{'\n'})...)
}

// How a string reads to encoding/json (with HTML escaping off).
const (
	asciiPlain  = iota // printable ASCII without quote or backslash: written verbatim
	asciiQuoted        // printable ASCII with quotes or backslashes: each escaped by a backslash
	notASCII           // control characters or bytes above 0x7e: encoding/json decides
)

func asciiJSONString(s string) int {
	kind := asciiPlain
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f:
			return notASCII
		case c == '"' || c == '\\':
			kind = asciiQuoted
		}
	}
	return kind
}

func (w *jsonWriter) strField(first bool, name, v string) {
	w.key(first, name)
	w.str(v)
}

func (w *jsonWriter) intField(first bool, name string, v int) {
	w.key(first, name)
	w.buf = strconv.AppendInt(w.buf, int64(v), 10)
}

func (w *jsonWriter) report(r jsonReport) {
	w.open('{')
	w.key(true, "findings")
	w.list(len(r.Findings), func(i int) { w.finding(&r.Findings[i]) })
	w.key(false, "errors")
	w.list(len(r.Errors), func(i int) { w.inputError(&r.Errors[i]) })
	w.key(false, "suppressed")
	w.list(len(r.Suppressed), func(i int) { w.suppressed(&r.Suppressed[i]) })
	if r.Baseline != nil {
		w.key(false, "baseline")
		w.comparison(r.Baseline)
	}
	w.key(false, "summary")
	w.open('{')
	w.intField(true, "files", r.Summary.Files)
	w.intField(false, "objects", r.Summary.Objects)
	w.intField(false, "findings", r.Summary.Findings)
	w.close('}')
	w.close('}')
	w.buf = append(w.buf, '\n')
}

// list writes an array of n elements; an empty one is [] as encoding/json writes it.
func (w *jsonWriter) list(n int, elem func(i int)) {
	if n == 0 {
		w.buf = append(w.buf, '[', ']')
		return
	}
	w.open('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.newline()
		elem(i)
	}
	w.close(']')
}

func (w *jsonWriter) finding(f *finding.Finding) {
	w.open('{')
	w.strField(true, "check", f.Check)
	w.strField(false, "category", f.Category)
	w.strField(false, "severity", f.Severity.String())
	if f.PSS != "" {
		w.strField(false, "pss", f.PSS)
	}
	w.strField(false, "message", f.Message)
	w.strField(false, "file", f.File)
	w.intField(false, "line", f.Line)
	w.intField(false, "column", f.Column)
	w.key(false, "object")
	w.objectRef(f.Object, "")
	if len(f.Objects) > 0 {
		w.key(false, "objects")
		w.list(len(f.Objects), func(i int) { w.objectRef(f.Objects[i].ObjectRef, f.Objects[i].Overlay) })
	}
	w.strField(false, "path", f.Path)
	if f.Fix != nil {
		w.key(false, "fix")
		w.open('{')
		w.strField(true, "description", f.Fix.Description)
		w.key(false, "safe")
		w.buf = strconv.AppendBool(w.buf, f.Fix.Safe)
		w.close('}')
	}
	w.close('}')
}

// objectRef writes an object reference, with the overlay that built it when one is given
// (finding.Reached).
func (w *jsonWriter) objectRef(o finding.ObjectRef, overlay string) {
	w.open('{')
	w.strField(true, "apiVersion", o.APIVersion)
	w.strField(false, "kind", o.Kind)
	if o.Namespace != "" {
		w.strField(false, "namespace", o.Namespace)
	}
	w.strField(false, "name", o.Name)
	if overlay != "" {
		w.strField(false, "overlay", overlay)
	}
	w.close('}')
}

func (w *jsonWriter) inputError(e *finding.InputError) {
	w.open('{')
	w.strField(true, "file", e.File)
	if e.Line != 0 {
		w.intField(false, "line", e.Line)
	}
	w.strField(false, "message", e.Message)
	w.close('}')
}

func (w *jsonWriter) suppressed(s *Suppressed) {
	w.open('{')
	w.key(true, "finding")
	w.finding(&s.Finding)
	w.strField(false, "reason", s.Reason)
	w.key(false, "suppression")
	w.open('{')
	w.strField(true, "kind", s.Suppression.Kind)
	w.strField(false, "file", s.Suppression.File)
	w.intField(false, "line", s.Suppression.Line)
	w.close('}')
	w.close('}')
}

// comparison writes what a run compared its findings with (report.Comparison).
func (w *jsonWriter) comparison(c *Comparison) {
	w.open('{')
	first := true
	if c.Baseline != "" {
		w.strField(first, "file", c.Baseline)
		first = false
	}
	if c.Since != "" {
		w.strField(first, "since", c.Since)
		first = false
	}
	w.intField(first, "existing", c.Existing)
	w.key(false, "fixed")
	if c.Fixed == nil {
		w.buf = append(w.buf, "null"...)
	} else {
		w.list(len(c.Fixed), func(i int) { w.fixed(&c.Fixed[i]) })
	}
	if len(c.Units) > 0 {
		w.key(false, "units")
		w.list(len(c.Units), func(i int) { w.str(c.Units[i]) })
	}
	w.close('}')
}

func (w *jsonWriter) fixed(f *Fixed) {
	w.open('{')
	w.strField(true, "check", f.Check)
	w.strField(false, "file", f.File)
	if f.Line != 0 {
		w.intField(false, "line", f.Line)
	}
	w.strField(false, "object", f.Object)
	w.strField(false, "path", f.Path)
	if len(f.Environments) > 0 {
		w.key(false, "environments")
		w.list(len(f.Environments), func(i int) { w.str(f.Environments[i]) })
	}
	w.close('}')
}
