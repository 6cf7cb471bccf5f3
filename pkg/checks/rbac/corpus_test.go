package rbac

import (
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
)

// rbacChecks returns every registered check of the category.
func rbacChecks() []*check.Check {
	var out []*check.Check
	for _, c := range check.All() {
		if c.Category == category {
			out = append(out, c)
		}
	}
	return out
}

// TestCorpus runs the checks over real-world manifests: every finding must be located, and
// the counts are logged so that a change in noise shows up in review.
func TestCorpus(t *testing.T) {
	corpus := checktest.LoadCorpusManifests(t, true)
	objs, files, parseErrs := corpus.Objects, corpus.Files, corpus.ParseErrs
	roles := 0
	for _, o := range objs {
		if isRBAC(o, "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding") {
			roles++
		}
	}
	t.Logf("%d files (%d with parse errors), %d objects, %d RBAC objects", files, parseErrs, len(objs), roles)

	cs := rbacChecks()
	fs := lint.RunChecks(cs, objs, nil)
	counts := map[string]int{}
	for _, f := range fs {
		counts[f.Check]++
		if f.Line <= 0 {
			t.Errorf("%s: finding without a line: %s %s: %s", f.Check, f.File, f.Path, f.Message)
		}
	}
	ids := make([]string, 0, len(cs))
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Logf("%-34s %4d", id, counts[id])
	}
	t.Logf("%-34s %4d", "total", len(fs))
	if testing.Verbose() && os.Getenv("RBAC_CORPUS_DUMP") != "" {
		for _, f := range fs {
			t.Logf("%s %s:%d %s [%s] %s", f.Check, f.File, f.Line, f.Path, f.Severity, f.Message)
		}
	}
}

// BenchmarkCorpusChecks times the rbac checks, per-object and cross-object, over the
// corpus's plain manifests (go test -bench CorpusChecks -run ^$ ./pkg/checks/rbac).
func BenchmarkCorpusChecks(b *testing.B) {
	corpus := checktest.LoadCorpusManifests(b, true)
	for _, set := range []struct {
		name string
		ids  []string
	}{
		{"workload", []string{"workload-rbac-privileges", "default-service-account-bound", "workload-service-account-missing"}},
		{"all-rbac", nil},
	} {
		var cs []*check.Check
		for _, c := range rbacChecks() {
			if set.ids == nil || slices.Contains(set.ids, c.ID) {
				cs = append(cs, c)
			}
		}
		b.Run(set.name, func(b *testing.B) {
			for b.Loop() {
				lint.RunChecks(cs, corpus.Objects, nil)
			}
		})
	}
}
