package secrets

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
)

// secretChecks are this package's checks, looked up by category so a new one is covered.
func secretChecks(t testing.TB) []*check.Check {
	t.Helper()
	var out []*check.Check
	for _, c := range check.All() {
		if c.Category == category {
			out = append(out, c)
		}
	}
	if len(out) != 6 {
		t.Fatalf("want 6 checks in category %q, got %d", category, len(out))
	}
	return out
}

// TestCorpus runs the checks over the real-world manifests: every finding must be located,
// and the counts are logged so a change in noise shows up in review (go test -v -run Corpus).
func TestCorpus(t *testing.T) {
	objs := checktest.LoadCorpusManifests(t, true).Objects
	fs := lint.RunChecks(secretChecks(t), objs, nil)
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Check]++
		if f.Line <= 0 {
			t.Errorf("%s: finding without a line: %s %s", f.File, f.Check, f.Message)
		}
	}
	t.Logf("%d objects, %d findings", len(objs), len(fs))
	for _, c := range secretChecks(t) {
		t.Logf("  %-32s %d", c.ID, counts[c.ID])
	}
	if testing.Verbose() && os.Getenv("SECRETS_CORPUS_DUMP") != "" {
		dump(t, fs, os.Getenv("SECRETS_CORPUS_DUMP"))
	}
}

// dump logs the findings of the checks named in ids (comma-separated, "all" for every one),
// for reviewing false positives by hand.
func dump(t *testing.T, fs []finding.Finding, ids string) {
	var lines []string
	for _, f := range fs {
		if ids == "all" || strings.Contains(","+ids+",", ","+f.Check+",") {
			lines = append(lines, f.Check+" "+f.File+":"+strconv.Itoa(f.Line)+" "+f.Path+" :: "+f.Message)
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
}
