package nspolicy

import (
	"testing"

	"k8s.io/pod-security-admission/api"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

func read(t *testing.T, src string) *Namespace {
	t.Helper()
	res := manifest.Parse("ns.yaml", []byte(src), manifest.DefaultLimits)
	if res.Err != nil || len(res.Objects) != 1 {
		t.Fatalf("parse: %v", res.Err)
	}
	return Read(res.Objects[0])
}

// Admission's own reading of the labels: invalid enforce is restricted, invalid warn is
// off, invalid version is latest, and warn follows a stricter enforce level.
func TestRead(t *testing.T) {
	ns := read(t, `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: a
    pod-security.kubernetes.io/enforce: Restricted
    pod-security.kubernetes.io/enforce-version: "1.30"
    pod-security.kubernetes.io/audit: nope
`)
	if !ns.HasEnforce || ns.EnforcedLevel() != api.LevelRestricted || !ns.Policy.Enforce.Version.Latest() || ns.Policy.Audit.Level != api.LevelPrivileged {
		t.Errorf("policy %s", ns.Policy.String())
	}
	keys := map[string]string{}
	for _, e := range ns.Errors {
		keys[e.Key] = e.Value
	}
	if len(keys) != 3 || keys[api.EnforceLevelLabel] != "Restricted" || keys[api.EnforceVersionLabel] != "1.30" || keys[api.AuditLevelLabel] != "nope" {
		t.Errorf("errors %+v", ns.Errors)
	}
	ns = read(t, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n")
	if ns.Policy.Warn.Level != api.LevelBaseline || len(ns.Errors) != 0 {
		t.Errorf("warn does not follow enforce: %s", ns.Policy.String())
	}
	if ns := read(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"); ns.HasEnforce || ns.EnforcedLevel() != "" {
		t.Errorf("no labels: %+v", ns)
	}
	if ns := read(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"); ns != nil {
		t.Errorf("a ConfigMap is no Namespace: %+v", ns)
	}
}
