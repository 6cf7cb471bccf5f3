package pipeline

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// A restricted finding that reaches several objects (a base two overlays deploy) stays
// when one of them is held to restricted, and goes when all are held to baseline. Two
// Namespaces of one name: the first in input order that sets a label decides, whatever
// order the inputs finished loading in.
func TestPSSLevelsFilter(t *testing.T) {
	parse := func(file, src string) []*manifest.Object {
		res := manifest.Parse(file, []byte(src), manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res.Objects
	}
	ns := func(name, level string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels:\n    pod-security.kubernetes.io/enforce: " + level + "\n"
	}
	settings := &check.Settings{PSSFromNamespaceLabels: true}
	l := newPSSLevels(finding.PSSRestricted, settings, 3)
	// Input 2 finishes first; input 1's unlabelled "prod" must not shadow input 2's.
	l.note(2, parse("c.yaml", ns("prod", "restricted")))
	l.note(1, parse("b.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod}\n"))
	l.note(0, parse("a.yaml", ns("dev", "baseline")))
	l.decide()
	levelOf := l.resolver(nil, settings)
	in := func(overlay, ns string) finding.Instance {
		return finding.Instance{Build: overlay, File: "base/pod.yaml", Ref: finding.ObjectRef{Kind: "Pod", Name: "p", Namespace: ns}}
	}
	both := finding.Finding{PSS: finding.PSSRestricted, Instances: []finding.Instance{in("overlays/dev", "dev"), in("overlays/prod", "prod")}}
	devOnly := finding.Finding{PSS: finding.PSSRestricted, Instances: []finding.Instance{in("overlays/dev", "dev")}}
	baseline := finding.Finding{PSS: finding.PSSBaseline, Instances: []finding.Instance{in("overlays/dev", "dev")}}
	elsewhere := finding.Finding{PSS: finding.PSSRestricted, Instances: []finding.Instance{in("overlays/qa", "qa")}}
	got := l.filter([]finding.Finding{both, devOnly, baseline, elsewhere}, levelOf)
	if len(got) != 3 || got[0].Instances[0] != both.Instances[0] || got[1].PSS != finding.PSSBaseline || got[2].Instances[0] != elsewhere.Instances[0] {
		t.Errorf("kept %+v; want the finding reaching prod, the baseline one and the one in unlabelled qa", got)
	}
}
