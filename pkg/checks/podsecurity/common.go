// Package podsecurity implements the Pod Security Standards controls, one file per control
// as in k8s.io/pod-security-admission/policy, at that package's latest version. Each check
// names the PSA check it implements (Check.PSACheck) and the agreement test compares the two
// object by object, on the test inputs and on the real-world corpus.
//
// Where PSA reports a pod as a whole ("containers a, b must ..."), these checks report each
// offending field at its own line, so a developer sees exactly what to edit.
//
// What a control reads of a pod (containers with their paths, the pod's and containers'
// security contexts, the effective value of a field) comes from pkg/workload, and the fixes
// it offers are built with pkg/check's NewFix, SetTo, Remove and AppendTo: a check of
// another package reads pods the same way.
package podsecurity

import (
	"fmt"
	"strings"
)

const (
	catSecurityContext = "security-context"
	catHost            = "host-access"
	catVolumes         = "volumes"
)

// quoteList renders names for a message: "a", "b".
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
