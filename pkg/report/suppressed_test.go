package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func suppressedReport() Report {
	r := Report{Files: 1, Objects: 1}
	pod := finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Name: "debug"}
	r.Findings = []finding.Finding{{Check: "stale-suppression", Category: "suppression", Severity: finding.Low,
		Message: "ignore entry (checks: host-port) matches no finding: remove it", File: ".kubectl-secure.yaml", Line: 3, Column: 3}}
	r.Suppressed = []Suppressed{{
		Finding: finding.Finding{Check: "host-namespaces", Category: "host-access", Severity: finding.High,
			Message: "pod sets hostPID: true", File: "pod.yaml", Line: 6, Column: 12, Object: pod, Path: "spec.hostPID"},
		Reason:      "debugger \x1b[31mneeds\x1b[0m it",
		Suppression: Suppression{Kind: "comment", File: "pod.yaml", Line: 5},
	}}
	return r
}

func TestTextSuppressed(t *testing.T) {
	cases := []struct {
		name string
		show bool
		want string
	}{
		{name: "count only", want: `.kubectl-secure.yaml
  .kubectl-secure.yaml:3:3  low       stale-suppression  ignore entry (checks: host-port) matches no finding: remove it

1 finding (1 low); linted 1 object from 1 file; 1 suppressed
`},
		{name: "listed", show: true, want: `.kubectl-secure.yaml
  .kubectl-secure.yaml:3:3  low       stale-suppression  ignore entry (checks: host-port) matches no finding: remove it

Suppressed (1)
  pod.yaml:6:12  high      host-namespaces  pod sets hostPID: true
      Pod debug · spec.hostPID
      suppressed by comment at pod.yaml:5: debugger \x1b[31mneeds\x1b[0m it

1 finding (1 low); linted 1 object from 1 file; 1 suppressed
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Text(&b, suppressedReport(), TextOptions{ShowSuppressed: tc.show}); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

func TestJSONSuppressed(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, suppressedReport()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings   []json.RawMessage `json:"findings"`
		Suppressed []struct {
			Finding     finding.Finding `json:"finding"`
			Reason      string          `json:"reason"`
			Suppression Suppression     `json:"suppression"`
		} `json:"suppressed"`
		Summary Summary `json:"summary"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suppressed) != 1 || doc.Suppressed[0].Finding.Check != "host-namespaces" ||
		doc.Suppressed[0].Reason != "debugger \x1b[31mneeds\x1b[0m it" ||
		doc.Suppressed[0].Suppression != (Suppression{Kind: "comment", File: "pod.yaml", Line: 5}) {
		t.Errorf("suppressed = %+v", doc.Suppressed)
	}
	// Suppressed findings are not findings: the summary counts what is left.
	if doc.Summary.Findings != 1 || len(doc.Findings) != 1 {
		t.Errorf("summary = %+v", doc.Summary)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Errorf("raw escape in JSON output")
	}
}

func TestSARIFSuppressed(t *testing.T) {
	type sup struct {
		Kind, Status, Justification string
		Location                    *struct {
			PhysicalLocation struct {
				ArtifactLocation struct{ URI string }
				Region           struct{ StartLine int }
			}
		}
	}
	configured := suppressedReport()
	configured.Suppressed[0].Suppression = Suppression{Kind: "config", File: ".kubectl-secure.yaml", Line: 7}
	cases := []struct {
		name     string
		r        Report
		show     bool
		wantKind string // of the suppressed result's suppression; "" when it is not written
		wantFile string
		wantLine int
	}{
		{name: "not asked", r: suppressedReport()},
		{name: "comment", r: suppressedReport(), show: true, wantKind: "inSource", wantFile: "pod.yaml", wantLine: 5},
		{name: "config entry", r: configured, show: true, wantKind: "external", wantFile: ".kubectl-secure.yaml", wantLine: 7},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := SARIF(&b, tc.r, SARIFOptions{Suppressed: tc.show}); err != nil {
				t.Fatal(err)
			}
			validateSARIF(t, b.Bytes())
			var doc struct {
				Runs []struct {
					Tool struct {
						Driver struct{ Rules []struct{ ID string } }
					}
					Results []struct {
						RuleID       string
						RuleIndex    int
						Suppressions []sup
					}
				}
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			run := doc.Runs[0]
			want := 1
			if tc.wantKind != "" {
				want = 2
			}
			if len(run.Results) != want {
				t.Fatalf("%d results, want %d:\n%s", len(run.Results), want, b.String())
			}
			for _, res := range run.Results {
				if rules := run.Tool.Driver.Rules; res.RuleIndex >= len(rules) || rules[res.RuleIndex].ID != res.RuleID {
					t.Errorf("result %s: ruleIndex %d does not name its rule", res.RuleID, res.RuleIndex)
				}
			}
			if len(run.Results[0].Suppressions) != 0 {
				t.Errorf("the unsuppressed finding carries suppressions: %+v", run.Results[0].Suppressions)
			}
			if tc.wantKind == "" {
				return
			}
			res := run.Results[1]
			if res.RuleID != "host-namespaces" || len(res.Suppressions) != 1 {
				t.Fatalf("suppressed result %s with %d suppressions", res.RuleID, len(res.Suppressions))
			}
			s := res.Suppressions[0]
			if s.Kind != tc.wantKind || s.Status != "accepted" || s.Location == nil ||
				s.Location.PhysicalLocation.ArtifactLocation.URI != tc.wantFile || s.Location.PhysicalLocation.Region.StartLine != tc.wantLine {
				t.Errorf("suppression %+v, want kind %s at %s:%d", s, tc.wantKind, tc.wantFile, tc.wantLine)
			}
			// The reason is the justification, with the escape sequences made harmless.
			if strings.ContainsRune(s.Justification, 0x1b) || !strings.Contains(s.Justification, "needs") {
				t.Errorf("justification %q", s.Justification)
			}
		})
	}
}
