package check

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

func TestUnitAndScope(t *testing.T) {
	obj := func(file, overlay, ns string) *manifest.Object {
		return &manifest.Object{File: file, Overlay: overlay, Ref: finding.ObjectRef{Kind: "Pod", Name: "p", Namespace: ns}}
	}
	cases := []struct {
		name     string
		o        *manifest.Object
		settings *Settings
		unit     string
		scope    Namespace
	}{
		{"plain file: its directory", obj("samples/a/pod.yaml", "", ""), nil, "samples/a", Namespace{"default", "samples/a"}},
		{"file at the top", obj("pod.yaml", "", ""), nil, ".", Namespace{"default", "."}},
		{"kustomize build: the overlay", obj("base/pod.yaml", "overlays/dev", ""), nil, "overlays/dev", Namespace{"default", "overlays/dev"}},
		{"stdin", obj("-", "", ""), nil, "-", Namespace{"default", "-"}},
		{"named namespace meets everywhere", obj("a/pod.yaml", "", "shop"), nil, "a", Namespace{"shop", ""}},
		{"--namespace names it", obj("a/pod.yaml", "", ""), &Settings{Namespace: "shop"}, "a", Namespace{"shop", ""}},
		{"deployScope repository", obj("a/pod.yaml", "", ""), &Settings{DeployScope: ScopeRepository}, "a", Namespace{"default", ""}},
	}
	for _, tc := range cases {
		if got := Unit(tc.o); got != tc.unit {
			t.Errorf("%s: unit %q, want %q", tc.name, got, tc.unit)
		}
		if got := tc.settings.ScopeOf(tc.o); got != tc.scope {
			t.Errorf("%s: scope %+v, want %+v", tc.name, got, tc.scope)
		}
	}
}

func TestMeetings(t *testing.T) {
	m := Meetings{}
	m.Note(&manifest.Object{File: "a/binding.yaml", Ref: finding.ObjectRef{Namespace: "default"}})
	m.Note(&manifest.Object{File: "a/cm.yaml"})
	if got := m.Resolve(Namespace{"default", "a"}); got != (Namespace{Name: "default"}) {
		t.Errorf("a unit that names its default namespace: %+v", got)
	}
	if got := m.Resolve(Namespace{"default", "b"}); got != (Namespace{"default", "b"}) {
		t.Errorf("another unit: %+v", got)
	}
	if got := m.Resolve(Namespace{Name: "shop"}); got != (Namespace{Name: "shop"}) {
		t.Errorf("named: %+v", got)
	}
}
