package dist

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// TestHelmDelegation builds both binaries into one directory, as the release archive and
// krew install them, and lints a chart with the lean one: it hands the run to
// kubectl-secure-full, whose findings (at the values and template lines) and exit status
// come back. A one-file run of the lean binary never starts the full one: a stand-in full
// binary that leaves a mark shows which runs start it.
func TestHelmDelegation(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in full binary is a shell script")
	}
	root := testenv.RepoRoot(t)
	bin := t.TempDir()
	mustRun(t, 5*time.Minute, root, nil, "go", "build", "-o", bin+string(filepath.Separator), "./cmd/kubectl-secure", "./cmd/kubectl-secure-full")

	out, code := command(t, time.Minute, root, nil, filepath.Join(bin, "kubectl-secure"), "lint", "testdata/charts/web", "-o", "json")
	if code != 1 {
		t.Fatalf("lint of a chart: exit %d, want 1\n%s", code, out)
	}
	var rep struct {
		Findings []struct {
			Check, File string
			Line        int
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.Check == "privilege-escalation-allowed" && f.File == filepath.Join("testdata", "charts", "web", "values.yaml") && f.Line == 14
	}
	if !found {
		t.Errorf("the full binary's finding at values.yaml:14 did not come back:\n%s", out)
	}

	// A stand-in full binary beside a copy of the lean one.
	lean := t.TempDir()
	data, err := os.ReadFile(filepath.Join(bin, "kubectl-secure"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(lean, "kubectl-secure"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(lean, "started")
	script := "#!/bin/sh\necho started > " + mark + "\nexit 42\n"
	if err := os.WriteFile(filepath.Join(lean, "kubectl-secure-full"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, code := command(t, time.Minute, root, nil, filepath.Join(lean, "kubectl-secure"), "lint", "testdata/example/base/deployment.yaml"); code == 42 || fileExists(mark) {
		t.Errorf("a one-file run started the full binary (exit %d)\n%s", code, out)
	}
	if out, code := command(t, time.Minute, root, nil, filepath.Join(lean, "kubectl-secure"), "lint", "testdata/charts/web"); code != 42 || !fileExists(mark) {
		t.Errorf("a chart did not go to the full binary beside the lean one (exit %d)\n%s", code, strings.TrimSpace(out))
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
