package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/reach"
)

func htmlReport(t *testing.T, r Report, v *Views) string {
	t.Helper()
	var b bytes.Buffer
	if err := HTML(&b, r, HTMLOptions{WorkDir: "/repo", Views: v}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var dataRE = regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`)

// A value that holds </script> or <!-- cannot end the data element or open a comment: the
// embedded JSON reads back as what was written.
func TestHTMLDataEscaped(t *testing.T) {
	hostile := `</script><script>alert(1)</script><!-- "quoted" & 'single' \u2028`
	r := Report{Findings: []finding.Finding{{Check: "x", Severity: finding.High, Message: hostile, File: "a</script>.yaml", Line: 3,
		Object: finding.ObjectRef{Kind: "Pod", Name: "p"}}}}
	g := &reach.Graph{Nodes: []*reach.Node{{ID: "ns/Pod/p", Kind: "Pod", Name: hostile, Labels: map[string]string{"a": hostile}}}}
	page := htmlReport(t, r, &Views{Graph: g})
	if n := strings.Count(page, "</script>"); n != 2 {
		t.Fatalf("%d </script> in the page, want 2 (the data's and the script's)", n)
	}
	m := dataRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data element")
	}
	var data htmlData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("data does not parse: %v", err)
	}
	if data.Findings[0].Message != hostile || data.Graph.Nodes[0].Name != hostile || data.Files[data.Findings[0].File] != "a</script>.yaml" {
		t.Errorf("data changed: %+v", data.Findings[0])
	}
	if data.Findings[0].Severity != "high" || data.WorkDir != "/repo" {
		t.Errorf("data: %+v", data)
	}
}

// The page makes no request: its Content-Security-Policy forbids all but inline script and
// style and data: images, and it names no URL but the SVG namespace.
func TestHTMLSelfContained(t *testing.T) {
	page := htmlReport(t, Report{}, nil)
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`) {
		t.Error("no Content-Security-Policy")
	}
	for _, u := range regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s"')]*`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("the page names %s", u)
		}
	}
	for _, tag := range []string{"<link", "<iframe", "<img", "@import", "src=\""} {
		if strings.Contains(page, tag) {
			t.Errorf("the page has %s", tag)
		}
	}
	// url(#arrow) names a marker of the page itself.
	if strings.Count(page, "url(") != strings.Count(page, "url(#") {
		t.Error("the page has a url() that is not a fragment of itself")
	}
	if page != htmlReport(t, Report{}, nil) {
		t.Error("two writes of one report differ")
	}
}
