package suppress

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Check IDs and category of the findings this package reports about suppressions.
const (
	StaleID   = "stale-suppression"
	ExpiredID = "expired-suppression"
	Category  = "suppression"
)

// noop is the Run of the suppression checks. Their findings are about suppressions, which
// only exist once the other checks have reported: Apply emits them after the lint run, and
// only when the check is selected. They are registered so that `checks` lists and explains
// them, --enable/--disable and severity overrides apply, and SARIF has rules for them.
func noop(*check.Pass) {}

func init() {
	check.Register(
		&check.Check{
			ID: StaleID, Category: Category, Severity: finding.Low,
			Doc: check.Doc{
				Title: "Suppression that matches no finding",
				Why: `A suppression outlives the problem it was written for: the field was fixed, the check
was renamed, or the comment moved off the line it meant. Left in place it will silently
hide the next real finding at that spot, with a reason that no longer holds.
A suppression is only reported when every check it names ran, so --enable and
--disable never make one look stale.`,
				Bad: `metadata:
  annotations:
    kubectl-secure.io/ignore: "privileged-container: needs raw device access"
spec:
  containers:
  - name: app
    securityContext:
      privileged: false   # nothing left to suppress`,
				Good: `spec:
  containers:
  - name: app
    securityContext:
      privileged: false`,
				Fix: `Remove the suppression (annotation entry, "# kubectl-secure:ignore" comment or config
ignore entry) at the reported line, or point it at the finding it was meant for. A
comment alone on its line applies to the next line that is not a comment; a trailing
comment applies to its own line.`,
			},
			Run: noop,
		},
		&check.Check{
			ID: ExpiredID, Category: Category, Severity: finding.Low,
			Doc: check.Doc{
				Title: "Config ignore entry past its expiry date",
				Why: `An ignore entry with an expires date is an accepted risk with a deadline. After that
day the entry stops suppressing anything, so the findings it hid are reported again, and
this finding points at the entry so that the decision is taken again instead of the
entry being forgotten in the config file.`,
				Bad: `ignore:
- checks: [run-as-non-root]
  names: [legacy-billing]
  reason: vendor image runs as root until the 2.0 migration
  expires: 2024-06-30`,
				Good: `ignore:
- checks: [run-as-non-root]
  names: [legacy-billing]
  reason: vendor image runs as root until the 2.0 migration (slipped to Q3, see TICKET-123)
  expires: 2026-09-30`,
				Fix: `Fix the findings and remove the entry, or renew it with a new expires date and an
updated reason. The entry applies through the whole of its expiry day.`,
			},
			Run: noop,
		},
	)
}
