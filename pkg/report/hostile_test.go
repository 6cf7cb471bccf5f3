package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// hostile is text a manifest can carry into names, paths and messages: terminal escapes,
// line breaks that start new workflow commands, already-escaped sequences the runner would
// decode, invalid UTF-8, characters XML 1.0 forbids, Unicode line separators and bidi
// overrides, and markup.
const hostile = "\x1b[31mred\x1b[0m \x1b]0;title\x07 a\nb\r\n::add-mask::s3cret\n::set-output name=x::y\r" +
	"::stop-commands::tok %0A::error::fake %25 \xff\xfe\xc0 nul\x00 bs\b del\x7f c1\u0085\u009b " +
	"\ufffe\uffff ls\u2028ps\u2029 bidi\u202e\u2066 ]]></failure><x a=\"'&> , : = ##[set-output name=z;]w " +
	"#\u200b#[add-mask]zw #\ufe0f#[add-mask]vs #\u034f#[add-mask]cgj"

// leading are values that begin a line of text output (file names, kinds) and would be
// read as commands once the runner trims white space or skips invisible characters.
var leading = []string{"::add-mask::a", "\u00a0::add-mask::b", "\u00ad::add-mask::c", ":\u200b:add-mask::d", "\u3000::add-mask::e"}

func hostileReport() Report {
	obj := finding.ObjectRef{APIVersion: "v1" + hostile, Kind: "Pod" + hostile, Namespace: "ns" + hostile, Name: "name" + hostile}
	return Report{
		Findings: []finding.Finding{
			{Check: "host-namespaces", Category: "host-access", Severity: finding.High, PSS: finding.PSSBaseline,
				Message: "msg " + hostile, File: "dir/evil" + hostile + ".yaml", Line: 3, Column: 5, Object: obj,
				Path: "spec.containers[name=" + hostile + "].image", Fix: &finding.Fix{Description: "fix " + hostile}},
			{Check: "host-namespaces", Category: "host-access", Severity: finding.Low,
				Message: hostile, File: "a,b:c%0A.yaml", Line: 1, Column: 1, Object: obj},
		},
		Errors:  []finding.InputError{{File: "err" + hostile + ".yaml", Line: 2, Message: "bad " + hostile}},
		Files:   2,
		Objects: 1,
		Rules:   []RuleInfo{{ID: "host-namespaces", Title: "Pod shares a host namespace", Category: "host-access", Severity: finding.High}},
		Linted:  []ObjectInfo{{File: "other" + hostile + ".yaml", Line: 1, Ref: finding.ObjectRef{Kind: "Service", Name: hostile}}},
	}
}

// assertInert fails when out holds anything a terminal, a log viewer or a line-based
// parser would act on: invalid UTF-8, control characters but the newline, Unicode line
// separators or bidi controls.
func assertInert(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Errorf("output is not valid UTF-8")
	}
	for i, r := range string(out) {
		if r != '\n' && (ignorable(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)) {
			t.Errorf("output holds %U at byte %d: %q", r, i, context(out, i))
			return
		}
	}
	for _, line := range strings.Split(string(out), "\n") {
		if cmd, ok := runnerCommand(line); ok {
			t.Errorf("the Actions runner would run %q from %q", cmd, line)
		}
	}
}

// runnerCommand reports whether the Actions runner would take line for a workflow command
// (ActionCommandManager.TryProcessCommand: TryParseV2, then the legacy TryParse), erring
// on the side of yes: it ignores invisible characters as a culture-aware comparison may
// and accepts any command name.
func runnerCommand(line string) (string, bool) {
	skeleton := strings.Map(func(r rune) rune {
		if ignorable(r) {
			return -1
		}
		return r
	}, line)
	if t := strings.TrimLeftFunc(skeleton, unicode.IsSpace); strings.HasPrefix(t, "::") {
		if end := strings.Index(t[2:], "::"); end >= 0 {
			name, _, _ := strings.Cut(t[2:2+end], " ")
			return name, true
		}
	}
	if i := strings.Index(skeleton, "##["); i >= 0 && strings.Contains(skeleton[i:], "]") {
		return skeleton[i:], true
	}
	return "", false
}

// assertOnlyOurCommands is assertInert for the github format, whose own lines are commands.
func assertOnlyOurCommands(t *testing.T, out []byte) {
	t.Helper()
	var rest []string
	for _, line := range strings.Split(string(out), "\n") {
		if cmd, ok := runnerCommand(line); ok && (cmd == "error" || cmd == "warning" || cmd == "notice") &&
			!strings.Contains(line, "##[") && strings.HasPrefix(line, "::"+cmd+" ") {
			continue
		}
		rest = append(rest, line)
	}
	assertInert(t, []byte(strings.Join(rest, "\n")))
}

func context(b []byte, i int) string {
	lo, hi := max(0, i-30), min(len(b), i+30)
	return string(b[lo:hi])
}

func TestHostileText(t *testing.T) {
	out := render(t, "text", hostileReport())
	assertInert(t, out)
	// Two findings (three lines each with the file header) and the summary: a line break
	// in the input must not add lines.
	if n := strings.Count(string(out), "\n"); n != 9 {
		t.Errorf("text has %d lines, want 9:\n%s", n, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			t.Errorf("line starts a workflow command: %q", line)
		}
	}
	// Colour must not let the input's own escapes through either.
	var b bytes.Buffer
	if err := Text(&b, hostileReport(), TextOptions{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "\x1b]") || strings.Contains(b.String(), "\x1b[31mred") {
		t.Errorf("input escape sequence reached coloured output")
	}
}

func TestHostileJSON(t *testing.T) {
	out := render(t, "json", hostileReport())
	assertInert(t, out)
	var back struct {
		Findings []finding.Finding `json:"findings"`
	}
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	if len(back.Findings) != 2 || !strings.Contains(back.Findings[0].Message, "::add-mask::") {
		t.Errorf("findings did not round-trip: %+v", back.Findings)
	}
}

func TestHostileSARIF(t *testing.T) {
	out := render(t, "sarif", hostileReport())
	assertInert(t, out)
	validateSARIF(t, out)
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	for _, res := range log.Runs[0].Results {
		uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if strings.ContainsAny(uri, " \n\r\x1b<>\"") {
			t.Errorf("URI not percent-encoded: %q", uri)
		}
		if strings.ContainsAny(res.Message.Text, "\n\r\x1b") {
			t.Errorf("message holds control characters: %q", res.Message.Text)
		}
	}
}

func TestHostileJUnit(t *testing.T) {
	out := render(t, "junit", hostileReport())
	assertInert(t, out)
	// Go's decoder rejects what XML 1.0 forbids, unlike its encoder, which replaces it.
	dec := xml.NewDecoder(bytes.NewReader(out))
	depth, elements := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("JUnit XML is not well-formed: %v\n%s", err, out)
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
		t.Errorf("unbalanced elements")
	}
	var doc junitTestsuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	// 3 suites (two finding files, the error's file, the passing object's file): the
	// markup in the input must not have added or closed any element.
	if len(doc.Suites) != 4 || doc.Tests != 4 || doc.Failures != 2 || doc.Errors != 1 {
		t.Errorf("suites %d tests %d failures %d errors %d, want 4 4 2 1", len(doc.Suites), doc.Tests, doc.Failures, doc.Errors)
	}
	if elements != 1+4+4+2+1 {
		t.Errorf("%d elements, want 12: input markup became elements", elements)
	}
}

func TestHostileGitHub(t *testing.T) {
	out := render(t, "github", hostileReport())
	assertOnlyOurCommands(t, out)
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 2 findings, 1 error and the summary:\n%s", len(lines), out)
	}
	for _, line := range lines[:3] {
		cmd, props, data, ok := parseWorkflowCommand(line)
		if !ok {
			t.Fatalf("not a workflow command: %q", line)
		}
		if cmd != "error" && cmd != "notice" {
			t.Errorf("command %q", cmd)
		}
		for k := range props {
			switch k {
			case "file", "line", "col", "title":
			default:
				t.Errorf("unexpected property %q in %q", k, line)
			}
		}
		// What the runner shows after unescaping: our one line break at most, never one
		// of the input's, and never a line that is a command of its own.
		for _, l := range strings.Split(data, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "::") {
				t.Errorf("decoded message line is a command: %q", l)
			}
		}
		if strings.ContainsAny(data, "\r") || strings.Count(data, "\n") > 1 {
			t.Errorf("decoded message holds input line breaks: %q", data)
		}
		for _, v := range props {
			if strings.ContainsAny(v, "\r\n") {
				t.Errorf("decoded property holds a line break: %q", v)
			}
		}
	}
	if strings.HasPrefix(lines[3], "::") {
		t.Errorf("summary looks like a command: %q", lines[3])
	}
	// The literal "%0A" in a file name must survive the runner's unescaping as text.
	_, props, _, _ := parseWorkflowCommand(lines[1])
	if props["file"] != "a,b:c%0A.yaml" {
		t.Errorf("file property decodes to %q", props["file"])
	}
}

// parseWorkflowCommand parses a line as the Actions runner's ActionCommand.TryParseV2 does:
// "::name k=v,k=v::data", leading spaces trimmed, properties split on "," and the first "=",
// then the runner's unescaping.
func parseWorkflowCommand(line string) (cmd string, props map[string]string, data string, ok bool) {
	line = strings.TrimLeft(line, " ")
	if !strings.HasPrefix(line, "::") {
		return "", nil, "", false
	}
	rest := line[2:]
	end := strings.Index(rest, "::")
	if end < 0 {
		return "", nil, "", false
	}
	info, data := rest[:end], rest[end+2:]
	cmd, propText, _ := strings.Cut(info, " ")
	props = map[string]string{}
	if propText != "" {
		for _, p := range strings.Split(propText, ",") {
			k, v, found := strings.Cut(p, "=")
			if !found || k == "" {
				continue
			}
			props[k] = unescapeProperty(v)
		}
	}
	return cmd, props, unescapeData(data), true
}

// The runner unescapes one mapping after the other, "%25" last; so does the test.
func unescapeData(s string) string {
	for _, m := range [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%25", "%"}} {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

func unescapeProperty(s string) string {
	for _, m := range [][2]string{{"%0D", "\r"}, {"%0A", "\n"}, {"%3A", ":"}, {"%2C", ","}, {"%25", "%"}} {
		s = strings.ReplaceAll(s, m[0], m[1])
	}
	return s
}

// TestHostileLineStarts puts command-like values where a writer starts a line with them:
// the file name heading a text group and the kind heading the detail line.
func TestHostileLineStarts(t *testing.T) {
	for _, v := range leading {
		r := Report{
			Findings: []finding.Finding{{Check: "c", Category: "x", Severity: finding.Medium, Message: v, File: v,
				Line: 1, Column: 1, Object: finding.ObjectRef{Kind: v, Namespace: v, Name: v}, Path: v}},
			Errors: []finding.InputError{{File: v, Message: v}},
			Rules:  []RuleInfo{{ID: "c", Title: v, Why: v, Bad: v, Good: v, Fix: v, Category: v, Severity: finding.Medium}},
			Linted: []ObjectInfo{{File: v, Ref: finding.ObjectRef{Kind: v, Name: v}}},
		}
		for _, w := range writers {
			out := render(t, w.name, r)
			if w.name == "github" {
				assertOnlyOurCommands(t, out)
			} else {
				assertInert(t, out)
			}
		}
		// The CLI writes input errors to stderr after a fixed prefix, one per line.
		assertInert(t, []byte("kubectl-secure: error: "+Sanitize(v)+"\n"+Sanitize(v)+"\n"))
	}
}

func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text: a, b # c [d]", "plain text: a, b # c [d]"},
		{"café ☃ 日本", "café ☃ 日本"},
		{"a\nb", `a\nb`},
		{"\x1b[31mred", `\x1b[31mred`},
		{"\xff\xfe", `\xff\xfe`},
		{"say \"hi\"\t", `say \"hi\"\t`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"rtl\u202e", `rtl\u202e`},
		{"::add-mask::x", `\x3a\x3aadd-mask\x3a\x3ax`},
		{"  ::error::x", `  \x3a\x3aerror\x3a\x3ax`},
		{"a ::b", "a ::b"}, // not at the start of anything
		{"x ##[set-output name=a;]b", `x \x23\x23[set-output name=a;]b`},
		// Invisible characters come out visible, which already breaks the command up.
		{"#\ufe0f#[add-mask]x", `#\ufe0f#[add-mask]x`},
		{"#\u200b#[add-mask]x", `#\u200b#[add-mask]x`},
		{"\u00ad::add-mask::x", `\u00ad::add-mask::x`},
		{"\u00a0::add-mask::x", "\u00a0\\x3a\\x3aadd-mask\\x3a\\x3ax"},
	}
	for _, tc := range cases {
		if got := Sanitize(tc.in); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
