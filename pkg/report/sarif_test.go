package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// The official SARIF 2.1.0 schema (OASIS errata 01), vendored in testdata: see
// testdata/README.md for where it comes from.
const sarifSchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	// Formats (uri, uri-reference, date-time) are part of what a consumer checks.
	c.AssertFormat()
	if err := c.AddResource(sarifSchemaID, doc); err != nil {
		return nil, err
	}
	return c.Compile(sarifSchemaID)
})

func validateSARIF(t *testing.T, out []byte) {
	t.Helper()
	sch, err := compiledSchema()
	if err != nil {
		t.Fatalf("compiling the SARIF schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("SARIF does not match the 2.1.0 schema: %v", err)
	}
}

func TestSARIFSchema(t *testing.T) {
	for name, r := range map[string]Report{"sample": sampleReport(), "hostile": hostileReport(), "empty": {}} {
		t.Run(name, func(t *testing.T) { validateSARIF(t, render(t, "sarif", r)) })
	}
	// The schema really is checked: a SARIF log without runs fails.
	sch, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"version":"2.1.0"}`)))
	if sch.Validate(bad) == nil {
		t.Errorf("schema accepted a log without runs")
	}
}

func decodeSARIF(t *testing.T, out []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	return log
}

// TestSARIFContent checks what GitHub code scanning reads beyond the schema.
func TestSARIFContent(t *testing.T) {
	r := sampleReport()
	run := decodeSARIF(t, render(t, "sarif", r)).Runs[0]
	d := run.Tool.Driver
	if d.Name != "kubectl-secure" || d.InformationURI == "" || d.Version == "" {
		t.Errorf("driver %+v", d)
	}
	// Every described rule, then the one a finding named without a description.
	if len(d.Rules) != len(r.Rules)+1 || d.Rules[len(d.Rules)-1].ID != "image-tag-latest" {
		t.Errorf("rules: %+v", d.Rules)
	}
	wantLevel := map[string]string{"privileged-container": "error", "host-namespaces": "error",
		"seccomp-profile-missing": "warning", "automount-service-account-token": "note"}
	wantSec := map[string]string{"privileged-container": "9.5", "host-namespaces": "8.0",
		"seccomp-profile-missing": "5.5", "automount-service-account-token": "3.0"}
	for _, rule := range d.Rules {
		if l, ok := wantLevel[rule.ID]; ok && rule.DefaultConfiguration.Level != l {
			t.Errorf("%s: level %s, want %s", rule.ID, rule.DefaultConfiguration.Level, l)
		}
		if s, ok := wantSec[rule.ID]; ok && rule.Properties.SecuritySeverity != s {
			t.Errorf("%s: security-severity %s, want %s", rule.ID, rule.Properties.SecuritySeverity, s)
		}
		if len(rule.Properties.Tags) == 0 || rule.Properties.Tags[0] != "security" {
			t.Errorf("%s: tags %v lack security", rule.ID, rule.Properties.Tags)
		}
	}
	if rule := d.Rules[1]; rule.Name != "PrivilegedContainer" || rule.ShortDescription.Text != "Container runs privileged" ||
		rule.FullDescription.Text != "Root in it is root on the node." || rule.Help == nil ||
		!bytes.Contains([]byte(rule.Help.Markdown), []byte("```yaml\nprivileged: true\n```")) {
		t.Errorf("privileged-container rule: %+v", rule)
	}

	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results for %d findings", len(run.Results), len(r.Findings))
	}
	seen := map[string]bool{}
	for i, res := range run.Results {
		f := r.Findings[i]
		if d.Rules[res.RuleIndex].ID != res.RuleID || res.RuleID != f.Check {
			t.Errorf("result %d: ruleId %s, ruleIndex %d -> %s", i, res.RuleID, res.RuleIndex, d.Rules[res.RuleIndex].ID)
		}
		pl := res.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != f.File || pl.ArtifactLocation.URIBaseID != "%SRCROOT%" {
			t.Errorf("result %d: artifact %+v", i, pl.ArtifactLocation)
		}
		if pl.Region == nil || pl.Region.StartLine != f.Line || pl.Region.StartColumn != f.Column {
			t.Errorf("result %d: region %+v, want %d:%d", i, pl.Region, f.Line, f.Column)
		}
		fp := res.PartialFingerprints[fingerprintKey]
		if fp == "" || seen[fp] {
			t.Errorf("result %d: fingerprint %q missing or shared", i, fp)
		}
		seen[fp] = true
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 2 {
		t.Errorf("invocation %+v", inv)
	}
	if n := inv.ToolExecutionNotifications[0]; n.Level != "error" ||
		n.Locations[0].PhysicalLocation.ArtifactLocation.URI != "broken.yaml" || n.Locations[0].PhysicalLocation.Region.StartLine != 3 {
		t.Errorf("notification %+v", n)
	}
	if n := inv.ToolExecutionNotifications[1]; n.Locations[0].PhysicalLocation.Region != nil {
		t.Errorf("notification without a line has a region: %+v", n)
	}

	ok := decodeSARIF(t, render(t, "sarif", Report{})).Runs[0]
	if !ok.Invocations[0].ExecutionSuccessful || ok.Results == nil || ok.Tool.Driver.Rules == nil {
		t.Errorf("empty run: %+v", ok)
	}
}

// TestSARIFFingerprintStable: moving a finding to another line (an edit above it) or
// rewording its message keeps the alert; another object or field is another alert.
func TestSARIFFingerprintStable(t *testing.T) {
	base := sampleReport().Findings[0]
	fp := func(f finding.Finding) string {
		uri, _ := artifactURI(f.File, "")
		return fingerprint(f, uri)
	}
	moved := base
	moved.Line, moved.Column, moved.Message = 40, 3, "reworded"
	if fp(moved) != fp(base) {
		t.Errorf("fingerprint depends on line or message")
	}
	for name, change := range map[string]func(*finding.Finding){
		"check":  func(f *finding.Finding) { f.Check = "other" },
		"file":   func(f *finding.Finding) { f.File = "other.yaml" },
		"object": func(f *finding.Finding) { f.Object.Namespace = "other" },
		"path":   func(f *finding.Finding) { f.Path = "spec.other" },
	} {
		f := base
		change(&f)
		if fp(f) == fp(base) {
			t.Errorf("fingerprint ignores the %s", name)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("paths below are POSIX")
	}
	wd := "/src/repo"
	cases := []struct {
		file, workDir, uri, base string
	}{
		{"deploy/web.yaml", wd, "deploy/web.yaml", "%SRCROOT%"},
		{"./deploy//web.yaml", wd, "deploy/web.yaml", "%SRCROOT%"},
		{"/src/repo/deploy/web.yaml", wd, "deploy/web.yaml", "%SRCROOT%"},
		{"/elsewhere/web.yaml", wd, "file:///elsewhere/web.yaml", ""},
		{"../other/web.yaml", wd, "file:///src/other/web.yaml", ""},
		{"../other/web.yaml", "", "../other/web.yaml", "%SRCROOT%"},
		{"-", wd, "-", "%SRCROOT%"},
		{"a b#c?d%e.yaml", wd, "a%20b%23c%3Fd%25e.yaml", "%SRCROOT%"},
		{"c:x.yaml", wd, "./c:x.yaml", "%SRCROOT%"},
		{"café.yaml", wd, "caf%C3%A9.yaml", "%SRCROOT%"},
	}
	for _, tc := range cases {
		uri, base := artifactURI(tc.file, tc.workDir)
		if uri != tc.uri || base != tc.base {
			t.Errorf("artifactURI(%q, %q) = %q, %q; want %q, %q", tc.file, tc.workDir, uri, base, tc.uri, tc.base)
		}
	}
}

// TestSARIFSchemaCLIGoldens validates what the CLI wrote for the example repository, with
// every registered check as a rule, not only the hand-made reports above.
func TestSARIFSchemaCLIGoldens(t *testing.T) {
	for _, name := range []string{"example-sarif", "bad-inputs-sarif", "suppress-sarif"} {
		t.Run(name, func(t *testing.T) {
			golden, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", name+".golden"))
			if err != nil {
				t.Skipf("CLI golden not found: %v", err)
			}
			_, stdout, ok := bytes.Cut(golden, []byte("\n--- stdout\n"))
			stdout, _, ok2 := bytes.Cut(stdout, []byte("--- stderr\n"))
			if !ok || !ok2 {
				t.Fatalf("%s: no stdout section", name)
			}
			validateSARIF(t, stdout)
		})
	}
}

// TestSARIFRuleTagsCarryReferences: a rule's tags are "security", its category, then the
// keys of the controls it implements, so code scanning can filter alerts by CIS section
// or ATT&CK technique; the log stays valid against the schema (tags are unique items).
func TestSARIFRuleTagsCarryReferences(t *testing.T) {
	r := Report{Rules: []RuleInfo{
		{ID: "privileged-container", Category: "security-context", Severity: finding.Critical,
			References: []string{"cis-5.2.2", "nsa-pod-security/enforcement", "mitre-t1611"}},
		{ID: "stale-suppression", Category: "suppression", Severity: finding.Low},
	}}
	out := render(t, "sarif", r)
	validateSARIF(t, out)
	rules := decodeSARIF(t, out).Runs[0].Tool.Driver.Rules
	want := [][]string{
		{"security", "security-context", "cis-5.2.2", "nsa-pod-security/enforcement", "mitre-t1611"},
		{"security", "suppression"},
	}
	for i, rule := range rules {
		if !slices.Equal(rule.Properties.Tags, want[i]) {
			t.Errorf("%s: tags %q, want %q", rule.ID, rule.Properties.Tags, want[i])
		}
	}
}
