// Package all registers every built-in check; importing it is how the CLI gets them.
package all

// Each check package registers its checks in init.
import (
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/admission"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/deprecatedapi"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/exposure"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/image"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/netpol"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/podsecurity"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/rbac"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/resources"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/secrets"
	// The admission preview (admission-policy); its engine is an add-on (pkg/policy/cel).
	_ "github.com/kubectl-secure/kubectl-secure/pkg/policy"
)
