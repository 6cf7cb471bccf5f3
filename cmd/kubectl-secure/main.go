// Command kubectl-secure is the kubectl plugin: `kubectl secure lint ...`.
package main

import (
	"io"
	"log"
	"os"
	"runtime/debug"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/cli"
)

func main() {
	// Kustomize prints deprecation notices ("'commonLabels' is deprecated") through the
	// standard logger while building; they would interleave with our report on stderr and
	// are about kustomize's own roadmap, not about security.
	log.SetOutput(io.Discard)
	// A lint run is short-lived and allocates most of its memory in parse trees; the
	// default GC pacing lets the heap double before collecting. A soft limit keeps peak memory
	// low on large repositories (the runtime caps the GC's CPU share when the limit binds),
	// and GOMEMLIMIT in the environment still wins.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(100 << 20)
	}
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(cli.Execute(os.Args[1:], streams))
}
