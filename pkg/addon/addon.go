// Package addon keeps the heavy libraries out of the binary everyone runs.
//
// Rendering Helm charts (helm.sh/helm/v4's engine pulls in client-go) and evaluating
// ValidatingAdmissionPolicies (the API server's CEL environment) double the start-up of
// the process: package initialisation alone went from 10 ms to 76 ms when both were
// linked, and a one-file run from 24 ms to 44 ms with Helm alone (hyperfine, 2026-12-06).
// A pre-commit hook runs the linter once per commit on one or two files, so start-up is
// what its users feel. Go runs every linked package's init at start, whatever the command,
// so the only way not to pay is not to link them.
//
// The release therefore ships two binaries built from the same packages:
// kubectl-secure, which links the add-ons' lean halves only, and kubectl-secure-full,
// whose main also imports the heavy halves, which Link themselves here from init. When a
// run of kubectl-secure meets input that needs an add-on it lacks (a chart, a policy), the
// pipeline returns a *MissingError before it has written anything, and the command line
// runs kubectl-secure-full with the same arguments, standard input replayed, and exits
// with its status. Runs that need no add-on never start the second process.
package addon

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Name names an add-on.
type Name string

// The add-ons.
const (
	// Helm renders charts in-process with helm.sh/helm/v4's chart loader and engine.
	Helm Name = "helm"
	// Policy evaluates ValidatingAdmissionPolicies with the API server's CEL libraries.
	Policy Name = "policy"
)

// FullBinary is the file name of the binary that links every add-on, installed beside
// kubectl-secure (krew's plugin directory, the release archive, GOBIN).
const FullBinary = "kubectl-secure-full"

// The registry of linked add-ons, written only from package init functions (like the
// check registry), read afterwards.
var (
	mu     sync.RWMutex
	linked = map[Name]bool{}
)

// Link records that this binary has add-on n; the heavy half of an add-on calls it from
// its init function.
func Link(n Name) {
	mu.Lock()
	defer mu.Unlock()
	linked[n] = true
}

// Linked reports whether this binary has add-on n.
func Linked(n Name) bool {
	mu.RLock()
	defer mu.RUnlock()
	return linked[n]
}

// LinkedNames lists the add-ons this binary has, sorted; `version` prints them.
func LinkedNames() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(linked))
	for n := range linked {
		names = append(names, string(n))
	}
	sort.Strings(names)
	return names
}

// MissingError says that the run needs an add-on this binary does not link. It must be
// returned before anything is written to the output, so that the full binary can do the
// whole run instead.
type MissingError struct {
	Addon Name
	// Why is what needed it, for the message when the full binary cannot be found:
	// "chart charts/web", "--policy policies/".
	Why string
}

func (e *MissingError) Error() string {
	return fmt.Sprintf("%s needs the %s add-on, which only %s has", e.Why, e.Addon, FullBinary)
}

// Need returns nil when add-on n is linked, and a *MissingError naming why otherwise.
func Need(n Name, why string) error {
	if Linked(n) {
		return nil
	}
	return &MissingError{Addon: n, Why: why}
}

// Describe is the one-line list `version` prints: "helm, policy" or "none".
func Describe() string {
	names := LinkedNames()
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Slot holds what an add-on's heavy half registers from its init function (a chart
// renderer, a policy engine) for its lean half to find; the zero Slot holds nothing.
type Slot[T any] struct {
	mu sync.RWMutex
	v  T
}

// Set registers v; called from init only.
func (s *Slot[T]) Set(v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.v = v
}

// Get returns what was registered, the zero T when this binary does not link the add-on.
func (s *Slot[T]) Get() T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.v
}
