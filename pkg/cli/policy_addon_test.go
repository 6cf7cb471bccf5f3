package cli

// The command line runs in this process in these tests, as kubectl-secure-full: the
// policy add-on is linked (the lean binary's hand-over is tested in test/dist).
import _ "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"
