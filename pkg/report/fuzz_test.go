package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// FuzzWriters renders reports whose every string comes from the fuzzer, as every string of a
// real report can come from a stranger's manifest, through each writer. Whatever the text:
// JSON and SARIF are valid JSON that gives the text back, JUnit is well-formed XML whose
// structure the text cannot change, the github format holds exactly our commands, and no
// format lets a control character, an escape sequence or a workflow command through.
func FuzzWriters(f *testing.F) {
	for _, s := range [][6]string{
		{"deploy/web.yaml", `container "app" runs privileged`, "web", "spec.containers[name=app].securityContext.privileged", "privileged-container", "set privileged: false"},
		{"a,b:c%0A.yaml", "::set-output name=x::y", "::add-mask::secret", "%0A::error::fake%25", "c", "##[set-output name=z;]w"},
		{"\x1b[31mred\x1b[0m.yaml", "line\nbreak\r\n::warning::x", "\x1b]0;title\x07", "\u202e\u2066bidi", "host-namespaces", "\u2028\u2029"},
		{"\xff\xfe\xc0.yaml", "bad \xff utf8 \x00 nul \x7f del \u0085\u009b c1", "\ufffe\uffff", "]]></failure><x a=\"'&>", "", ""},
		{"/abs/path/x.yaml", "", "", "", "x", "#\u200b#[add-mask]zw"},
		{"../out/of/tree.yaml", "\u00a0::add-mask::b", "\u3000::notice::e", ":\u200b:add-mask::d", "--", "\u00ad::x"},
		{"C:\\win\\x.yaml", "%", "%25", "%0D%0A", "a-", "é ☃ 日本 \U0001F600"},
		{"", " ", "\t", "\\", "-a-b-", "\"quoted\""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], 3, 5, uint8(3))
	}
	f.Add(hostile, hostile, hostile, hostile, hostile, hostile, 0, 0, uint8(0))
	f.Add(leading[0], leading[1], leading[2], leading[3], leading[4], leading[0], -1, -7, uint8(255))

	f.Fuzz(func(t *testing.T, file, message, name, path, checkID, fixDesc string, line, col int, sev uint8) {
		r := fuzzReport(file, message, name, path, checkID, fixDesc, line, col, sev)
		for _, w := range writers {
			var b bytes.Buffer
			if err := w.write(&b, r); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			out := b.Bytes()
			switch w.name {
			case "text":
				checkText(t, r, out)
			case "json":
				checkJSON(t, r, out)
			case "sarif":
				checkSARIF(t, r, out)
			case "github":
				checkGitHub(t, r, out)
			case "junit":
				checkJUnit(t, out)
			}
			if t.Failed() {
				t.Fatalf("%s output:\n%s", w.name, out)
			}
		}
	})
}

// fuzzReport spreads the fuzz strings over every field a writer prints, in more than one
// role each (a message is also a file name, a file name also an object kind). Severities
// stay in range: the engine only reports registered checks' severities, and an out-of-range
// one would not survive JSON (it encodes as "unknown").
func fuzzReport(file, message, name, path, checkID, fixDesc string, line, col int, sev uint8) Report {
	obj := finding.ObjectRef{APIVersion: "v1", Kind: name, Namespace: path, Name: name}
	pss := []string{"", finding.PSSBaseline, finding.PSSRestricted, fixDesc}[sev>>6]
	return Report{
		Findings: []finding.Finding{
			{Check: checkID, Category: name, Severity: finding.Severity(sev%4 + 1), PSS: pss, Message: message,
				File: file, Line: line, Column: col, Object: obj, Path: path,
				Fix: &finding.Fix{Description: fixDesc, Safe: sev&8 != 0}},
			{Check: checkID, Category: "c", Severity: finding.High, Message: fixDesc, File: file, Line: line + 1,
				Column: 1, Object: finding.ObjectRef{Kind: file, Name: message}},
			{Check: "other-check", Category: "c", Severity: finding.Low, Message: name, File: message,
				Line: 1, Column: col, Object: finding.ObjectRef{APIVersion: path, Kind: checkID, Namespace: fixDesc, Name: file}},
		},
		Errors: []finding.InputError{
			{File: path, Line: line, Message: message},
			{File: file, Message: fixDesc},
		},
		Files:   2,
		Objects: 3,
		Rules: []RuleInfo{{ID: checkID, Title: message, Why: fixDesc, Bad: path, Good: name, Fix: fixDesc,
			Category: name, Severity: finding.Severity(sev%4 + 1), PSS: pss}},
		Linted: []ObjectInfo{
			{File: name, Line: col, Ref: finding.ObjectRef{Kind: path, Name: file}},
			{File: file, Line: line, Ref: obj},
		},
		Suppressed: []Suppressed{{
			Finding: finding.Finding{Check: checkID, Category: path, Severity: finding.Medium, Message: message,
				File: name, Line: col, Column: line, Object: obj, Path: fixDesc},
			Reason:      fixDesc,
			Suppression: Suppression{Kind: name, File: path, Line: line},
		}},
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func checkText(t *testing.T, r Report, out []byte) {
	t.Helper()
	for i, c := range out {
		if c < 0x20 && c != '\n' || c == 0x7f {
			t.Errorf("text output holds byte %#x at %d: %q", c, i, context(out, i))
			return
		}
	}
	assertInert(t, out)
	// Colour adds our SGR sequences and nothing else: without them it is the plain text.
	var colored bytes.Buffer
	if err := Text(&colored, r, TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if stripped := sgr.ReplaceAll(colored.Bytes(), nil); !bytes.Equal(stripped, out) {
		t.Errorf("coloured text without its colours differs from the plain text:\n%q\n%q", stripped, out)
	}
	// Suppressed findings, with their reasons, are text from the manifest too.
	var all bytes.Buffer
	if err := Text(&all, r, TextOptions{ShowSuppressed: true}); err != nil {
		t.Fatal(err)
	}
	for i, c := range all.Bytes() {
		if c < 0x20 && c != '\n' || c == 0x7f {
			t.Errorf("text with suppressed findings holds byte %#x at %d: %q", c, i, context(all.Bytes(), i))
			return
		}
	}
	assertInert(t, all.Bytes())
	if extra := strings.Count(all.String(), "\n") - strings.Count(string(out), "\n"); extra < 1 || extra > 8 {
		t.Errorf("listing %d suppressed finding adds %d lines", len(r.Suppressed), extra)
	}
}

func checkJSON(t *testing.T, r Report, out []byte) {
	t.Helper()
	if !json.Valid(out) {
		t.Fatalf("JSON output is not valid JSON")
	}
	if want := jsonReference(t, jsonReport{Findings: r.Findings, Errors: r.Errors, Suppressed: r.Suppressed,
		Summary: Summary{Files: r.Files, Objects: r.Objects, Findings: len(r.Findings)}}); !bytes.Equal(out, want) {
		t.Fatalf("hand-written JSON differs from encoding/json\n got: %s\nwant: %s", out, want)
	}
	assertInert(t, out)
	var back struct {
		Findings   []finding.Finding    `json:"findings"`
		Errors     []finding.InputError `json:"errors"`
		Suppressed []Suppressed         `json:"suppressed"`
		Summary    Summary              `json:"summary"`
	}
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("JSON does not decode: %v", err)
	}
	if len(back.Findings) != len(r.Findings) || len(back.Errors) != len(r.Errors) || back.Summary.Findings != len(r.Findings) {
		t.Fatalf("JSON holds %d findings and %d errors, want %d and %d", len(back.Findings), len(back.Errors), len(r.Findings), len(r.Errors))
	}
	for i, want := range r.Findings {
		got := back.Findings[i]
		for _, s := range [][2]string{{want.Message, got.Message}, {want.File, got.File}, {want.Path, got.Path},
			{want.Object.Name, got.Object.Name}, {want.Object.Kind, got.Object.Kind}, {want.Check, got.Check}} {
			if utf8.ValidString(s[0]) && s[0] != s[1] {
				t.Errorf("finding %d: %q came back as %q", i, s[0], s[1])
			}
		}
	}
	for i, want := range r.Errors {
		if utf8.ValidString(want.Message) && back.Errors[i].Message != want.Message {
			t.Errorf("error %d: %q came back as %q", i, want.Message, back.Errors[i].Message)
		}
	}
	if len(back.Suppressed) != len(r.Suppressed) {
		t.Fatalf("JSON holds %d suppressed findings, want %d", len(back.Suppressed), len(r.Suppressed))
	}
	for i, want := range r.Suppressed {
		got := back.Suppressed[i]
		for _, s := range [][2]string{{want.Reason, got.Reason}, {want.Finding.Message, got.Finding.Message},
			{want.Suppression.File, got.Suppression.File}, {want.Suppression.Kind, got.Suppression.Kind}} {
			if utf8.ValidString(s[0]) && s[0] != s[1] {
				t.Errorf("suppressed %d: %q came back as %q", i, s[0], s[1])
			}
		}
	}
}

func checkSARIF(t *testing.T, r Report, out []byte) {
	t.Helper()
	if !json.Valid(out) {
		t.Fatalf("SARIF output is not valid JSON")
	}
	assertInert(t, out)
	validateSARIF(t, out)
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatalf("SARIF does not decode: %v", err)
	}
	run := log.Runs[0]
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	for i, res := range run.Results {
		want := r.Findings[i]
		// SARIF shows messages escaped, as the text format does; escaped, they round-trip.
		if got := res.Message.Text; got != messageText(want.Message) {
			t.Errorf("result %d: message %q, want %q", i, got, messageText(want.Message))
		}
		if res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %d: ruleIndex %d does not name rule %q", i, res.RuleIndex, res.RuleID)
		}
		if utf8.ValidString(want.Check) && res.RuleID != want.Check {
			t.Errorf("result %d: ruleId %q, want %q", i, res.RuleID, want.Check)
		}
		loc := res.Locations[0].PhysicalLocation
		if uri := loc.ArtifactLocation.URI; strings.ContainsFunc(uri, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			t.Errorf("result %d: URI %q is not percent-encoded", i, uri)
		}
		if reg := loc.Region; reg != nil && (reg.StartLine < 1 || reg.StartColumn < 0) {
			t.Errorf("result %d: region %+v", i, *reg)
		}
	}
	if inv := run.Invocations[0]; inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != len(r.Errors) {
		t.Errorf("invocation %+v for %d input errors", inv, len(r.Errors))
	}
}

func checkGitHub(t *testing.T, r Report, out []byte) {
	t.Helper()
	if bytes.IndexByte(out, '\r') >= 0 {
		t.Fatalf("github output holds a raw CR")
	}
	assertOnlyOurCommands(t, out)
	if !bytes.HasSuffix(out, []byte("\n")) {
		t.Fatalf("github output does not end with a line break")
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	commands := len(r.Findings) + len(r.Errors)
	if len(lines) != commands+1 {
		t.Fatalf("%d lines, want %d commands and the summary", len(lines), commands)
	}
	for i, l := range lines[:commands] {
		cmd, props, data, ok := parseWorkflowCommand(l)
		if !ok || !strings.HasPrefix(l, "::") {
			t.Fatalf("line %d is not a workflow command: %q", i, l)
		}
		if cmd != "error" && cmd != "warning" && cmd != "notice" {
			t.Errorf("line %d: command %q", i, cmd)
		}
		if strings.ContainsAny(data, "\r") || strings.Count(data, "\n") > 1 {
			t.Errorf("line %d: message decodes to more lines than ours: %q", i, data)
		}
		for _, dl := range strings.Split(data, "\n") {
			if _, isCmd := runnerCommand(dl); isCmd {
				t.Errorf("line %d: decoded message line is a command: %q", i, dl)
			}
		}
		for k, v := range props {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("line %d: property %s decodes to a line break: %q", i, k, v)
			}
		}
		var file string
		if i < len(r.Findings) {
			file = r.Findings[i].File
		} else {
			file = r.Errors[i-len(r.Findings)].File
		}
		if file != "" {
			p, _ := repoPath(file, "/src")
			if want := Sanitize(p); props["file"] != want {
				t.Errorf("line %d: file property decodes to %q, want %q", i, props["file"], want)
			}
		}
	}
	if summary := strings.TrimSpace(lines[commands]); strings.HasPrefix(summary, "::") {
		t.Errorf("summary line looks like a command: %q", summary)
	}
}

func checkJUnit(t *testing.T, out []byte) {
	t.Helper()
	assertInert(t, out)
	dec := xml.NewDecoder(bytes.NewReader(out))
	depth, elements := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("JUnit XML is not well-formed: %v", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
			elements++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced elements")
	}
	var doc junitTestsuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("JUnit XML does not decode: %v", err)
	}
	// Every element is one the writer meant: text from the report cannot open or close any.
	want := 1 + len(doc.Suites)
	tests, failures, errs := 0, 0, 0
	for _, s := range doc.Suites {
		want += len(s.Cases)
		for _, c := range s.Cases {
			want += len(c.Failures) + len(c.Errors)
		}
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %q: tests=%d for %d cases", s.Name, s.Tests, len(s.Cases))
		}
		tests, failures, errs = tests+s.Tests, failures+s.Failures, errs+s.Errors
	}
	if elements != want {
		t.Errorf("%d elements, want %d", elements, want)
	}
	if doc.Tests != tests || doc.Failures != failures || doc.Errors != errs || failures+errs > tests {
		t.Errorf("totals tests=%d failures=%d errors=%d, suites add up to %d %d %d", doc.Tests, doc.Failures, doc.Errors, tests, failures, errs)
	}
}
