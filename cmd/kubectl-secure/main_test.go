package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// TestKubectlDiscoversPlugin builds the real binary, puts it on PATH and runs it the way
// users do: through kubectl's plugin mechanism.
func TestKubectlDiscoversPlugin(t *testing.T) {
	kubectl := testenv.Tool(t, "kubectl", "the plugin discovery test runs the real kubectl")
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "kubectl-secure"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "KUBECONFIG="+filepath.Join(bin, "none"))
	root := filepath.Join("..", "..")

	list := exec.Command(kubectl, "plugin", "list")
	list.Env = env
	out, _ := list.CombinedOutput()
	if !strings.Contains(string(out), filepath.Join(bin, "kubectl-secure")) {
		t.Fatalf("kubectl plugin list does not show the plugin:\n%s", out)
	}

	lint := exec.Command(kubectl, "secure", "lint", "testdata/example", "-o", "json")
	lint.Dir = root
	lint.Env = env
	stdout, err := lint.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("kubectl secure lint: want exit status 1 (findings), got %v\n%s", err, stdout)
	}
	var rep struct {
		Findings []struct {
			Check, File string
			Line        int
		}
		Summary struct{ Files, Objects, Findings int }
	}
	if err := json.Unmarshal(stdout, &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Check == "privileged-container" && f.File == filepath.Join("testdata", "example", "overlays", "prod", "debug-privileged.yaml") && f.Line == 12 {
			found = true
		}
	}
	if !found || rep.Summary.Findings != len(rep.Findings) || rep.Summary.Objects == 0 {
		t.Errorf("privileged container in the prod patch not reported at its line: %+v", rep)
	}

	version := exec.Command(kubectl, "secure", "version")
	version.Env = env
	if out, err := version.CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "kubectl-secure ") {
		t.Errorf("kubectl secure version: %v %s", err, out)
	}
}
