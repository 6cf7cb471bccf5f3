package image

import (
	"os"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// corpusAllowList exercises image-registry-not-allowed on the corpus: the registries the
// upstream projects publish to, so what remains is third-party images.
var corpusAllowList = []string{"registry.k8s.io", "quay.io", "docker.io/library", "gcr.io/google-samples"}

// TestCorpus runs the image checks over real-world manifests: none may panic, every finding
// must be located, and the counts are logged so that a change in noise shows up in review.
// IMAGE_CORPUS_DUMP=1 with -v lists the findings.
func TestCorpus(t *testing.T) {
	corpus := checktest.LoadCorpusManifests(t, true)
	objs, files, parseErrs := corpus.Objects, corpus.Files, corpus.ParseErrs
	images := 0
	for _, o := range objs {
		for _, p := range workload.Pods(o) {
			for _, c := range p.Containers() {
				if c.Field("image") != nil {
					images++
				}
			}
		}
	}
	t.Logf("%d files (%d with parse errors), %d objects, %d container images", files, parseErrs, len(objs), images)

	for _, settings := range []*check.Settings{nil, {AllowedRegistries: corpusAllowList}} {
		name := "no allow-list"
		if settings != nil {
			name = "allow-list " + strings.Join(settings.AllowedRegistries, ",")
		}
		fs := lint.RunChecks(checks(), objs, settings)
		counts := map[string]int{}
		for _, f := range fs {
			counts[f.Check]++
			if f.Line <= 0 {
				t.Errorf("%s: finding without a line: %s %s: %s", f.Check, f.File, f.Path, f.Message)
			}
		}
		t.Logf("%s:", name)
		for _, id := range ids() {
			t.Logf("  %-28s %5d", id, counts[id])
		}
		t.Logf("  %-28s %5d", "total", len(fs))
		if testing.Verbose() && os.Getenv("IMAGE_CORPUS_DUMP") != "" {
			for _, f := range fs {
				t.Logf("%s %s:%d %s: %s", f.Check, f.File, f.Line, f.Path, f.Message)
			}
		}
	}
}
