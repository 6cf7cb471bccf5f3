package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// sharedBaseTree is a base used by three overlays; staging's own patch sets a Localhost
// seccomp profile, so only allowPrivilegeEscalation is a change all three need.
func sharedBaseTree(t *testing.T) string {
	overlay := func(ns string, patch bool) string {
		k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: " + ns + "\nresources:\n  - ../../base\n"
		if patch {
			k += "patches:\n  - path: seccomp.yaml\n"
		}
		return k
	}
	return testtree.Write(t, map[string]string{
		"base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
		"base/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27@sha256:0000000000000000000000000000000000000000000000000000000000000000
`,
		"overlays/dev/kustomization.yaml":     overlay("dev", false),
		"overlays/prod/kustomization.yaml":    overlay("prod", false),
		"overlays/staging/kustomization.yaml": overlay("staging", true),
		"overlays/staging/seccomp.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/web.json
`,
	})
}

// builtOverlays decodes what each overlay builds.
func builtOverlays(t *testing.T, root string) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	for _, o := range []string{"dev", "prod", "staging"} {
		objs, err := kustomize.Build(filepath.Join(root, "overlays", o), nil)
		if err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		for _, obj := range objs {
			var v any
			if err := obj.Root.Decode(&v); err != nil {
				t.Fatal(err)
			}
			out[o] = append(out[o], v)
		}
	}
	return out
}

// TestSharedBaseFixedOnce: with --fix-to unset, a change every overlay of a shared base
// needs is made once in the base; a change only some need goes into a patch of each of
// those; --fix-to overlay keeps one patch per overlay. Both give every overlay the same
// built output.
func TestSharedBaseFixedOnce(t *testing.T) {
	once := sharedBaseTree(t)
	perOverlay := sharedBaseTree(t)
	for _, tc := range []struct {
		root string
		args []string
	}{
		{once, []string{"lint", once, "--fix"}},
		{perOverlay, []string{"lint", perOverlay, "--fix", "--fix-to", "overlay"}},
	} {
		if _, errOut, code := runRaw("", tc.args...); code == ExitError {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, errOut)
		}
	}
	read := func(root, name string) string {
		data, _ := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		return string(data)
	}
	if base := read(once, "base/deployment.yaml"); !strings.Contains(base, "allowPrivilegeEscalation: false") || strings.Contains(base, "seccompProfile") {
		t.Errorf("the base should get the change all overlays need, and only that:\n%s", base)
	}
	for _, o := range []string{"dev", "prod"} {
		p := read(once, "overlays/"+o+"/"+overlay.PatchFileName)
		if !strings.Contains(p, "RuntimeDefault") || strings.Contains(p, "allowPrivilegeEscalation") {
			t.Errorf("%s: the patch should hold the seccomp profile only:\n%s", o, p)
		}
	}
	if _, err := os.Stat(filepath.Join(once, "overlays", "staging", overlay.PatchFileName)); err == nil {
		t.Errorf("staging needs nothing of its own, yet got a patch")
	}
	if read(perOverlay, "base/deployment.yaml") != read(sharedBaseTree(t), "base/deployment.yaml") {
		t.Errorf("--fix-to overlay changed the base")
	}
	for _, o := range []string{"dev", "prod", "staging"} {
		if p := read(perOverlay, "overlays/"+o+"/"+overlay.PatchFileName); !strings.Contains(p, "allowPrivilegeEscalation: false") {
			t.Errorf("--fix-to overlay: %s has no patch of its own:\n%s", o, p)
		}
	}
	if a, b := builtOverlays(t, once), builtOverlays(t, perOverlay); !reflect.DeepEqual(a, b) {
		t.Errorf("the base edit builds differently than per-overlay patches:\nonce: %v\nper overlay: %v", a, b)
	}
}

// TestSharedBaseSameObjectTwice: two overlays that build the same object (same name, no
// namespace) get one finding for it, yet both need its fix: it goes to the base once, so
// the finding is not split into one per overlay after --fix.
func TestSharedBaseSameObjectTwice(t *testing.T) {
	root := sharedBaseTree(t)
	for _, o := range []string{"dev", "prod"} {
		k := filepath.Join(root, "overlays", o, "kustomization.yaml")
		if err := os.WriteFile(k, []byte("resources:\n  - ../../base\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "overlays", "staging")); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runRaw("", "lint", root, "--fix"); code == ExitError {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	data, _ := os.ReadFile(filepath.Join(root, "base", "deployment.yaml"))
	if !strings.Contains(string(data), "allowPrivilegeEscalation: false") || !strings.Contains(string(data), "RuntimeDefault") {
		t.Errorf("the base should get both fixes:\n%s", data)
	}
	for _, o := range []string{"dev", "prod"} {
		if _, err := os.Stat(filepath.Join(root, "overlays", o, overlay.PatchFileName)); err == nil {
			t.Errorf("%s got a patch of its own", o)
		}
	}
}
