// Package cli is the kubectl-secure command line: cobra commands wired to IOStreams,
// following the Complete/Validate/Run options pattern of kubectl plugins.
package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"

	// Every built-in check registers itself.
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all"
)

// Exit statuses (DESIGN.md), as the pipeline decides them.
const (
	ExitOK       = pipeline.ExitOK
	ExitFindings = pipeline.ExitFindings
	ExitError    = pipeline.ExitError
)

// exitError carries an exit status out of a command whose output is already written.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// NewRootCommand builds `kubectl secure`.
func NewRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-secure",
		Short: "Find security problems in Kubernetes manifests and Kustomize overlays before they are deployed",
		Long: `kubectl secure lints Kubernetes manifests and Kustomize overlays on disk for security
problems: Pod Security Standards violations, weak security contexts, unpinned or untrusted
images, secrets in plain sight and over-broad RBAC. Every finding points at the file, line
and column to edit. It needs no cluster and no network.`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl secure"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w\nSee '%s --help'", err, c.CommandPath())
	})
	root.AddCommand(newLintCommand(streams), newChecksCommand(streams), newVersionCommand(streams))
	root.AddCommand(newGraphCommand(streams))
	return root
}

// exitCode is the exit status of a command that returned err, which it prints when the
// command has not reported it already.
func exitCode(err error, streams genericiooptions.IOStreams) int {
	var ee exitError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintf(streams.ErrOut, "kubectl-secure: error: %v\n", err)
		return ExitError
	}
}
