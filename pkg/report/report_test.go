package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// sampleReport exercises every branch the writers have: severities, fixes safe and unsafe,
// findings with and without a path, two objects in one file, input errors with and without
// a line, a rule with no result, a finding whose rule the caller did not describe, and a
// linted object with no finding.
func sampleReport() Report {
	deploy := finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	pod := finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Name: "debug"}
	r := Report{
		Findings: []finding.Finding{
			{Check: "privileged-container", Category: "security-context", Severity: finding.Critical, PSS: finding.PSSBaseline,
				Message: `container "app" runs privileged: it has full access to the node`, File: "deploy/web.yaml", Line: 21, Column: 23,
				Object: deploy, Path: "spec.template.spec.containers[name=app].securityContext.privileged",
				Fix: &finding.Fix{Description: "set privileged: false"}},
			{Check: "seccomp-profile-missing", Category: "security-context", Severity: finding.Medium, PSS: finding.PSSRestricted,
				Message: "no seccomp profile is set", File: "deploy/web.yaml", Line: 14, Column: 7,
				Object: deploy, Path: "spec.template.spec.securityContext.seccompProfile",
				Fix: &finding.Fix{Description: "set seccompProfile.type: RuntimeDefault", Safe: true}},
			{Check: "host-namespaces", Category: "host-access", Severity: finding.High, PSS: finding.PSSBaseline,
				Message: "pod sets hostPID: true", File: "pod.yaml", Line: 6, Column: 12, Object: pod, Path: "spec.hostPID"},
			{Check: "image-tag-latest", Category: "supply-chain", Severity: finding.Low,
				Message: `image "nginx" has no tag`, File: "pod.yaml", Line: 9, Column: 14, Object: pod,
				Path: "spec.containers[name=web].image"},
			{Check: "namespace-without-network-policy", Category: "network-policy", Severity: finding.Medium,
				Message: `namespace "shop" has no NetworkPolicy`, File: "deploy/web.yaml", Line: 1, Column: 1, Object: deploy},
		},
		Errors: []finding.InputError{
			{File: "broken.yaml", Line: 3, Message: "yaml: mapping values are not allowed in this context"},
			{File: "missing.yaml", Message: "no such file or directory"},
		},
		Files:   4,
		Objects: 3,
		Rules: []RuleInfo{
			{ID: "host-namespaces", Title: "Pod shares a host namespace", Why: "Host namespaces break isolation.",
				Bad: "hostPID: true", Good: "hostPID: false", Fix: "Remove hostPID.", Category: "host-access",
				Severity: finding.High, PSS: finding.PSSBaseline},
			{ID: "privileged-container", Title: "Container runs privileged", Why: "Root in it is root on the node.",
				Bad: "privileged: true", Good: "privileged: false", Fix: "Remove privileged: true.", Category: "security-context",
				Severity: finding.Critical, PSS: finding.PSSBaseline},
			{ID: "seccomp-profile-missing", Title: "No seccomp profile", Why: "Unconfined syscalls.",
				Fix: "Set RuntimeDefault.", Category: "security-context", Severity: finding.Medium, PSS: finding.PSSRestricted},
			{ID: "namespace-without-network-policy", Title: "Namespace has no NetworkPolicy", Category: "network-policy",
				Severity: finding.Medium},
			{ID: "automount-service-account-token", Title: "Service account token mounted", Category: "rbac", Severity: finding.Low},
		},
		Linted: []ObjectInfo{
			{File: "deploy/web.yaml", Line: 1, Ref: deploy},
			{File: "deploy/web.yaml", Line: 40, Ref: finding.ObjectRef{APIVersion: "v1", Kind: "Service", Namespace: "shop", Name: "web"}},
			{File: "pod.yaml", Line: 1, Ref: pod},
		},
	}
	finding.Sort(r.Findings) // as the lint engine hands them over
	return r
}

// writers lists every format with the options a CI run would use.
var writers = []struct {
	name  string
	write func(*bytes.Buffer, Report) error
}{
	{"text", func(b *bytes.Buffer, r Report) error { return Text(b, r, TextOptions{}) }},
	{"json", func(b *bytes.Buffer, r Report) error { return JSON(b, r) }},
	{"sarif", func(b *bytes.Buffer, r Report) error { return SARIF(b, r, SARIFOptions{WorkDir: "/src"}) }},
	{"github", func(b *bytes.Buffer, r Report) error { return GitHub(b, r, GitHubOptions{WorkDir: "/src"}) }},
	{"junit", func(b *bytes.Buffer, r Report) error { return JUnit(b, r) }},
	{"markdown", func(b *bytes.Buffer, r Report) error { return Markdown(b, r, MarkdownOptions{WorkDir: "/src"}) }},
}

func render(t *testing.T, name string, r Report) []byte {
	t.Helper()
	for _, w := range writers {
		if w.name == name {
			var b bytes.Buffer
			if err := w.write(&b, r); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return b.Bytes()
		}
	}
	t.Fatalf("no writer %q", name)
	return nil
}

func TestGolden(t *testing.T) {
	reports := map[string]Report{"sample": sampleReport(), "hostile": hostileReport(), "empty": {}, "compared": comparedReport()}
	for _, input := range []string{"sample", "hostile", "empty", "compared"} {
		for _, w := range writers {
			t.Run(input+"-"+w.name, func(t *testing.T) {
				got := render(t, w.name, reports[input])
				golden := filepath.Join("testdata", "golden", input+"."+w.name+".golden")
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from %s (run with -update after checking):\n%s", golden, got)
				}
			})
		}
	}
}

// TestDeterministic renders each format twice from reports whose maps and slices could
// tempt a writer into iteration-order output.
func TestDeterministic(t *testing.T) {
	for _, w := range writers {
		for _, r := range []Report{sampleReport(), hostileReport()} {
			first := render(t, w.name, r)
			for range 5 {
				if again := render(t, w.name, r); !bytes.Equal(first, again) {
					t.Fatalf("%s: output changed between runs", w.name)
				}
			}
		}
	}
}
