package check_test

// The conformance examples run through the command line in this process: the admission
// preview's examples need the policy add-on linked, as in kubectl-secure-full.
import _ "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"
