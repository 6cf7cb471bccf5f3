package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLeanBinaryLinksNoAddon holds the add-on split (pkg/addon): the binary everyone runs
// links neither Helm nor the API server's CEL libraries, whose package initialisation
// would be paid by every run, one-file pre-commit runs included.
func TestLeanBinaryLinksNoAddon(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	heavy := []string{"helm.sh/", "k8s.io/apiserver", "github.com/google/cel-go", "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"}
	for _, dep := range strings.Fields(string(out)) {
		for _, h := range heavy {
			if strings.HasPrefix(dep, h) {
				t.Errorf("kubectl-secure links %s (an add-on's heavy half belongs in kubectl-secure-full only)", dep)
			}
		}
	}
}
