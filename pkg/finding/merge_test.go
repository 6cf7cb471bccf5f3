package finding_test

import (
	"reflect"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func TestMerge(t *testing.T) {
	at := func(check, overlay, ns, msg string, sev finding.Severity) finding.Finding {
		return finding.Finding{Check: check, Severity: sev, Message: msg, File: "base/deploy.yaml", Line: 7, Column: 3,
			Path: "spec.x", Overlay: overlay,
			Object: finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "app"}}
	}
	reach := func(overlay, ns string) finding.Reached {
		return finding.Reached{ObjectRef: finding.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "app"}, Overlay: overlay}
	}
	other := at("b-check", "overlays/a", "ns-a", "m", finding.Low)
	tests := []struct {
		name string
		in   []finding.Finding
		want []finding.Finding
	}{
		{name: "one object stays as it is", in: []finding.Finding{at("c", "overlays/a", "ns-a", "m", finding.Low)},
			want: []finding.Finding{at("c", "overlays/a", "ns-a", "m", finding.Low)}},
		{
			// The message names the namespace, so it is not part of the key; the first
			// object's message, object and overlay are kept, the highest severity wins.
			name: "same place in two overlays merges",
			in: []finding.Finding{
				at("c", "overlays/b", "ns-b", "in ns-b", finding.High),
				at("c", "overlays/a", "ns-a", "in ns-a", finding.Low),
			},
			want: []finding.Finding{func() finding.Finding {
				f := at("c", "overlays/a", "ns-a", "in ns-a", finding.High)
				f.Objects = []finding.Reached{reach("overlays/a", "ns-a"), reach("overlays/b", "ns-b")}
				return f
			}()},
		},
		{name: "other checks at the same place stay apart",
			in:   []finding.Finding{at("a-check", "overlays/a", "ns-a", "m", finding.Low), other},
			want: []finding.Finding{at("a-check", "overlays/a", "ns-a", "m", finding.Low), other}},
		{
			name: "same object twice is one object",
			in:   []finding.Finding{at("c", "overlays/a", "ns-a", "m", finding.Low), at("c", "overlays/a", "ns-a", "m2", finding.Low)},
			want: []finding.Finding{at("c", "overlays/a", "ns-a", "m", finding.Low)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]finding.Finding(nil), tt.in...)
			finding.Sort(in)
			got := finding.Merge(in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Merge:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestMergeOrderIndependent holds that the merged finding does not depend on the order in
// which builds reported (inputs are checked concurrently).
func TestMergeOrderIndependent(t *testing.T) {
	mk := func(overlay, ns string) finding.Finding {
		return finding.Finding{Check: "c", File: "f", Line: 1, Column: 1, Message: "in " + ns, Overlay: overlay,
			Object: finding.ObjectRef{Kind: "Deployment", Namespace: ns, Name: "app"}}
	}
	a := []finding.Finding{mk("o/c", "z"), mk("o/a", "y"), mk("o/b", "x")}
	b := []finding.Finding{mk("o/b", "x"), mk("o/c", "z"), mk("o/a", "y")}
	finding.Sort(a)
	finding.Sort(b)
	ma, mb := finding.Merge(a), finding.Merge(b)
	if !reflect.DeepEqual(ma, mb) || len(ma) != 1 || ma[0].Overlay != "o/a" || len(ma[0].Objects) != 3 {
		t.Errorf("merge depends on order:\n%+v\n%+v", ma, mb)
	}
}
