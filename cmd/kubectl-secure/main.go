// Command kubectl-secure is the kubectl plugin: `kubectl secure lint ...`.
package main

import (
	"io"
	"log"
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/cli"
)

func main() {
	// Kustomize prints deprecation notices ("'commonLabels' is deprecated") through the
	// standard logger while building; they would interleave with our report on stderr and
	// are about kustomize's own roadmap, not about security.
	log.SetOutput(io.Discard)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(cli.Execute(os.Args[1:], streams))
}
