package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// jsonReference is the report as encoding/json writes it: the hand-written writer must match
// it byte for byte.
func jsonReference(t *testing.T, doc jsonReport) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := encodeJSON(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	odd := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r", "\x00\x01\x1f\x7f",
		"<html> & </html>", "ünïcödé ✓", "\u2028\u2029", "bidi \u202e text", "##[error] x", "\xff\xfe invalid", "emoji 😀"}
	var findings []finding.Finding
	var errs []finding.InputError
	var sup []Suppressed
	for i, s := range odd {
		f := finding.Finding{Check: s, Category: s, Severity: finding.Severity(i % 6), PSS: s, Message: s, File: s,
			Line: i, Column: -i, Object: finding.ObjectRef{APIVersion: s, Kind: s, Namespace: s, Name: s}, Path: s}
		if i%2 == 0 {
			f.Fix = &finding.Fix{Description: s, Safe: i%4 == 0}
		}
		if i%3 == 0 { // a merged finding: every object it reaches, with its overlay or none
			f.Objects = []finding.Reached{{ObjectRef: f.Object, Overlay: s},
				{ObjectRef: finding.ObjectRef{APIVersion: s, Kind: s, Name: s}}}
		}
		findings = append(findings, f)
		errs = append(errs, finding.InputError{File: s, Line: i % 3, Message: s})
		sup = append(sup, Suppressed{Finding: f, Reason: s, Suppression: Suppression{Kind: s, File: s, Line: i}})
	}
	cases := map[string]jsonReport{
		"empty":    {Findings: []finding.Finding{}, Errors: []finding.InputError{}, Suppressed: []Suppressed{}},
		"full":     {Findings: findings, Errors: errs, Suppressed: sup, Summary: Summary{Files: 1, Objects: 2}},
		"findings": {Findings: findings[:1], Errors: []finding.InputError{}, Suppressed: []Suppressed{}},
		"compared": {Findings: findings[:2], Errors: []finding.InputError{}, Suppressed: []Suppressed{},
			Baseline: &Comparison{Baseline: odd[2], Existing: 3, Units: odd, Fixed: []Fixed{
				{Check: odd[3], File: odd[4], Line: 2, Object: odd[5], Path: odd[6], Environments: odd},
				{Check: odd[1], File: odd[1], Object: odd[1]}}}},
		"since": {Findings: []finding.Finding{}, Errors: []finding.InputError{}, Suppressed: []Suppressed{},
			Baseline: &Comparison{Since: "HEAD~1", Fixed: []Fixed{}}},
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			doc.Summary.Findings = len(doc.Findings) // JSON counts them itself
			want := jsonReference(t, doc)
			var got bytes.Buffer
			if err := JSON(&got, Report{Findings: doc.Findings, Errors: doc.Errors, Suppressed: doc.Suppressed,
				Files: doc.Summary.Files, Objects: doc.Summary.Objects, Compared: doc.Baseline}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("hand-written JSON differs from encoding/json\n got: %s\nwant: %s", got.Bytes(), want)
			}
		})
	}
}

// TestJSONStringMatchesEncodingJSON holds each path of jsonWriter.str (verbatim, quotes and
// backslashes escaped by hand, encoding/json) to encoding/json's bytes, for every string of
// up to two bytes and for longer mixes of the characters each path decides on.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	var inputs []string
	for a := 0; a < 256; a++ {
		inputs = append(inputs, string([]byte{byte(a)}))
		for b := 0; b < 256; b += 7 {
			inputs = append(inputs, string([]byte{byte(a), byte(b)}))
		}
	}
	inputs = append(inputs, `namespace "default" has no policy`, `C:\path\"x"`, `\\"\\`, `<a href="x">&amp;</a>`,
		`quoted "ünï" name`, "tab\t\"x\"", `ends with \`, `"`)
	for _, s := range inputs {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		var w jsonWriter
		w.str(s)
		if got := string(w.buf); got != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%q: wrote %s, encoding/json %s", s, got, want.String())
		}
	}
}
