package report

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestJUnitStructure(t *testing.T) {
	r := sampleReport()
	var doc junitTestsuites
	if err := xml.Unmarshal(render(t, "junit", r), &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range doc.Suites {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, " "); got != "broken.yaml deploy/web.yaml missing.yaml pod.yaml" {
		t.Errorf("suites %s", got)
	}
	// Cases: 2 input errors, Deployment and Pod failing, Service passing.
	if doc.Tests != 5 || doc.Failures != 2 || doc.Errors != 2 {
		t.Errorf("tests %d failures %d errors %d, want 5 2 2", doc.Tests, doc.Failures, doc.Errors)
	}
	web := doc.Suites[1]
	if web.Tests != 2 || web.Failures != 1 || len(web.Cases) != 2 {
		t.Fatalf("deploy/web.yaml suite: %+v", web)
	}
	dep, svc := web.Cases[0], web.Cases[1]
	if dep.Classname != "deploy/web.yaml" || dep.Name != "Deployment/shop/web" || len(dep.Failures) != 3 {
		t.Errorf("deployment case: %+v", dep)
	}
	if svc.Name != "Service/shop/web" || len(svc.Failures)+len(svc.Errors) != 0 {
		t.Errorf("service case: %+v", svc)
	}
	f := dep.Failures[0]
	if f.Type != "namespace-without-network-policy" || f.Message != `namespace "shop" has no NetworkPolicy` ||
		!strings.HasPrefix(f.Body, "deploy/web.yaml:1:1: medium namespace-without-network-policy\n") {
		t.Errorf("failure %+v", f)
	}
	if e := doc.Suites[0].Cases[0]; e.Name != "input error" || len(e.Errors) != 1 || e.Errors[0].Body != "broken.yaml:3: yaml: mapping values are not allowed in this context" {
		t.Errorf("error case %+v", e)
	}
}

func TestXMLStrip(t *testing.T) {
	cases := []struct{ in, want string }{
		// Sanitize escapes what is not graphic once anything is unclean.
		{"a\x00b\x1b\ufffec\U0001F600\xff", `a\x00b\x1b\ufffec😀\xff`},
		// Noncharacters alone pass Sanitize; XML 1.0 forbids them, so they go.
		{"a\ufffeb\uffffc <&>", "abc <&>"},
	}
	for _, tc := range cases {
		if got := xmlText(tc.in); got != tc.want {
			t.Errorf("xmlText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
