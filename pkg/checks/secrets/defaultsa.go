package secrets

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// defaultSAAutomount reports a namespace's "default" ServiceAccount, committed in the input,
// that leaves API token automounting on (CIS Kubernetes Benchmark 5.1.5). The pods that run
// as it are service-account-token-automount's; this check is about the account itself,
// which also reaches pods that other repositories deploy into the namespace.
var defaultSAAutomount = &check.Check{
	ID:       "default-service-account-automount",
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: `The namespace's "default" ServiceAccount mounts API tokens into pods`,
		Why: `Every pod that names no service account runs as its namespace's "default" account, and
unless that account (or the pod) sets automountServiceAccountToken: false, each of them
gets a Kubernetes API token. Whatever a binding ever grants the default account then
reaches every such pod, and an attacker with code execution in any of them holds the
token. The CIS Kubernetes Benchmark (5.1.5) asks that default accounts not be used and
that they set automountServiceAccountToken: false; pods that call the API get an account
of their own. A "default" ServiceAccount in the input that does not set it to false is
reported.`,
		Bad: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: shop`,
		Good: `apiVersion: v1
kind: ServiceAccount
metadata:
  name: default
  namespace: shop
automountServiceAccountToken: false`,
		Fix: `Set automountServiceAccountToken: false on the default ServiceAccount. This is not a safe fix: a pod that runs as the default account and calls the API loses its token, so first give such workloads a ServiceAccount of their own (or set automountServiceAccountToken: true on their pod spec).`,
	},
	References: []check.Reference{check.CIS("5.1.5"), check.NSA("pod-security/service-account-tokens"), check.MITRE("T1552.007")},
	Run: func(p *check.Pass) {
		p.ForEachObject(func(o *manifest.Object) {
			if o.Ref.Kind != "ServiceAccount" || o.Ref.APIVersion != "v1" || o.Ref.Name != "default" {
				return
			}
			v, set := fieldpath.Bool(o.Field("automountServiceAccountToken"))
			if set && !v {
				return
			}
			why := "does not set automountServiceAccountToken: false"
			if set {
				why = "sets automountServiceAccountToken: true"
			}
			path := fieldpath.New("automountServiceAccountToken")
			p.Report(check.Diagnostic{Object: o, Path: path,
				Message: fmt.Sprintf("the \"default\" ServiceAccount of namespace %q %s, so every pod of the namespace that names no account gets an API token",
					p.Settings.NamespaceOf(o), why),
				Fix: check.NewFix("set automountServiceAccountToken: false on the default ServiceAccount; first give workloads that call the Kubernetes API an account of their own", false,
					check.SetTo(path, false))})
		})
	},
}

func init() { check.Register(defaultSAAutomount) }
