package cli

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
)

// Main is the whole process of both binaries, kubectl-secure and kubectl-secure-full:
// they differ only in the add-ons they link.
func Main() int {
	// Kustomize prints deprecation notices ("'commonLabels' is deprecated") through the
	// standard logger while building; they would interleave with our report on stderr and
	// are about kustomize's own roadmap, not about security.
	log.SetOutput(io.Discard)
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	stop := profile(os.Getenv("KUBECTL_SECURE_CPUPROFILE"))
	defer stop()
	defer heapProfile(os.Getenv("KUBECTL_SECURE_MEMPROFILE"))()
	return Execute(os.Args[1:], streams)
}

// Execute runs the command line and returns the process exit status. A run that needs an
// add-on this binary lacks is run again by the full binary, with standard input replayed.
func Execute(args []string, streams genericiooptions.IOStreams) int {
	in := addon.Record(streams.In)
	streams.In = in
	root := NewRootCommand(streams)
	root.SetArgs(args)
	err := root.Execute()
	var missing *addon.MissingError
	if errors.As(err, &missing) {
		code, derr := addon.Delegate(missing, args, in.Replay(), streams.Out, streams.ErrOut)
		if derr == nil {
			return code
		}
		err = derr
	}
	return exitCode(err, streams)
}

// heapProfile writes, when path is set, what the whole process allocated (go tool pprof
// -sample_index=alloc_space): fresh memory costs page faults, so allocation volume is
// time.
func heapProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	runtime.MemProfileRate = 64 << 10
	return func() {
		runtime.GC() // the profile holds what was allocated up to the last collection
		f, err := os.Create(path)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "kubectl-secure: KUBECTL_SECURE_MEMPROFILE: %v\n", err)
		}
	}
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
