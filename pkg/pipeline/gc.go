package pipeline

import (
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"slices"

	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/hugeheap"
)

// tuneGC adapts the collector to what the run holds. Runs over plain files release each
// file's trees once it is checked, so little stays alive and most of the collector's cost
// is how often it starts; they collect every fivefold growth (GOGC=400) under a soft limit
// that keeps their peak memory low (on the corpus 0.43 s, against 0.52 s at GOGC=200 and
// 0.57 s at GOGC=800, where fresh memory costs more page faults). Kustomize builds are the opposite: kustomize copies every resource several times and
// a build allocates about 40 times what it keeps, so a limit would make the collector run
// continuously, and even the default pacing spends a quarter of the run collecting;
// collecting less often (GOGC=200) makes them about 25% faster for about 1.5 times the
// peak memory. GOGC and GOMEMLIMIT in the environment always win. Both settings are
// process-wide, which is fine for a command that lints once and exits.
func tuneGC(inputs []discover.Input) {
	kustomize := false
	for _, in := range inputs {
		kustomize = kustomize || in.Kind == discover.Kustomize
	}
	switch {
	case kustomize:
		hugeheap.Withdraw()
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(200)
		}
	case !kustomize && os.Getenv("GOMEMLIMIT") == "":
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(400)
		}
		debug.SetMemoryLimit(plainMemoryLimit)
	}
}

// adviseHugePages backs the heap with huge pages (pkg/hugeheap) for a run that will
// allocate much: one that walks a directory, builds a Kustomization or renders a chart,
// or is named many files (a pre-commit hook's changed files). One small file is not
// worth the 2 ms.
func adviseHugePages(opts Options) {
	big := opts.Kustomize != "" || opts.Repo != "" || len(opts.Paths)+len(opts.Filenames) >= manyFiles
	for _, p := range slices.Concat(opts.Paths, opts.Filenames) {
		if big {
			break
		}
		if p != "-" {
			st, err := os.Stat(p)
			big = err == nil && st.IsDir()
		}
	}
	if big {
		hugeheap.Advise()
	}
}

// manyFiles is the number of files named on the command line from which a run counts as
// large: the corpus's small files average about 12 KiB.
const manyFiles = 32

// plainMemoryLimit is the soft limit of plain runs.
const plainMemoryLimit = 120 << 20

// relaxGC lifts the soft limit once the inputs are loaded if they keep more than half of it
// alive: on a repository much larger than usual a limit near the live heap would make the
// collector run without pause for the rest of the run, and the pacing alone is better there.
func relaxGC() {
	if os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != plainMemoryLimit {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > plainMemoryLimit/2 {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}
