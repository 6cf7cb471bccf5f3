// Command kubectl-secure is the kubectl plugin: `kubectl secure lint ...`.
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"runtime/pprof"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/cli"
)

func main() {
	// Kustomize prints deprecation notices ("'commonLabels' is deprecated") through the
	// standard logger while building; they would interleave with our report on stderr and
	// are about kustomize's own roadmap, not about security.
	log.SetOutput(io.Discard)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	stop := profile(os.Getenv("KUBECTL_SECURE_CPUPROFILE"))
	code := cli.Execute(os.Args[1:], streams)
	stop()
	os.Exit(code)
}

// profile writes a CPU profile of the whole process to path, when set: speed is measured
// on whole runs, and a profile of the same run shows where its time goes.
func profile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubectl-secure: KUBECTL_SECURE_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
