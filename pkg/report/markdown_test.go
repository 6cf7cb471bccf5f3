package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// comparedReport is the sample compared with a baseline: a base finding reaching two
// overlays, and fixed findings of an overlay and of a plain file.
func comparedReport() Report {
	r := sampleReport()
	r.Findings[0].Objects = []finding.Reached{{ObjectRef: r.Findings[0].Object, Overlay: "overlays/dev"},
		{ObjectRef: finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop-prod", Name: "web"}, Overlay: "overlays/prod"}}
	r.Findings[0].Overlay = "overlays/dev"
	r.Compared = &Comparison{Since: "origin/main", Existing: 7, Units: []string{"overlays/dev", "overlays/prod", "pod.yaml"},
		Fixed: []Fixed{
			{Check: "host-namespaces", File: "overlays/prod/debug.yaml", Line: 8, Object: "Deployment.apps//web", Path: "spec.template.spec.hostPID", Environments: []string{"overlays/prod"}},
			{Check: "image-latest-tag", File: "pod.yaml", Object: "Pod//debug", Path: "spec.containers[name=web].image", Environments: []string{"."}},
		}}
	return r
}

// TestMarkdownNeverExceedsTheLimit renders a report far larger than a comment may be.
func TestMarkdownNeverExceedsTheLimit(t *testing.T) {
	var r Report
	for i := range 5000 {
		r.Findings = append(r.Findings, finding.Finding{Check: "privileged-container", Severity: finding.Severity(1 + i%4),
			Message: strings.Repeat("container runs privileged ", 4) + "ü", File: fmt.Sprintf("apps/app-%04d/deployment.yaml", i), Line: i + 1, Column: 3,
			Object: finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Name: fmt.Sprintf("app-%d", i)}, Path: "spec.x"})
	}
	r.Compared = &Comparison{Baseline: "b", Fixed: make([]Fixed, 3000)}
	for i := range r.Compared.Fixed {
		r.Compared.Fixed[i] = Fixed{Check: "host-port", File: fmt.Sprintf("old/%d.yaml", i), Object: "Pod//p", Path: "spec.hostPort"}
	}
	var b bytes.Buffer
	if err := Markdown(&b, r, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if n := utf8.RuneCountInString(out); n > MarkdownLimit || len(out) > MarkdownLimit {
		t.Errorf("%d characters, %d bytes: over the limit of %d", n, len(out), MarkdownLimit)
	}
	if !strings.Contains(out, "> Truncated: ") || !strings.HasPrefix(out, "### kubectl-secure: 5000 new findings") {
		t.Errorf("no truncation note or headline:\n%s", out[len(out)-300:])
	}
	if strings.Count(out, "<details>") != strings.Count(out, "</details>") {
		t.Error("a <details> left open")
	}
	// Within the limit nothing is left out.
	small := Report{Findings: r.Findings[:3]}
	b.Reset()
	if err := Markdown(&b, small, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Truncated") {
		t.Error("a small report was truncated")
	}
}

func TestMarkdownEscapesManifestText(t *testing.T) {
	r := Report{Findings: []finding.Finding{{Check: "c", Severity: finding.High, File: "a.yaml", Line: 1,
		Message: "<img src=x onerror=alert(1)> [link](http://evil) | cell `code` **bold**\n# heading",
		Object:  finding.ObjectRef{Kind: "Pod", Name: "<script>"}, Path: "x"}}}
	var b bytes.Buffer
	if err := Markdown(&b, r, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Each of these may only appear with its first character escaped by a backslash.
	for _, bad := range []string{"<img", "<script>", "](http", "| cell", "`code`", "**bold**", "# heading"} {
		for i := strings.Index(out, bad); i >= 0; {
			if i == 0 || out[i-1] != '\\' {
				t.Errorf("markup %q from a manifest survived:\n%s", bad, out)
				break
			}
			next := strings.Index(out[i+1:], bad)
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
}
