package suppress

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// BenchmarkApplyCorpus measures the suppression stage over the plain-manifest corpus: it
// reads every file again to look for comments, which should cost little next to linting.
func BenchmarkApplyCorpus(b *testing.B) {
	inputs, _ := discover.Resolve(discover.Request{Paths: []string{filepath.Join(checktest.CorpusDir(b), "manifests")}})
	l := load.Load(inputs, nil, manifest.DefaultLimits)
	findings := lint.RunChecks(check.All(), l.Objects, nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := Apply(findings, l.Objects, Options{Now: time.Now()})
		b.ReportMetric(float64(len(res.Kept)), "findings")
	}
}
