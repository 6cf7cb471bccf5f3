package report

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func TestGitHubEscapes(t *testing.T) {
	cases := []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"100%", "100%25", "100%25"},
		{"a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"},
		{"k: v, w", "k: v, w", "k%3A v%2C w"},
		{"%0A", "%250A", "%250A"},
		{"::set-output name=a::b", "::set-output name=a::b", "%3A%3Aset-output name=a%3A%3Ab"},
	}
	for _, tc := range cases {
		if got := escapeData(tc.in); got != tc.data {
			t.Errorf("escapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := escapeProperty(tc.in); got != tc.prop {
			t.Errorf("escapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
		if got := unescapeData(escapeData(tc.in)); got != tc.in {
			t.Errorf("data %q does not round-trip through the runner: %q", tc.in, got)
		}
		if got := unescapeProperty(escapeProperty(tc.in)); got != tc.in {
			t.Errorf("property %q does not round-trip through the runner: %q", tc.in, got)
		}
	}
}

func TestGitHubCommands(t *testing.T) {
	r := sampleReport()
	out := string(render(t, "github", r))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(r.Findings)+len(r.Errors)+1 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	want := map[finding.Severity]string{finding.Critical: "error", finding.High: "error", finding.Medium: "warning", finding.Low: "notice"}
	for i, f := range r.Findings {
		cmd, props, data, ok := parseWorkflowCommand(lines[i])
		if !ok || cmd != want[f.Severity] {
			t.Errorf("line %d: %q, want a %s command", i, lines[i], want[f.Severity])
			continue
		}
		if props["file"] != f.File || props["line"] == "" || props["col"] == "" ||
			props["title"] != f.Check+" ("+f.Severity.String()+")" || !strings.HasPrefix(data, f.Message+"\n") {
			t.Errorf("line %d: props %v data %q", i, props, data)
		}
	}
	cmd, props, _, _ := parseWorkflowCommand(lines[len(r.Findings)])
	if cmd != "error" || props["file"] != "broken.yaml" || props["line"] != "3" {
		t.Errorf("input error: %q", lines[len(r.Findings)])
	}
	if _, props, _, _ := parseWorkflowCommand(lines[len(r.Findings)+1]); props["line"] != "" {
		t.Errorf("error without a line has one: %v", props)
	}

	// A path under the working directory is made relative, as annotations need.
	abs := Report{Findings: []finding.Finding{{Check: "c", Severity: finding.Low, File: "/src/repo/a.yaml", Line: 1, Column: 1}}}
	var b strings.Builder
	if err := GitHub(&b, abs, GitHubOptions{WorkDir: "/src/repo"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "::notice file=a.yaml,line=1,col=1,title=c (low)::") {
		t.Errorf("got %q", b.String())
	}
}
