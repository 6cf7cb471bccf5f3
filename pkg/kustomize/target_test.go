package kustomize

import (
	"fmt"
	"strings"
	"testing"

	fp "github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// A targeted patch is taken to apply to the objects kustomize's own selector chooses:
// anchored regular expressions for kind, name, group and version; the namespace as
// written or as built, an unset one being "default"; label and annotation selectors. A
// patch that applies is where the field it sets is reported; one that does not leaves the
// field at the base.
func TestLocateTargetSelection(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {tier: front}, annotations: {team: shop}%s}
spec:
  template:
    spec:
      hostNetwork: false
      containers:
      - name: app
        image: app:1.0
`
	const patch = "- op: replace\n  path: /spec/template/spec/hostNetwork\n  value: true\n"
	const inPatch, inBase = "overlay/hn.yaml:3:10", "base/deployment.yaml:7:20"
	cases := []struct {
		name    string
		written string // the base object's namespace
		base    string // base kustomization lines after resources:
		overlay string // kustomization lines before patches:
		target  string
		want    string
	}{
		{"kind and name", "", "", "", "{kind: Deployment, name: web}", inPatch},
		{"name regex anchored", "", "", "", "{name: we}", inBase},
		{"name regex", "", "", "", "{name: 'w.*'}", inPatch},
		{"name with the base's prefix", "", "namePrefix: prod-\n", "", "{name: prod-web}", inPatch},
		{"name as written under a prefix", "", "namePrefix: prod-\n", "", "{name: web}", inPatch},
		{"kind alternatives", "", "", "", "{kind: 'StatefulSet|Deployment'}", inPatch},
		{"group and version", "", "", "", "{group: apps, version: v1}", inPatch},
		{"other group", "", "", "", "{group: batch}", inBase},
		{"unset namespace is default", "", "", "", "{namespace: default}", inPatch},
		{"unset namespace is default under an overlay namespace", "", "", "namespace: prod\n", "{namespace: default}", inPatch},
		{"namespace as built", "", "", "namespace: prod\n", "{namespace: prod}", inBase},
		{"namespace of the base", "", "namespace: prod\n", "", "{namespace: prod}", inPatch},
		{"other namespace", "", "", "", "{namespace: prod}", inBase},
		{"namespace as written", "dev", "", "namespace: prod\n", "{namespace: dev}", inPatch},
		{"namespace as written, regex", "dev", "", "namespace: prod\n", "{namespace: 'd.*'}", inPatch},
		{"label selector", "", "", "", "{labelSelector: tier=front}", inPatch},
		{"label selector set", "", "", "", "{labelSelector: 'tier in (back, db)'}", inBase},
		{"annotation selector", "", "", "", "{annotationSelector: team=shop}", inPatch},
		{"annotation selector other", "", "", "", "{annotationSelector: team=ops}", inBase},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := ""
			if tc.written != "" {
				ns = ", namespace: " + tc.written
			}
			root := testtree.Write(t, map[string]string{
				"base/kustomization.yaml":    "resources: [deployment.yaml]\n" + tc.base,
				"base/deployment.yaml":       fmt.Sprintf(deployment, ns),
				"overlay/kustomization.yaml": "resources: [../base]\n" + tc.overlay + "patches:\n- path: hn.yaml\n  target: " + tc.target + "\n",
				"overlay/hn.yaml":            patch,
			})
			objs, err := Build(root+"/overlay", nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 1 {
				t.Fatalf("built %v", refs(objs))
			}
			p := podSpec.Keys("hostNetwork")
			// What kustomize did: the patch sets true.
			if v, _ := fp.Str(fp.Lookup(objs[0].Root, p)); (v == "true") != (tc.want == inPatch) {
				t.Errorf("kustomize built %s: %s", p, v)
			}
			got := strings.TrimPrefix(posString(objs[0].Locate(p)), root+"/")
			if got != tc.want {
				t.Errorf("Locate(%s) = %s, want %s", p, got, tc.want)
			}
			// The fix writer sees the same patches.
			o, ok := OriginOf(objs[0])
			if !ok {
				t.Fatal("OriginOf: not built by Build")
			}
			if applied := len(o.Patches) == 1 && o.Patches[0].Targeted && o.Patches[0].JSON; applied != (tc.want == inPatch) {
				t.Errorf("OriginOf patches = %+v, want applied %v", o.Patches, tc.want == inPatch)
			}
		})
	}
}

// Where two overlays include the same base, a patch of one selects by the namespace its
// own bases gave the object, not by the namespace the other overlay (applied in between)
// or the build gave it.
func TestLocateTargetNamespaceBesideOverlay(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"base/kustomization.yaml": "resources: [deployment.yaml]\n",
		"base/deployment.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      hostNetwork: false\n",
		"one/kustomization.yaml":  "resources: [../base]\nnamePrefix: one-\nnamespace: one\n",
		"two/kustomization.yaml":  "resources: [../base]\nnamePrefix: two-\nnamespace: two\npatches:\n- path: hn.yaml\n  target: {namespace: one}\n",
		"two/hn.yaml":             "- op: replace\n  path: /spec/template/spec/hostNetwork\n  value: true\n",
		"kustomization.yaml":      "resources: [one, two]\n",
	})
	objs, err := Build(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := podSpec.Keys("hostNetwork")
	for _, name := range []string{"one-web", "two-web"} {
		o := find(objs, "Deployment", name)
		if o == nil {
			t.Fatalf("no %s in %v", name, refs(objs))
		}
		if v, _ := fp.Str(fp.Lookup(o.Root, p)); v != "false" {
			t.Errorf("kustomize built %s %s: %s", name, p, v)
		}
		if got, want := strings.TrimPrefix(posString(o.Locate(p)), root+"/"), "base/deployment.yaml:7:20"; got != want {
			t.Errorf("%s: Locate(%s) = %s, want %s", name, p, got, want)
		}
	}
}
