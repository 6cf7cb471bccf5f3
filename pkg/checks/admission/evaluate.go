package admission

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	sigsjson "sigs.k8s.io/json"
)

// evaluator is k8s.io/pod-security-admission's policy evaluator, the one admission runs,
// with one more evaluator per PSA check to name the checks a pod fails: the library's
// results carry reasons, not check IDs. The verdict is always the full evaluator's.
type evaluator struct {
	all    policy.Evaluator
	single []singleCheck
}

type singleCheck struct {
	check policy.Check
	eval  policy.Evaluator
}

func newEvaluator() (*evaluator, error) {
	checks := policy.DefaultChecks()
	all, err := policy.NewEvaluator(checks, nil)
	if err != nil {
		return nil, fmt.Errorf("pod security evaluator: %w", err)
	}
	e := &evaluator{all: all}
	for _, c := range checks {
		one, err := policy.NewEvaluator([]policy.Check{c}, nil)
		if err != nil {
			return nil, fmt.Errorf("pod security check %s: %w", c.ID, err)
		}
		e.single = append(e.single, singleCheck{check: c, eval: one})
	}
	return e, nil
}

// verdict is what admission decides for one pod at one level and version.
type verdict struct {
	denied  bool
	checks  []string // the PSA check IDs that fail
	reasons string   // admission's own summary ("privileged (container ...)")
}

// evaluate runs admission's evaluation of the pod at lv.
func (e *evaluator) evaluate(lv api.LevelVersion, meta *metav1.ObjectMeta, spec *corev1.PodSpec) verdict {
	agg := policy.AggregateCheckResults(e.all.EvaluatePod(lv, meta, spec))
	if agg.Allowed {
		return verdict{}
	}
	v := verdict{denied: true, reasons: agg.ForbiddenReason()}
	overridden := e.overridden(lv)
	for _, s := range e.single {
		if overridden[s.check.ID] || s.check.Level == api.LevelRestricted && lv.Level != api.LevelRestricted {
			continue
		}
		if !policy.AggregateCheckResults(s.eval.EvaluatePod(lv, meta, spec)).Allowed {
			v.checks = append(v.checks, string(s.check.ID))
		}
	}
	sort.Strings(v.checks)
	return v
}

// overridden are the baseline checks that a restricted check in force at lv replaces, as
// the registry does when it assembles the restricted level.
func (e *evaluator) overridden(lv api.LevelVersion) map[policy.CheckID]bool {
	out := map[policy.CheckID]bool{}
	if lv.Level != api.LevelRestricted {
		return out
	}
	for _, s := range e.single {
		var inForce *policy.VersionedCheck
		for i, vc := range s.check.Versions {
			if lv.Version.Latest() || !lv.Version.Older(vc.MinimumVersion) {
				inForce = &s.check.Versions[i]
			}
		}
		if inForce != nil {
			for _, id := range inForce.OverrideCheckIDs {
				out[id] = true
			}
		}
	}
	return out
}

// decodePod decodes a pod's kept JSON as the API server would (case-sensitive, as
// Kubernetes' decoders are), applying the one default PSA depends on: a volume with no
// source is an emptyDir (SetDefaults_Volume), and admission runs after defaulting.
func decodePod(p *podFact) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	var spec corev1.PodSpec
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(p.spec, &spec); err != nil {
		return nil, nil, fmt.Errorf("pod spec: %w", err)
	}
	var meta metav1.ObjectMeta
	if p.meta != nil {
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(p.meta, &meta); err != nil {
			return nil, nil, fmt.Errorf("pod metadata: %w", err)
		}
	}
	for i := range spec.Volumes {
		if spec.Volumes[i].VolumeSource == (corev1.VolumeSource{}) {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	return &meta, &spec, nil
}
