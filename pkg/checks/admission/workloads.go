package admission

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

var rejects = &check.Check{
	ID:       "admission-would-reject",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Pod Security admission would reject the workload's pods",
		Why: `The workload's namespace, in the input, enforces a Pod Security level its pods do not meet:
the API server rejects the Pod, and for a Deployment, StatefulSet, Job or other controller
it accepts the object but its controller can never create a pod, so the rollout hangs. High,
because the deploy fails. Decided by k8s.io/pod-security-admission's own evaluator at the
label's level and pod-security.kubernetes.io/enforce-version (latest: the newest this build
knows); the message names the namespace, the level and version, and the PSA checks that
fail. Reported at the pod spec.` + meetNote,
		Bad: `# namespace shop: pod-security.kubernetes.io/enforce: restricted
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27   # runs as root, may escalate`,
		Good: `      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: nginxinc/nginx-unprivileged:1.27
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}`,
		Fix: "Make the pods meet the namespace's level (the pod-security findings on the same workload say where), or deploy them to a namespace whose level they meet.",
	},
	References: []check.Reference{cisPolicyControl, nsaPodSecurity},
	Facts:      facts,
	Run: func(p *check.Pass) {
		evaluateMeetings(p, func(m *meeting, w *workloadFact, pod *podFact, j *judge) {
			enforce := m.ns.policy.Policy.Enforce
			if !m.ns.policy.HasEnforce || enforce.Level == api.LevelPrivileged {
				return
			}
			if v := j.evalPod(enforce, pod); v.denied {
				at := pod.at
				p.Report(check.Diagnostic{Object: w.obj, Path: pod.path, At: &at,
					Message: fmt.Sprintf("admission would reject the pods of %s: namespace %q enforces Pod Security %s and they fail %s",
						kindName(w), m.ns.obj.Ref.Name, levelVersion(enforce), joinChecks(v))})
			}
		})
	},
}

var warns = &check.Check{
	ID:       "admission-would-warn",
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: "Pod Security admission would warn about or audit the workload's pods",
		Why: `The workload's namespace warns (pod-security.kubernetes.io/warn) or audits
(pod-security.kubernetes.io/audit) at a level its pods do not meet: kubectl apply prints a
warning and the audit log records a violation on every deploy. Teams set warn and audit to
prepare a stricter enforce level, so these pods are the ones that would be rejected next.
Low, because they still run. Not reported when enforce already rejects the pods
(admission-would-reject says so).` + meetNote,
		Bad: `# namespace shop: pod-security.kubernetes.io/warn: restricted
containers:
  - name: web
    image: nginx:1.27`,
		Good: `containers:
  - name: web
    image: nginx:1.27
    securityContext:
      allowPrivilegeEscalation: false
      runAsNonRoot: true
      capabilities: {drop: [ALL]}
      seccompProfile: {type: RuntimeDefault}`,
		Fix: "Make the pods meet the level the namespace warns or audits at; the pod-security findings on the workload say where.",
	},
	References: []check.Reference{nsaPodSecurity},
	Facts:      facts,
	Run: func(p *check.Pass) {
		evaluateMeetings(p, func(m *meeting, w *workloadFact, pod *podFact, j *judge) {
			pol := m.ns.policy.Policy
			if m.ns.policy.HasEnforce && j.evalPod(pol.Enforce, pod).denied {
				return
			}
			var modes []string
			var first verdict
			var firstLV api.LevelVersion
			for _, mode := range []struct {
				name string
				lv   api.LevelVersion
			}{{"warn", pol.Warn}, {"audit", pol.Audit}} {
				if v := j.evalPod(mode.lv, pod); v.denied {
					if len(modes) == 0 {
						first, firstLV = v, mode.lv
					}
					modes = append(modes, mode.name+" "+levelVersion(mode.lv))
				}
			}
			if len(modes) == 0 {
				return
			}
			at := pod.at
			p.Report(check.Diagnostic{Object: w.obj, Path: pod.path, At: &at,
				Message: fmt.Sprintf("admission would %s about the pods of %s: namespace %q (%s) and they fail %s at %s",
					verbs(modes), kindName(w), m.ns.obj.Ref.Name, strings.Join(modes, ", "), joinChecks(first), levelVersion(firstLV))})
		})
	},
}

// verbs is "warn", "audit" or "warn and audit" for the modes that fire.
func verbs(modes []string) string {
	var vs []string
	for _, m := range modes {
		vs = append(vs, strings.Fields(m)[0])
	}
	return strings.Join(vs, " and ")
}

// evaluateMeetings calls fn for every pod of every workload that meets a Namespace that
// sets a Pod Security label, with an evaluator made once per pass (only when needed).
func evaluateMeetings(p *check.Pass, fn func(*meeting, *workloadFact, *podFact, *judge)) {
	_, meetings := analyse(p)
	var j *judge
	for _, m := range meetings {
		if len(m.ns.policy.Labels) == 0 || len(m.workloads) == 0 {
			continue
		}
		if j == nil {
			j = newJudge()
		}
		for _, w := range m.workloads {
			for i := range w.pods {
				fn(m, w, &w.pods[i], j)
			}
		}
	}
}

// judge evaluates pods for one check's run, decoding each pod once. The facts are shared
// by checks running concurrently, so the decoded pods are kept here, not in them.
type judge struct {
	eval    *evaluator
	decoded map[*podFact]*decoded
}

func newJudge() *judge {
	eval, err := newEvaluator()
	if err != nil {
		panic(err) // the library's own default checks: a programming error
	}
	return &judge{eval: eval, decoded: map[*podFact]*decoded{}}
}

// strictestMet is the strictest level every pod of the meeting's workloads meets at the
// latest policy once the other automatic fixes of the same run are applied: restricted,
// baseline, or none (ok false) when one needs privileged. A namespace the input runs
// nothing in gets baseline. The label's fix is unsafe, so it is applied only with
// --unsafe-fixes, which applies the fixes of the workloads' own violations too; counting
// those as fixed makes one --fix run reach what a second would (a hostPort the same run
// removes no longer holds the namespace at privileged), so that fixing twice changes
// nothing the second time.
func strictestMet(m *meeting, j *judge) (api.Level, bool) {
	if m == nil || len(m.workloads) == 0 {
		return api.LevelBaseline, true
	}
	fixable := fixablePSAChecks()
	for _, level := range []api.Level{api.LevelRestricted, api.LevelBaseline} {
		lv := api.LevelVersion{Level: level, Version: api.LatestVersion()}
		met := true
		for _, w := range m.workloads {
			for i := range w.pods {
				if v := j.evalPod(lv, &w.pods[i]); v.denied && !allFixable(v.checks, fixable) {
					met = false
				}
			}
		}
		if met {
			return level, true
		}
	}
	return "", false
}

// fixablePSAChecks are the Pod Security checks every one of whose implementations in the
// registry has an automatic fix.
func fixablePSAChecks() map[string]bool {
	out := map[string]bool{}
	for _, c := range check.All() {
		if c.PSACheck == "" {
			continue
		}
		if fixed, seen := out[c.PSACheck]; !seen || fixed {
			out[c.PSACheck] = c.AutoFix != check.FixNone
		}
	}
	return out
}

func allFixable(checks []string, fixable map[string]bool) bool {
	if len(checks) == 0 {
		return false // denied for a reason no single check names: not ours to fix
	}
	for _, c := range checks {
		if !fixable[c] {
			return false
		}
	}
	return true
}

type decoded struct {
	meta *metav1.ObjectMeta
	spec *corev1.PodSpec
	err  error
}

// evalPod evaluates one pod; a pod that does not decode (the loader reported what
// kubectl would refuse) is not judged here.
func (j *judge) evalPod(lv api.LevelVersion, pod *podFact) verdict {
	if lv.Level == api.LevelPrivileged || pod.unencoded {
		return verdict{}
	}
	d := j.decoded[pod]
	if d == nil {
		meta, spec, err := decodePod(pod)
		d = &decoded{meta: meta, spec: spec, err: err}
		j.decoded[pod] = d
	}
	if d.err != nil {
		return verdict{}
	}
	return j.eval.evaluate(lv, d.meta, d.spec)
}
