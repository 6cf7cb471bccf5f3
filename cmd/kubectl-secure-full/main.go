// Command kubectl-secure-full is kubectl-secure with every add-on linked: Helm chart
// rendering and ValidatingAdmissionPolicy evaluation. kubectl-secure runs it when the
// input needs them (pkg/addon); it also works on its own, with the same command line.
package main

import (
	"os"

	"github.com/kubectl-secure/kubectl-secure/pkg/cli"
	// The add-ons' heavy halves link themselves (addon.Link) from their init functions.
	// One line per add-on, kept sorted.
	_ "github.com/kubectl-secure/kubectl-secure/pkg/chart/render"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"
)

func main() {
	os.Exit(cli.Main())
}
