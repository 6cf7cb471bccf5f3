// Command kubectl-secure is the kubectl plugin: `kubectl secure lint ...`. It links no
// add-on (see pkg/addon): a run that needs one hands over to kubectl-secure-full.
package main

import (
	"os"

	"github.com/kubectl-secure/kubectl-secure/pkg/cli"
)

func main() {
	os.Exit(cli.Main())
}
