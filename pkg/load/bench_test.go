package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"

	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all"
)

// corpusDir finds ../shared/corpus beside the repository, or skips: the corpus is there in
// development and CI but not in a user's clone.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(dir, "manifests")); err != nil {
		tb.Skipf("corpus not found at %s; skipping (it sits beside the repository in development and CI)", dir)
	}
	return dir
}

// BenchmarkLoadCorpus measures reading and parsing the plain-manifest corpus.
func BenchmarkLoadCorpus(b *testing.B) {
	inputs, _ := discover.Resolve(discover.Request{Paths: []string{filepath.Join(corpusDir(b), "manifests")}})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := Load(inputs, nil, manifest.DefaultLimits)
		b.ReportMetric(float64(len(l.Objects)), "objects")
	}
}

// BenchmarkChecksCorpus measures running every check over the parsed corpus.
func BenchmarkChecksCorpus(b *testing.B) {
	inputs, _ := discover.Resolve(discover.Request{Paths: []string{filepath.Join(corpusDir(b), "manifests")}})
	l := Load(inputs, nil, manifest.DefaultLimits)
	checks := check.All()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs := lint.RunChecks(checks, l.Objects, nil)
		b.ReportMetric(float64(len(fs)), "findings")
	}
}
