// Package deprecatedapi reports apiVersions that the target Kubernetes version
// (--kube-version) no longer serves, or serves with a deprecation warning, from the API's
// own lifecycle data (pkg/apilifecycle). Custom resources never fire: their groups are not
// in the table.
package deprecatedapi

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/apilifecycle"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

const category = "deprecated-api"

// references: keeping the platform and its APIs current is the NSA/CISA guide's upgrading
// practice; no CIS control or ATT&CK technique covers API versions.
var references = []check.Reference{check.NSA("upgrading")}

const versionNote = `
The target version is --kube-version X.Y (config key kubeVersion); without it, the newest
Kubernetes this build knows (` + apilifecycle.Newest + `). The table is generated from k8s.io/api's
prerelease-lifecycle data, completed for the types that already left the Go module
(CustomResourceDefinition and APIService v1beta1, autoscaling/v2beta1 and v2beta2,
PodSecurityPolicy) from the Kubernetes deprecation guide. Reported at the apiVersion line;
for an object built by Kustomize, in the file that writes it. The fix changes apiVersion
only for the renames whose fields did not change, in plain files (RBAC, PriorityClass, IngressClass,
StorageClass, CSINode, VolumeAttachment, CSIStorageCapacity, Lease, RuntimeClass, CronJob,
autoscaling/v2beta2): unsafe, as every change of a value the manifest writes, and because
a cluster older than the replacement would refuse the object. Other replacements changed
fields or defaults (apps/v1 requires spec.selector; an empty PodDisruptionBudget selector
matches every pod in policy/v1 and none in v1beta1) and are advice only.`

var removed = &check.Check{
	ID:       "removed-api-version",
	Category: category,
	Severity: finding.High,
	AutoFix:  check.FixUnsafe,
	Doc: check.Doc{
		Title: "apiVersion is no longer served by the target Kubernetes version",
		Why: `The API server of the target version does not serve this apiVersion of the kind:
kubectl apply fails with "no matches for kind", so the object (and with it the security
controls it carries: an RBAC rule, a NetworkPolicy, a PodDisruptionBudget) is never
deployed, or a pipeline stops half-way. High, because the deploy fails.` + versionNote,
		Bad: `apiVersion: extensions/v1beta1
kind: Deployment`,
		Good: `apiVersion: apps/v1
kind: Deployment`,
		Fix: "Move the object to the replacement apiVersion named in the message, adapting the fields that changed (see the Kubernetes deprecation guide).",
	},
	References: references,
	Run:        func(p *check.Pass) { run(p, apilifecycle.Removed) },
}

var deprecated = &check.Check{
	ID:       "deprecated-api-version",
	Category: category,
	Severity: finding.Low,
	AutoFix:  check.FixUnsafe,
	Doc: check.Doc{
		Title: "apiVersion is deprecated at the target Kubernetes version",
		Why: `The API server still serves this apiVersion but warns on every request, and a later version
removes it: the manifest will stop applying after an upgrade. Low, because nothing fails
yet; the message says in which version it will.` + versionNote,
		Bad: `apiVersion: batch/v1beta1   # deprecated in 1.21
kind: CronJob`,
		Good: `apiVersion: batch/v1
kind: CronJob`,
		Fix: "Move the object to the replacement apiVersion named in the message before upgrading to the version that removes it.",
	},
	References: references,
	Run:        func(p *check.Pass) { run(p, apilifecycle.Deprecated) },
}

func init() { check.Register(removed, deprecated) }

var apiVersionPath = fieldpath.New("apiVersion")

// run reports the objects whose apiVersion has status want at the target version.
func run(p *check.Pass, want apilifecycle.Status) {
	target := targetVersion(p.Settings)
	p.ForEachObject(func(o *manifest.Object) {
		e := apilifecycle.Lookup(o.Ref.APIVersion, o.Ref.Kind)
		if e == nil || e.At(target) != want {
			return
		}
		use, ok := current(e, target)
		msg := fmt.Sprintf("%s %s was removed in %s", e.APIVersion(), e.Kind, e.Removed)
		if want == apilifecycle.Deprecated {
			msg = fmt.Sprintf("%s %s is deprecated since %s", e.APIVersion(), e.Kind, e.Deprecated)
			if !e.Removed.IsZero() {
				msg += fmt.Sprintf(" and removed in %s", e.Removed)
			}
		}
		d := check.Diagnostic{Object: o, Path: apiVersionPath}
		switch {
		case !ok:
			msg += "; it has no replacement API"
		case use.Kind != e.Kind:
			msg += fmt.Sprintf("; use %s %s", use.APIVersion(), use.Kind)
		default:
			msg += "; use " + use.APIVersion()
		}
		// An object built by Kustomize is advice only: a patch cannot change the apiVersion it
		// matches by, and the source edit changes the object's identity, which the fix
		// verification (rightly) refuses for a build.
		if ok && e.SameShape && use == e.Replacement && o.Overlay == "" {
			d.Fix = check.NewFix("set apiVersion: "+use.APIVersion()+" (same fields)", false, check.SetTo(apiVersionPath, use.APIVersion()))
		}
		// Otherwise the message's "use X" is the advice: a check with an automatic fix
		// advertises no fix that no change carries.
		d.Message = msg
		p.Report(d)
	})
}

// current follows the replacements from e to one still served at target: extensions
// PodSecurityPolicy was replaced by policy/v1beta1's, itself removed without replacement.
// ok is false when the chain ends without one.
func current(e *apilifecycle.Entry, target apilifecycle.Version) (apilifecycle.GVK, bool) {
	for range 8 { // the chains are one or two long; the bound keeps a cycle from hanging
		r := e.Replacement
		if r == (apilifecycle.GVK{}) {
			return r, false
		}
		next := apilifecycle.Lookup(r.APIVersion(), r.Kind)
		if next == nil || next.At(target) != apilifecycle.Removed {
			return r, true
		}
		e = next
	}
	return apilifecycle.GVK{}, false
}

// targetVersion is Settings.KubeVersion, the newest known version when unset or invalid
// (the CLI validates it; a library caller's bad value must not stop the run).
func targetVersion(s *check.Settings) apilifecycle.Version {
	if s != nil && s.KubeVersion != "" {
		if v, err := apilifecycle.ParseVersion(s.KubeVersion); err == nil {
			return v
		}
	}
	v, _ := apilifecycle.ParseVersion(apilifecycle.Newest)
	return v
}
