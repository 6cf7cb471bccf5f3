package load

import (
	"path/filepath"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"

	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all"
)

// BenchmarkLoadCorpus measures reading and parsing the plain-manifest corpus.
func BenchmarkLoadCorpus(b *testing.B) {
	inputs, _ := discover.Resolve(discover.Request{Paths: []string{filepath.Join(testenv.CorpusDir(b), "manifests")}})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l := Load(inputs, nil, manifest.DefaultLimits)
		b.ReportMetric(float64(len(l.Objects)), "objects")
	}
}

// BenchmarkChecksCorpus measures running every check over the parsed corpus.
func BenchmarkChecksCorpus(b *testing.B) {
	inputs, _ := discover.Resolve(discover.Request{Paths: []string{filepath.Join(testenv.CorpusDir(b), "manifests")}})
	l := Load(inputs, nil, manifest.DefaultLimits)
	checks := check.All()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs := lint.RunChecks(checks, l.Objects, nil)
		b.ReportMetric(float64(len(fs)), "findings")
	}
}
