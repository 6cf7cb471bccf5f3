package netpol

import (
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// changesOf renders the changes of each finding's fix: "-" for advice only.
func changesOf(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Fix == nil || len(f.Fix.Changes) == 0 {
			out = append(out, "-")
			continue
		}
		var parts []string
		for _, ch := range f.Fix.Changes {
			parts = append(parts, ch.FileName)
		}
		out = append(out, strings.Join(parts, ","))
	}
	return out
}

func TestDefaultDenyFix(t *testing.T) {
	ns := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
	onlyApp := netpolDoc("api", "shop", "  podSelector: {matchLabels: {app: a}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: b}}}]\n")
	cases := []struct {
		name, src string
		ids       []string
		want      []string
		safe      bool
	}{
		{name: "one policy per namespace, not per workload",
			src: docs(deploy("a", "shop", "{app: a}"), deploy("b", "shop", "{app: b}"), deploy("c", "other", "{app: c}")),
			ids: []string{"namespace-without-network-policy"}, want: []string{DenyFileName + "," + DenyFileName, "-", DenyFileName + "," + DenyFileName}},
		{name: "ingress deny when policies exist", src: docs(deploy("a", "shop", "{app: a}"), onlyApp),
			ids: []string{"no-default-deny-ingress"}, want: []string{DenyFileName}},
		{name: "at the Namespace object", src: docs(ns, deploy("a", "shop", "{app: a}"), onlyApp),
			ids: []string{"no-default-deny-ingress"}, want: []string{DenyFileName}},
		{name: "egress deny", src: docs(deploy("a", "shop", "{app: a}"), onlyApp),
			ids: []string{"no-default-deny-egress"}, want: []string{DenyFileName}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, tc.src, tc.ids...)
			if got := changesOf(fs); strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("changes %q, want %q", got, tc.want)
			}
			for _, f := range fs {
				if f.Fix == nil || f.Fix.Safe {
					t.Errorf("%s: a default deny cuts traffic; its fix must be unsafe", f.Check)
				}
			}
		})
	}
}

// TestDefaultDenyFixSilencesChecks adds the policies a fix carries to the input and lints
// again: the namespace is then covered in both directions (so the fix of a namespace
// without policies raises no egress finding), and the policies are well formed.
func TestDefaultDenyFixSilencesChecks(t *testing.T) {
	for _, ns := range []string{"shop", "", "no", "Bad_Name"} {
		t.Run(ns, func(t *testing.T) {
			nsText := ns
			if ns == "no" {
				// Quoted: kubectl reads a plain no as the boolean false (YAML 1.1).
				nsText = `"no"`
			}
			src := deploy("a", nsText, "{app: a}")
			fs := checktest.Run(t, src, "namespace-without-network-policy")
			if len(fs) != 1 || len(fs[0].Fix.Changes) != 2 {
				t.Fatalf("want one finding with two changes, got %v", checktest.Short(fs))
			}
			after := src
			for _, ch := range fs[0].Fix.Changes {
				policy := ch.Value.(string)
				res := manifest.Parse("policy.yaml", []byte(policy), manifest.DefaultLimits)
				if res.Err != nil || len(res.Objects) != 1 {
					t.Fatalf("policy does not parse: %v\n%s", res.Err, policy)
				}
				if got := res.Objects[0].Ref.Namespace; got != ns {
					t.Errorf("policy namespace %q, want the workload's %q", got, ns)
				}
				after = docs(after, policy)
			}
			objs := manifest.Parse("test.yaml", []byte(after), manifest.DefaultLimits).Objects
			var cs []*check.Check
			for _, id := range []string{"namespace-without-network-policy", "no-default-deny-ingress", "no-default-deny-egress", "workload-without-network-policy", "network-policy-selects-nothing", "network-policy-allow-all"} {
				cs = append(cs, check.Lookup(id))
			}
			if left := lint.RunChecks(cs, objs, nil); len(left) != 0 {
				t.Errorf("after the fix: %v", checktest.Short(left))
			}
		})
	}
}

// TestEgressDenyFixSilencesCheck: the egress fix of a namespace that has policies is
// applied, and what it adds is a default deny for the check (DNS kept is no allow-all).
func TestEgressDenyFixSilencesCheck(t *testing.T) {
	onlyApp := netpolDoc("api", "shop", "  podSelector: {matchLabels: {app: a}}\n  ingress:\n    - from: [{podSelector: {matchLabels: {app: b}}}]\n")
	src := docs(deploy("a", "shop", "{app: a}"), onlyApp)
	fs := checktest.Run(t, src, "no-default-deny-egress")
	if len(fs) != 1 || len(fs[0].Fix.Changes) != 1 {
		t.Fatalf("want one finding with one change, got %v", checktest.Short(fs))
	}
	policy := fs[0].Fix.Changes[0].Value.(string)
	if !strings.Contains(policy, "port: 53") || !strings.Contains(policy, "name: default-deny-egress") {
		t.Errorf("policy:\n%s", policy)
	}
	after := docs(src, policy)
	if left := checktest.Run(t, after, "no-default-deny-egress", "network-policy-allow-all"); len(left) != 0 {
		t.Errorf("after the fix: %v", checktest.Short(left))
	}
}

// TestDefaultDenyFixPerOverlay: an overlay is deployed on its own, so each overlay that
// runs workloads in the namespace carries its own policy; plain files share one.
func TestDefaultDenyFixPerOverlay(t *testing.T) {
	parse := func(file, overlay, src string) []*manifest.Object {
		objs := manifest.Parse(file, []byte(src), manifest.DefaultLimits).Objects
		for _, o := range objs {
			o.Overlay = overlay
		}
		return objs
	}
	var objs []*manifest.Object
	objs = append(objs, parse("a.yaml", "", deploy("a", "shop", "{app: a}"))...)
	objs = append(objs, parse("b.yaml", "", deploy("b", "shop", "{app: b}"))...)
	objs = append(objs, parse("base/d.yaml", "overlays/dev", deploy("c", "shop", "{app: c}"))...)
	objs = append(objs, parse("base/d.yaml", "overlays/prod", deploy("prod-c", "shop", "{app: c}"))...)
	fs := lint.RunChecks([]*check.Check{check.Lookup("namespace-without-network-policy")}, objs, nil)
	withChange := map[string]bool{}
	for _, f := range fs {
		if len(f.Fix.Changes) > 0 {
			o := f.Fix.Object.(*manifest.Object)
			withChange[o.File+"@"+o.Overlay] = true
		}
	}
	want := map[string]bool{"a.yaml@": true, "base/d.yaml@overlays/dev": true, "base/d.yaml@overlays/prod": true}
	if len(withChange) != len(want) {
		t.Errorf("fixes with changes on %v, want %v", withChange, want)
	}
	for k := range want {
		if !withChange[k] {
			t.Errorf("no change on %s: %v", k, withChange)
		}
	}
}

// TestDenyIngressQuotesNamespace: whatever the workload's namespace holds, the generated
// policy is one object whose namespace reads back as that string (the fix writer then
// refuses the ones that are not DNS labels); it never becomes a key, a comment or a tag.
func TestDenyIngressQuotesNamespace(t *testing.T) {
	for _, ns := range []string{"shop", "yes", "0", "a: b", "x #c", "x\nspec: {}", "*a", "&a", "!!int", "- x", "{}", "'q'"} {
		policy := denyIngress(ns).Value.(string)
		res := manifest.Parse("policy.yaml", []byte(policy), manifest.DefaultLimits)
		if res.Err != nil || len(res.Objects) != 1 || res.Objects[0].Ref.Namespace != ns || res.Objects[0].Ref.Name != denyIngressName {
			t.Errorf("namespace %q: %v\n%s", ns, res.Err, policy)
		}
		var m map[string]any
		if err := sigsyaml.Unmarshal([]byte(policy), &m); err != nil {
			t.Errorf("namespace %q: sigs.k8s.io/yaml: %v", ns, err)
		} else if md, _ := m["metadata"].(map[string]any); md["namespace"] != ns || len(md) != 2 || len(m) != 4 {
			t.Errorf("namespace %q reads %#v", ns, m)
		}
	}
}
