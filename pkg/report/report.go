// Package report writes the result of a lint run in the formats users and tools read.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Report is the result of one lint run.
type Report struct {
	Findings []finding.Finding
	Errors   []finding.InputError
	Files    int // files read as input (load.Loaded.Files), not files with findings
	Objects  int
	// Rules describes the checks that ran. SARIF lists them as the tool's rules so code
	// scanning can show what a rule is about even for rules with no result; the caller fills
	// it from the check registry, which this package does not import.
	Rules []RuleInfo
	// Linted lists the objects that were linted, so JUnit can report the ones that passed.
	// Optional: formats that only list problems ignore it.
	Linted []ObjectInfo
	// Suppressed are the findings the user's suppressions hid. They do not count toward
	// the exit status; JSON always lists them, text only when asked.
	Suppressed []Suppressed
	// Compared is the comparison with a baseline or an earlier revision (--baseline,
	// --since), nil without one: Findings are then only the new findings.
	Compared *Comparison
}

// Suppressed is a finding hidden by a suppression, with the suppression's reason and the
// place it is written, so a reviewer can find and question it.
type Suppressed struct {
	Finding     finding.Finding `json:"finding"`
	Reason      string          `json:"reason"`
	Suppression Suppression     `json:"suppression"`
}

// Suppression is where a suppression is written.
type Suppression struct {
	Kind string `json:"kind"` // "annotation", "comment" or "config"
	File string `json:"file"`
	Line int    `json:"line"`
}

// RuleInfo is what a report format needs to know about a check.
type RuleInfo struct {
	ID       string
	Title    string // one line
	Why      string
	Bad      string // YAML that fires
	Good     string // the same YAML fixed
	Fix      string
	Category string
	Severity finding.Severity // after the user's overrides
	PSS      string
	// References are the keys of the published controls the check implements
	// ("cis-5.2.2", "nsa-pod-security/enforcement", "mitre-t1611"); SARIF tags carry them.
	References []string
}

// ObjectInfo places a linted object: the file and line of the document the user edits.
type ObjectInfo struct {
	File string
	Line int
	Ref  finding.ObjectRef
}

// Summary is the closing count; its JSON form is part of the product contract.
type Summary struct {
	Files    int `json:"files"`
	Objects  int `json:"objects"`
	Findings int `json:"findings"`
}

type jsonReport struct {
	Findings   []finding.Finding    `json:"findings"`
	Errors     []finding.InputError `json:"errors"`
	Suppressed []Suppressed         `json:"suppressed"`
	Baseline   *Comparison          `json:"baseline,omitempty"`
	Summary    Summary              `json:"summary"`
}

// JSON writes the report as one JSON document (DESIGN.md's shape). Empty lists are written
// as [] so consumers never meet null.
func JSON(w io.Writer, r Report) error {
	doc := jsonReport{Findings: r.Findings, Errors: r.Errors,
		Summary: Summary{Files: r.Files, Objects: r.Objects, Findings: len(r.Findings)}}
	if doc.Findings == nil {
		doc.Findings = []finding.Finding{}
	}
	if doc.Errors == nil {
		doc.Errors = []finding.InputError{}
	}
	doc.Suppressed = r.Suppressed
	if doc.Suppressed == nil {
		doc.Suppressed = []Suppressed{}
	}
	doc.Baseline = r.Compared
	jw := jsonWriter{buf: make([]byte, 0, 1024+768*(len(doc.Findings)+len(doc.Suppressed)))}
	jw.report(doc)
	_, err := w.Write(escapeJSONText(jw.buf))
	return err
}

// encodeJSON writes v as indented JSON. encoding/json escapes C0 controls and U+2028/9 but
// leaves DEL, C1 controls (U+009B is a CSI), bidi and other invisible characters raw, and a
// legacy "##[" workflow command is plain text to it; so text from a manifest could still act
// on a terminal or a GitHub Actions log that shows the output. Those are escaped too.
func encodeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	_, err := w.Write(escapeJSONText(buf.Bytes()))
	return err
}

// escapeJSONText \u-escapes what encodeJSON describes. Such characters, like '#', can only
// occur inside strings (the JSON structure is ASCII without '#'), where any character may
// be written as an escape, so the document still decodes to the same values. Once the
// invisible characters are escaped, "##[" can only appear literally.
func escapeJSONText(b []byte) []byte {
	// encoding/json's output is ASCII apart from the text of strings. Printable ASCII is
	// never ignorable, so runs of it are skipped (or copied) whole and only the rest is
	// decoded and looked up in the Unicode tables: one arrow in a message must not send a
	// whole report through them.
	var out []byte
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && (b[j] >= 0x20 && b[j] < 0x7f || b[j] == '\n') {
			j++
		}
		if out != nil {
			out = append(out, b[i:j]...)
		}
		if i = j; i == len(b) {
			break
		}
		r, size := utf8.DecodeRune(b[i:])
		if ignorable(r) {
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			if r1, r2 := utf16.EncodeRune(r); r1 != unicode.ReplacementChar {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		out = b
	}
	if !bytes.Contains(out, []byte("##[")) {
		return out // bytes.ReplaceAll would copy the whole report even when nothing matches
	}
	return bytes.ReplaceAll(out, []byte("##["), []byte(`#\u0023[`))
}
