package main

import (
	"os/exec"
	"strings"
	"testing"
)

// heavy are the libraries only kubectl-secure-full links (pkg/addon): their package
// initialisation would double the start-up of every run.
var heavy = []string{"helm.sh/", "k8s.io/apiserver", "github.com/google/cel-go",
	"github.com/kubectl-secure/kubectl-secure/pkg/chart/render", "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"}

// TestLeanBinaryLinksNoAddon: kubectl-secure depends on none of the add-ons' heavy
// libraries; kubectl-secure-full links both add-ons.
func TestLeanBinaryLinksNoAddon(t *testing.T) {
	deps := func(pkg string) string {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		return string(out)
	}
	for _, dep := range strings.Fields(deps(".")) {
		for _, h := range heavy {
			if strings.HasPrefix(dep, h) {
				t.Errorf("kubectl-secure depends on %s", dep)
			}
		}
	}
	full := deps("../kubectl-secure-full")
	for _, want := range []string{"helm.sh/helm/v4/pkg/engine", "k8s.io/apiserver/pkg/admission/plugin/policy/validating"} {
		if !strings.Contains(full, want) {
			t.Errorf("kubectl-secure-full does not link %s", want)
		}
	}
}
