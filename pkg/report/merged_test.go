package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// mergedReport holds one finding in a base that two overlays reach (finding.Merge).
func mergedReport() Report {
	ref := func(ns string) finding.ObjectRef {
		return finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "app"}
	}
	f := finding.Finding{Check: "run-as-non-root", Category: "pod-security", Severity: finding.Medium,
		Message: "container app may run as root", File: "base/deploy.yaml", Line: 9, Column: 11,
		Object: ref("ns-a"), Overlay: "overlays/a", Path: "spec.template.spec.containers[name=app]",
		Objects: []finding.Reached{{ObjectRef: ref("ns-a"), Overlay: "overlays/a"}, {ObjectRef: ref("ns-b"), Overlay: "overlays/b"}}}
	return Report{Findings: []finding.Finding{f}, Files: 3, Objects: 2}
}

// TestMergedFindingEveryFormat holds that a finding reaching several objects is one finding
// in every format that lists findings, naming every object, and a failure of each object's
// testcase in JUnit.
func TestMergedFindingEveryFormat(t *testing.T) {
	r := mergedReport()

	text := string(render(t, "text", r))
	if want := "Deployment app in overlays/a (ns-a), overlays/b (ns-b)"; !strings.Contains(text, want) {
		t.Errorf("text lacks %q:\n%s", want, text)
	}
	if strings.Count(text, "run-as-non-root") != 1 {
		t.Errorf("text lists the finding more than once:\n%s", text)
	}

	gh := string(render(t, "github", r))
	if strings.Count(gh, "::warning") != 1 || !strings.Contains(gh, "overlays/b (ns-b)") {
		t.Errorf("github: want one annotation naming both overlays:\n%s", gh)
	}

	var doc struct {
		Findings []struct {
			Object  map[string]string   `json:"object"`
			Objects []map[string]string `json:"objects"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(render(t, "json", r), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Object["namespace"] != "ns-a" || len(doc.Findings[0].Objects) != 2 ||
		doc.Findings[0].Objects[1]["overlay"] != "overlays/b" || doc.Findings[0].Objects[1]["namespace"] != "ns-b" {
		t.Errorf("json: %+v", doc.Findings)
	}

	out := render(t, "sarif", r)
	validateSARIF(t, out)
	log := decodeSARIF(t, out)
	res := log.Runs[0].Results
	if len(res) != 1 || len(res[0].RelatedLocations) != 2 ||
		res[0].RelatedLocations[1].Message.Text != "apps/v1/Deployment/ns-b/app built by overlays/b" {
		t.Errorf("sarif: want one result with both objects as related locations: %+v", res)
	}

	junit := string(render(t, "junit", r))
	for _, want := range []string{`name="Deployment/ns-a/app"`, `name="Deployment/ns-b/app"`, `failures="2"`} {
		if !strings.Contains(junit, want) {
			t.Errorf("junit lacks %s:\n%s", want, junit)
		}
	}
}

// TestReachLabelManyObjects holds the text label of a finding that different objects reach
// (every object an overlay puts in a namespace): the first few named, the rest counted.
func TestReachLabelManyObjects(t *testing.T) {
	f := finding.Finding{Object: finding.ObjectRef{Kind: "CronJob", Namespace: "dev", Name: "a"}}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		f.Objects = append(f.Objects, finding.Reached{ObjectRef: finding.ObjectRef{Kind: "CronJob", Namespace: "dev", Name: n}, Overlay: "overlays/dev"})
	}
	if got, want := reachLabel(f), "CronJob dev/a, CronJob dev/b, CronJob dev/c and 2 more in overlays/dev"; got != want {
		t.Errorf("reachLabel = %q, want %q", got, want)
	}
}
