// Package admission checks what Pod Security admission will do with the input: the
// pod-security.kubernetes.io labels of its Namespace objects (a namespace that enforces
// privileged, one that sets no level, labels admission cannot parse) and, for the
// workloads of those namespaces, whether admission would reject or warn about their pods,
// decided by k8s.io/pod-security-admission's own evaluator at the label's version.
package admission

import (
	"fmt"
	"strings"

	"k8s.io/pod-security-admission/api"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/nspolicy"
)

const category = "admission"

var (
	cisPolicyControl = check.CIS("5.2.1")
	nsaPodSecurity   = check.NSA("pod-security/enforcement")
	mitreEscape      = check.MITRE("T1611")
)

const meetNote = `
A Namespace object meets the workloads that name it (metadata.namespace, a kustomization's
namespace: field, or --namespace) in any folder of the run, and those of its own deploy
unit that name none when it is their implicit namespace.`

var privilegedNamespace = &check.Check{
	ID:       "namespace-enforces-privileged",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Namespace enforces the privileged Pod Security level",
		Why: `pod-security.kubernetes.io/enforce: privileged switches Pod Security admission off for the
namespace: any pod may run privileged containers, share the host's namespaces and mount its
filesystem, so one compromised deployment pipeline or service account that can create pods
there owns the node. Medium, because some system namespaces (CNI, CSI, node agents) need
it: their workloads are still linted, and the label should be a reviewed exception
(suppress this finding with the reason) rather than a default.`,
		Bad: `metadata:
  labels:
    pod-security.kubernetes.io/enforce: privileged`,
		Good: `metadata:
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/warn: restricted`,
		Fix: "Enforce baseline (or restricted) and move the workloads that need host access to a dedicated namespace.",
	},
	References: []check.Reference{cisPolicyControl, nsaPodSecurity, mitreEscape},
	Facts:      facts,
	Run: func(p *check.Pass) {
		namespaces, _ := analyse(p)
		for _, ns := range namespaces {
			if ns.policy.HasEnforce && ns.policy.Labels[api.EnforceLevelLabel] == string(api.LevelPrivileged) {
				at := ns.labelAt[api.EnforceLevelLabel]
				p.Report(check.Diagnostic{Object: ns.obj, Path: nspolicy.LabelsPath.Keys(api.EnforceLevelLabel), At: &at,
					Message: fmt.Sprintf("namespace %q enforces Pod Security level privileged: admission lets any pod run privileged, on the host's namespaces and filesystem", ns.obj.Ref.Name)})
			}
		}
	},
}

var unsetNamespace = &check.Check{
	ID:       "namespace-without-pod-security",
	Category: category,
	Severity: finding.Low,
	AutoFix:  check.FixUnsafe,
	Doc: check.Doc{
		Title: "Namespace sets no Pod Security enforce level",
		Why: `Without pod-security.kubernetes.io/enforce the cluster's default applies, and the default
admission configuration is privileged: nothing stops a privileged pod in the namespace.
Low, not medium, because many clusters set a stricter default in their
AdmissionConfiguration (or run Kyverno or Gatekeeper), which the manifests cannot show; the
label states the namespace's level where everyone reviewing it sees it. Reported at
metadata.labels (or metadata).` + meetNote,
		Bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop`,
		Good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline`,
		Fix: `Label the namespace with the level its workloads meet: pod-security.kubernetes.io/enforce:
baseline at least, restricted where possible. The automatic fix adds the strictest level
that every workload of the input in the namespace meets (judged by the PSA library at
latest; baseline when the input holds none of its workloads), and none when one of them
needs privileged; it is unsafe because admission then rejects new pods, from elsewhere,
that need more.`,
	},
	References: []check.Reference{cisPolicyControl, nsaPodSecurity},
	Facts:      facts,
	Run: func(p *check.Pass) {
		namespaces, meetings := analyse(p)
		byName := map[string]*meeting{}
		for _, m := range meetings {
			byName[m.ns.obj.Ref.Name] = m
		}
		var j *judge
		for _, ns := range namespaces {
			if ns.policy.HasEnforce {
				continue
			}
			at := ns.labelsAt
			d := check.Diagnostic{Object: ns.obj, Path: ns.labelsPath, At: &at,
				Message: fmt.Sprintf("namespace %q sets no pod-security.kubernetes.io/enforce level: the cluster's default applies, privileged unless configured", ns.obj.Ref.Name)}
			if j == nil {
				j = newJudge()
			}
			// The fix enforces the strictest level the namespace's workloads in the input
			// already meet, so that it rejects none of them; none when one needs privileged.
			if level, ok := strictestMet(byName[ns.obj.Ref.Name], j); ok {
				d.Fix = check.NewFix("label the namespace pod-security.kubernetes.io/enforce: "+string(level)+" (its workloads in the input meet it once this run's fixes are applied)", false,
					check.SetTo(nspolicy.LabelsPath.Keys(api.EnforceLevelLabel), string(level)))
			} else {
				d.Message += "; its workloads in the input need privileged"
			}
			p.Report(d)
		}
	},
}

var invalidLabel = &check.Check{
	ID:       "pod-security-label-invalid",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Pod Security label has a value admission cannot parse",
		Why: `Admission reads an invalid value in its own way, rarely the one meant: an invalid enforce
level enforces restricted (new pods that do not meet it are rejected), an invalid audit or
warn level turns that mode off, and an invalid version means latest. Levels are privileged,
baseline and restricted; versions are latest or v1.X.`,
		Bad: `pod-security.kubernetes.io/enforce: Baseline
pod-security.kubernetes.io/enforce-version: "1.30"`,
		Good: `pod-security.kubernetes.io/enforce: baseline
pod-security.kubernetes.io/enforce-version: v1.30`,
		Fix: "Write a valid level (privileged, baseline, restricted) or version (latest, v1.X).",
	},
	References: []check.Reference{nsaPodSecurity},
	Facts:      facts,
	Run: func(p *check.Pass) {
		namespaces, _ := analyse(p)
		for _, ns := range namespaces {
			for _, e := range ns.policy.Errors {
				at := ns.labelAt[e.Key]
				p.Report(check.Diagnostic{Object: ns.obj, Path: nspolicy.LabelsPath.Keys(e.Key), At: &at,
					Message: fmt.Sprintf("%s: %q %s; %s", e.Key, e.Value, e.Detail, consequence(e.Key))})
			}
		}
	},
}

// consequence says what admission does with an invalid value of the label key.
func consequence(key string) string {
	switch key {
	case api.EnforceLevelLabel:
		return "admission enforces restricted instead"
	case api.AuditLevelLabel, api.WarnLevelLabel:
		return "admission turns that mode off (privileged)"
	}
	return "admission evaluates at latest instead"
}

// levelVersion renders a policy mode as "restricted:v1.30".
func levelVersion(lv api.LevelVersion) string {
	return string(lv.Level) + ":" + lv.Version.String()
}

// kindName is how messages name a workload: Deployment "web".
func kindName(w *workloadFact) string {
	return fmt.Sprintf("%s %q", w.obj.Ref.Kind, w.obj.Ref.Name)
}

func joinChecks(v verdict) string {
	if len(v.checks) == 0 {
		return v.reasons
	}
	return strings.Join(v.checks, ", ") + " (" + v.reasons + ")"
}

func init() {
	check.Register(privilegedNamespace, unsetNamespace, invalidLabel, rejects, warns)
}
