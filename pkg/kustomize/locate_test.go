package kustomize

import (
	"fmt"
	"strings"
	"testing"

	fp "github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

const (
	shop   = "testdata/shop/"
	base   = shop + "base/"
	prod   = shop + "overlays/prod/"
	prodEU = shop + "overlays/prod-eu/"
	dev    = shop + "overlays/dev/"
	harden = shop + "components/hardening/"
)

var (
	podSpec = fp.New("spec", "template", "spec")
	app     = podSpec.Keys("containers").Child(fp.Select("name", "app"))
	sidecar = podSpec.Keys("containers").Child(fp.Select("name", "sidecar"))
)

// TestLocate pins where each field of a built object is reported: in the file and at the
// line and column a developer has to edit.
func TestLocate(t *testing.T) {
	type obj struct{ dir, kind, name string }
	var (
		prodWeb   = obj{prod, "Deployment", "web"}
		prodSvc   = obj{prod, "Service", "web"}
		euWeb     = obj{prodEU, "Deployment", "eu-web"}
		euSvc     = obj{prodEU, "Service", "eu-web"}
		euDB      = obj{prodEU, "Secret", "eu-db-8g6kmghcc5"}
		euConfig  = obj{prodEU, "ConfigMap", "eu-web-config-mk5tch9cmh"}
		devWeb    = obj{dev, "Deployment", "web-dev"}
		devSvc    = obj{dev, "Service", "web-dev"}
		devConfig = obj{dev, "ConfigMap", "settings-dev-g7kmkcc8dd"}
		devTLS    = obj{dev, "Secret", "tls-dev-4t8966kdfk"}
	)
	cases := []struct {
		name string
		obj  obj
		path fp.Path
		want string
	}{
		// Fields as the base resource wrote them.
		{"base field", prodWeb, sidecar.Keys("image"), base + "deployment.yaml:23:18"},
		{"base field through overlay", devWeb, app.Keys("ports").Child(fp.Index(0), fp.Key("containerPort")), base + "deployment.yaml:21:30"},
		{"base label", euWeb, fp.New("metadata", "labels", "app"), base + "deployment.yaml:6:10"},
		{"base name unchanged by a patch naming it", prodWeb, fp.New("metadata", "name"), base + "deployment.yaml:4:9"},
		{"base kind", prodWeb, fp.New("kind"), base + "deployment.yaml:2:7"},
		{"object root", prodWeb, nil, base + "deployment.yaml:1:1"},
		{"container merged by a patch stays in the base", prodWeb, app, base + "deployment.yaml:18:11"},
		{"merge key named by a patch stays in the base", prodWeb, app.Keys("name"), base + "deployment.yaml:18:17"},

		// Strategic-merge patch files, inline patches, JSON 6902 patches.
		{"strategic merge patch file", prodWeb, app.Keys("securityContext", "privileged"), prod + "privileged.yaml:11:25"},
		{"inline strategic merge patch", prodWeb, podSpec.Keys("hostNetwork"), prod + "kustomization.yaml:28:26"},
		{"json6902 patch file", prodWeb, sidecar.Keys("securityContext", "allowPrivilegeEscalation"), prod + "sidecar-security.yaml:4:31"},
		{"json6902 patch file list value", prodWeb, sidecar.Keys("securityContext", "capabilities", "add"), prod + "sidecar-security.yaml:6:12"},
		{"json6902 inline patch", prodWeb, app.Keys("resources", "limits", "memory"), prod + "kustomization.yaml:37:21"},
		{"patchesJson6902 file", devWeb, podSpec.Keys("securityContext", "runAsUser"), dev + "run-as-root.yaml:7:16"},
		{"patchesJson6902 inline", devWeb, podSpec.Keys("containers").Child(fp.Select("name", "proxy"), fp.Key("image")), dev + "kustomization.yaml:31:18"},
		{"json6902 index moved by a later insert", devWeb, app.Keys("securityContext", "capabilities", "add").Child(fp.Index(0)), dev + "run-as-root.yaml:12:13"},
		{"json6902 index path moved by a later insert", devWeb, podSpec.Keys("containers").Child(fp.Index(1), fp.Key("securityContext"), fp.Key("capabilities"), fp.Key("add")), dev + "run-as-root.yaml:12:12"},
		{"base index path under an inserted item", devWeb, podSpec.Keys("containers").Child(fp.Index(1), fp.Key("ports"), fp.Index(0), fp.Key("containerPort")), base + "deployment.yaml:21:30"},
		{"base index path after an inserted item", devWeb, podSpec.Keys("containers").Child(fp.Index(2), fp.Key("image")), base + "deployment.yaml:23:18"},
		{"component patch", prodWeb, podSpec.Keys("securityContext", "runAsNonRoot"), harden + "pod-security.yaml:10:23"},
		{"component patch through two overlays", euWeb, podSpec.Keys("automountServiceAccountToken"), harden + "pod-security.yaml:8:37"},

		// Two-level overlay: the outermost patch wins; inner ones still locate theirs.
		{"outermost patch wins", euWeb, app.Keys("securityContext", "privileged"), prodEU + "unprivileged.yaml:11:25"},
		{"inner patch under outer overlay", euWeb, podSpec.Keys("hostNetwork"), prod + "kustomization.yaml:28:26"},
		{"inner json patch under outer overlay", euWeb, sidecar.Keys("securityContext", "allowPrivilegeEscalation"), prod + "sidecar-security.yaml:4:31"},

		// images:
		{"images newTag", prodWeb, app.Keys("image"), prod + "kustomization.yaml:10:13"},
		{"images newTag from inner overlay", euWeb, app.Keys("image"), prod + "kustomization.yaml:10:13"},
		{"images digest", euWeb, sidecar.Keys("image"), prodEU + "kustomization.yaml:13:13"},
		{"images newName over a patched image", devWeb, app.Keys("image"), dev + "kustomization.yaml:12:14"},
		{"images entry does not touch other images", devWeb, sidecar.Keys("image"), base + "deployment.yaml:23:18"},

		// namespace:, namePrefix, nameSuffix, replicas:
		{"namespace", prodWeb, fp.New("metadata", "namespace"), prod + "kustomization.yaml:3:12"},
		{"namespace from inner overlay", euSvc, fp.New("metadata", "namespace"), prod + "kustomization.yaml:3:12"},
		{"namePrefix", euWeb, fp.New("metadata", "name"), prodEU + "kustomization.yaml:5:13"},
		{"nameSuffix", devSvc, fp.New("metadata", "name"), dev + "kustomization.yaml:5:13"},
		{"replicas", prodWeb, fp.New("spec", "replicas"), prod + "kustomization.yaml:13:12"},
		{"replicas from inner overlay", euWeb, fp.New("spec", "replicas"), prod + "kustomization.yaml:13:12"},
		{"replicas outermost", devWeb, fp.New("spec", "replicas"), dev + "kustomization.yaml:15:12"},

		// commonLabels, labels, commonAnnotations.
		{"commonLabels metadata", euWeb, fp.New("metadata", "labels", "region"), prodEU + "kustomization.yaml:7:11"},
		{"commonLabels selector", euWeb, fp.New("spec", "selector", "matchLabels", "region"), prodEU + "kustomization.yaml:7:11"},
		{"commonLabels template", euWeb, fp.New("spec", "template", "metadata", "labels", "region"), prodEU + "kustomization.yaml:7:11"},
		{"commonLabels service selector", euSvc, fp.New("spec", "selector", "region"), prodEU + "kustomization.yaml:7:11"},
		{"labels pairs", devWeb, fp.New("metadata", "labels", "env"), dev + "kustomization.yaml:8:12"},
		{"labels pairs in selector", devSvc, fp.New("spec", "selector", "env"), dev + "kustomization.yaml:8:12"},
		{"commonAnnotations", euWeb, fp.New("metadata", "annotations", "team"), prodEU + "kustomization.yaml:9:9"},
		{"commonLabels on generated object", euDB, fp.New("metadata", "labels", "region"), prodEU + "kustomization.yaml:7:11"},

		// Generators.
		{"secretGenerator literal", euDB, fp.New("data", "password"), prodEU + "kustomization.yaml:20:9"},
		{"secretGenerator literal 2", euDB, fp.New("data", "username"), prodEU + "kustomization.yaml:19:9"},
		{"secretGenerator name", euDB, fp.New("metadata", "name"), prodEU + "kustomization.yaml:17:11"},
		{"secretGenerator type", devTLS, fp.New("type"), dev + "kustomization.yaml:40:11"},
		{"secretGenerator file", devTLS, fp.New("data", "tls.crt"), dev + "kustomization.yaml:42:9"},
		{"secretGenerator file with key", devTLS, fp.New("data", "tls.key"), dev + "kustomization.yaml:43:9"},
		{"configMapGenerator file with key", euConfig, fp.New("data", "nginx.conf"), prodEU + "kustomization.yaml:24:9"},
		{"configMapGenerator file", euConfig, fp.New("data", "app.properties"), prodEU + "kustomization.yaml:25:9"},
		{"configMapGenerator literal", devConfig, fp.New("data", "LOG_LEVEL"), dev + "kustomization.yaml:35:9"},
		{"configMapGenerator env file", devConfig, fp.New("data", "CACHE_SIZE"), dev + "settings.env:3:1"},
		{"generated object root", devConfig, nil, dev + "kustomization.yaml:33:5"},
		{"generator missing key", devConfig, fp.New("data", "nope"), dev + "kustomization.yaml:33:5"},

		// Missing fields: the nearest existing parent, in the file that defines the object.
		{"missing in base", prodWeb, podSpec.Keys("hostPID"), base + "deployment.yaml:17:7"},
		{"missing container field", devWeb, sidecar.Keys("securityContext", "runAsNonRoot"), base + "deployment.yaml:22:11"},
		{"missing label map", prodSvc, fp.New("metadata", "labels", "app"), base + "service.yaml:4:3"},
		{"missing under patch-added mapping", prodWeb, app.Keys("resources", "limits", "cpu"), prod + "kustomization.yaml:37:13"},
		{"missing under patched mapping", devWeb, podSpec.Keys("securityContext", "runAsNonRoot"), dev + "run-as-root.yaml:7:5"},
		{"missing under outer patch", euWeb, app.Keys("securityContext", "runAsNonRoot"), prodEU + "unprivileged.yaml:11:13"},
		// Entries do not claim fields the object does not have.
		{"replicas entry skips a Service", prodSvc, fp.New("spec", "replicas"), base + "service.yaml:6:3"},
		{"images entry skips a Service", prodSvc, app.Keys("image"), base + "service.yaml:6:3"},
		{"namespace absent without namespace entry", devSvc, fp.New("metadata", "namespace"), base + "service.yaml:4:3"},
	}
	builds := map[string][]*manifest.Object{}
	cache := NewCache()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, ok := builds[tc.obj.dir]
			if !ok {
				var err error
				if objs, err = Build(tc.obj.dir, cache); err != nil {
					t.Fatalf("Build(%s): %v", tc.obj.dir, err)
				}
				builds[tc.obj.dir] = objs
			}
			o := find(objs, tc.obj.kind, tc.obj.name)
			if o == nil {
				t.Fatalf("no %s %s in the build of %s; have %v", tc.obj.kind, tc.obj.name, tc.obj.dir, refs(objs))
			}
			if got := posString(o.Locate(tc.path)); got != tc.want {
				t.Errorf("Locate(%s) = %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}

// TestObjectFile checks the file, document and generator each built object reports.
func TestObjectFile(t *testing.T) {
	objs, err := Build(dev, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range objs {
		got[o.Ref.Kind+"/"+o.Ref.Name] = fmt.Sprintf("%s#%d %s %s", o.File, o.Doc, o.Generator, o.Overlay)
	}
	want := map[string]string{
		"Deployment/web-dev":                base + "deployment.yaml#0  " + dev,
		"Service/web-dev":                   base + "service.yaml#0  " + dev,
		"ConfigMap/settings-dev-g7kmkcc8dd": dev + "kustomization.yaml#0 configMapGenerator " + dev,
		"Secret/tls-dev-4t8966kdfk":         dev + "kustomization.yaml#0 secretGenerator " + dev,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got objects %v, want %d", got, len(want))
	}
}

func find(objs []*manifest.Object, kind, name string) *manifest.Object {
	for _, o := range objs {
		if o.Ref.Kind == kind && o.Ref.Name == name {
			return o
		}
	}
	return nil
}

func refs(objs []*manifest.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Ref.Kind+"/"+o.Ref.Name)
	}
	return out
}

func posString(p manifest.Position) string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column) }

// A field a JSON 6902 `op: remove` deleted is reported at that operation, not at the base
// line that still sets it; a `replace` at its value. Inline and file patches, a removed
// parent, and `patchesJson6902` are all covered.
func TestLocateRemovedByJSONPatch(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: app:1.0
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
      - name: side
        image: side:1.0
`
	ape := app.Keys("securityContext", "allowPrivilegeEscalation")
	sideSC := podSpec.Keys("containers").Child(fp.Select("name", "side"), fp.Key("securityContext"), fp.Key("runAsNonRoot"))
	cases := []struct {
		name          string
		kustomization string
		files         map[string]string
		path          fp.Path
		want          string
	}{
		{"remove in a patch file", "resources: [../base]\npatches:\n- path: ape.yaml\n  target: {kind: Deployment, name: web}\n",
			map[string]string{"overlay/ape.yaml": "- op: test\n  path: /spec/replicas\n  value: null\n- op: remove\n  path: /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation\n"},
			ape, "overlay/ape.yaml:4:3"},
		{"remove of a parent", "resources: [../base]\npatches:\n- path: ape.yaml\n  target: {kind: Deployment}\n",
			map[string]string{"overlay/ape.yaml": "- op: remove\n  path: /spec/template/spec/containers/0/securityContext\n"},
			ape, "overlay/ape.yaml:1:3"},
		{"inline remove", "resources: [../base]\npatches:\n- target: {kind: Deployment, name: web}\n  patch: |-\n    - op: remove\n      path: /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation\n",
			nil, ape, "overlay/kustomization.yaml:5:7"},
		{"patchesJson6902", "resources: [../base]\npatchesJson6902:\n- target: {group: apps, version: v1, kind: Deployment, name: web}\n  path: ape.yaml\n",
			map[string]string{"overlay/ape.yaml": "- op: remove\n  path: /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation\n"},
			ape, "overlay/ape.yaml:1:3"},
		{"replace points at the value", "resources: [../base]\npatches:\n- path: ape.yaml\n  target: {kind: Deployment}\n",
			map[string]string{"overlay/ape.yaml": "- op: replace\n  path: /spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation\n  value: true\n"},
			ape, "overlay/ape.yaml:3:10"},
		// A removal of another field does not claim a missing one.
		{"removal elsewhere", "resources: [../base]\npatches:\n- path: ape.yaml\n  target: {kind: Deployment}\n",
			map[string]string{"overlay/ape.yaml": "- op: remove\n  path: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem\n"},
			sideSC, "base/deployment.yaml:15:9"},
		// A removed list item whose index the next item fills is not the missing field's.
		{"removed list item shifted", "resources: [../base]\npatches:\n- path: ape.yaml\n  target: {kind: Deployment}\n",
			map[string]string{"overlay/ape.yaml": "- op: remove\n  path: /spec/template/spec/containers/0\n"},
			podSpec.Keys("containers").Child(fp.Index(0), fp.Key("securityContext")), "base/deployment.yaml:15:9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{
				"base/kustomization.yaml":    "resources: [deployment.yaml]\n",
				"base/deployment.yaml":       deployment,
				"overlay/kustomization.yaml": tc.kustomization,
			}
			for k, v := range tc.files {
				files[k] = v
			}
			root := testtree.Write(t, files)
			objs, err := Build(root+"/overlay", nil)
			if err != nil {
				t.Fatal(err)
			}
			o := find(objs, "Deployment", "web")
			if o == nil {
				t.Fatalf("no Deployment web in %v", refs(objs))
			}
			got := strings.TrimPrefix(posString(o.Locate(tc.path)), root+"/")
			if got != tc.want {
				t.Errorf("Locate(%s) = %s, want %s", tc.path, got, tc.want)
			}
		})
	}
}
