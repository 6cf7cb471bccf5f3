package rbac

import "github.com/kubectl-secure/kubectl-secure/pkg/check"

func init() {
	check.Register(wildcard, secretsRead, podExec, workloadCreate,
		escalationVerbs, tokenCreate, nodeProxy, csrApproval, webhookWrite,
		clusterAdminBinding, anonymousBinding)
	check.Register(workloadPrivileges, defaultAccountBound, accountMissing)
	check.Register(pvCreate, destructiveDelete, nodeUpdate, serviceStatusUpdate, mastersBinding)
}
