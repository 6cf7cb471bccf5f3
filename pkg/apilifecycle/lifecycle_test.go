package apilifecycle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/apilifecycle/internal/lifecyclegen"
)

// The committed table is what the generator writes from the k8s.io/api module this build
// uses: after a k8s.io/api upgrade, `go generate ./pkg/apilifecycle` updates it.
func TestGeneratedTableUpToDate(t *testing.T) {
	want, err := lifecyclegen.Generate(requiredAPIVersion(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("table_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("table_generated.go is stale: run go generate ./pkg/apilifecycle")
	}
}

// The generator registers every group/version package of k8s.io/api: one with a
// register.go that it does not import would leave its deprecations out of the table.
func TestGeneratorReadsEveryGroup(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/api").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	regs, err := filepath.Glob(filepath.Join(dir, "*", "*", "register.go"))
	if err != nil || len(regs) == 0 {
		t.Fatalf("no register.go under %s: %v", dir, err)
	}
	gvs, err := lifecyclegen.GroupVersions()
	if err != nil {
		t.Fatal(err)
	}
	if len(gvs) != len(regs) {
		t.Errorf("generator registers %d group versions; k8s.io/api has %d group/version packages", len(gvs), len(regs))
	}
}

// The supplement is for types that left the module only: the module's own data is the
// authority for every type it still declares.
func TestSupplementOnlyOutsideModule(t *testing.T) {
	inModule := map[GVK]bool{}
	for _, e := range generated {
		inModule[e.GVK] = true
	}
	for _, e := range supplement {
		if inModule[e.GVK] {
			t.Errorf("supplement entry %s %s is in k8s.io/api's own lifecycle data", e.APIVersion(), e.Kind)
		}
	}
	for g := range sameShape {
		if table[g] == nil {
			t.Errorf("sameShape names %s %s, which is not in the table", g.APIVersion(), g.Kind)
		}
	}
}

func TestStatusAtVersionBoundaries(t *testing.T) {
	// batch/v1beta1 CronJob: deprecated in 1.21, removed in 1.25 (k8s.io/api's data).
	e := Lookup("batch/v1beta1", "CronJob")
	if e == nil {
		t.Fatal("batch/v1beta1 CronJob not in the table")
	}
	for _, tc := range []struct {
		v    Version
		want Status
	}{{Version{1, 20}, Served}, {Version{1, 21}, Deprecated}, {Version{1, 24}, Deprecated}, {Version{1, 25}, Removed}, {Version{1, 37}, Removed}} {
		if got := e.At(tc.v); got != tc.want {
			t.Errorf("CronJob batch/v1beta1 at %s = %d, want %d", tc.v, got, tc.want)
		}
	}
	if !e.SameShape || e.Replacement.APIVersion() != "batch/v1" {
		t.Errorf("CronJob: replacement %v same shape %v", e.Replacement, e.SameShape)
	}
	// k8s.io/api's own data names IngressClassList; the table corrects it to the item kind.
	if e := Lookup("networking.k8s.io/v1beta1", "IngressClass"); e == nil || e.Replacement.Kind != "IngressClass" {
		t.Errorf("IngressClass replacement: %+v", e)
	}
	// From the supplement.
	if e := Lookup("autoscaling/v2beta2", "HorizontalPodAutoscaler"); e == nil || e.At(Version{1, 26}) != Removed || e.At(Version{1, 25}) != Deprecated {
		t.Errorf("autoscaling/v2beta2 HPA: %+v", e)
	}
	for _, tc := range [][2]string{{"apps/v1", "Deployment"}, {"v1", "Pod"}, {"example.com/v1beta1", "Deployment"}, {"cert-manager.io/v1alpha2", "Certificate"}} {
		if e := Lookup(tc[0], tc[1]); e != nil {
			t.Errorf("%s %s: want no entry, got %+v", tc[0], tc[1], e)
		}
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{"1.37": "1.37", "v1.25": "1.25", "1.25.3": "1.25", "": Newest} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1", "2.0", "1.x", "latest", "1.25.3.4", "1.025", "-1.2"} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q): want an error", bad)
		}
	}
}

// requiredAPIVersion reads the k8s.io/api version the repository's go.mod requires (a test
// binary carries no dependency versions).
func requiredAPIVersion(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "k8s.io/api" {
			return f[1]
		}
	}
	t.Fatal("go.mod does not require k8s.io/api")
	return ""
}
