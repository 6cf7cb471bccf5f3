package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

func render(root string, inputs []Input) []string {
	var out []string
	for _, in := range inputs {
		kind := map[Kind]string{File: "file", Stdin: "stdin", Kustomize: "kustomize", HelmChart: "chart"}[in.Kind]
		rel, err := filepath.Rel(root, in.Path)
		if err != nil || in.Path == "-" {
			rel = in.Path
		}
		if in.Variant != "" {
			v, _ := filepath.Rel(in.Path, in.Variant)
			rel += "+" + filepath.ToSlash(v)
		}
		out = append(out, kind+" "+filepath.ToSlash(rel))
	}
	return out
}

const kz = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"

func TestRepositoryMode(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"base/kustomization.yaml":          kz + "resources: [deploy.yaml]\n",
		"base/deploy.yaml":                 "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n",
		"overlays/dev/kustomization.yaml":  kz + "resources: [../../base]\n",
		"overlays/prod/kustomization.yaml": kz + "resources: [../../base]\npatches: [{path: patch.yaml}]\n",
		"overlays/prod/patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: 3}\n",
		"overlays/prod/notes.yaml":         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stray}\n",
		"plain/app.yml":                    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
		"plain/data.json":                  "{}",
		"plain/README.md":                  "not yaml",
		".git/config.yaml":                 "ignored: true\n",
		"chart/Chart.yaml":                 "name: chart\n",
		"chart/values.yaml":                "a: 1\n",
		"chart/templates/deploy.yaml":      "{{ .Values.a }}\n",
	})
	inputs, errs := Resolve(Request{Paths: []string{root}})
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	got := strings.Join(render(root, inputs), "\n")
	// The chart is rendered; its own files are Helm's inputs, not manifests.
	want := strings.Join([]string{
		"chart chart",
		"kustomize overlays/dev",
		"kustomize overlays/prod",
		"file overlays/prod/notes.yaml",
		"file plain/app.yml",
		"file plain/data.json",
	}, "\n")
	if got != want {
		t.Errorf("inputs:\n%s\nwant:\n%s", got, want)
	}
}

func TestFilenameFlags(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"a.yaml":               "x: 1\n",
		"sub/b.yaml":           "x: 1\n",
		"sub/c.txt":            "x: 1\n",
		"k/kustomization.yaml": kz,
	})
	cases := []struct {
		name string
		req  Request
		want []string
		errs int
	}{
		{"dir", Request{Filenames: []string{root}}, []string{"file a.yaml"}, 0},
		{"dir recursive", Request{Filenames: []string{root}, Recursive: true}, []string{"file a.yaml", "file k/kustomization.yaml", "file sub/b.yaml"}, 0},
		{"stdin", Request{Filenames: []string{"-"}}, []string{"stdin -"}, 0},
		{"kustomize", Request{Kustomize: filepath.Join(root, "k")}, []string{"kustomize k"}, 0},
		{"kustomize without kustomization", Request{Kustomize: filepath.Join(root, "sub")}, nil, 1},
		{"missing", Request{Paths: []string{filepath.Join(root, "nope.yaml")}}, nil, 1},
		{"url refused", Request{Filenames: []string{"https://example.com/x.yaml"}}, nil, 1},
		{"named twice", Request{Paths: []string{filepath.Join(root, "a.yaml")}, Filenames: []string{filepath.Join(root, "a.yaml")}}, []string{"file a.yaml"}, 0},
		{"explicit file of any name", Request{Paths: []string{filepath.Join(root, "sub/c.txt")}}, []string{"file sub/c.txt"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inputs, errs := Resolve(tc.req)
			if got := render(root, inputs); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("inputs = %v, want %v", got, tc.want)
			}
			if len(errs) != tc.errs {
				t.Errorf("errors = %v, want %d", errs, tc.errs)
			}
		})
	}
}

func TestSpecialFilesAndSymlinkLoops(t *testing.T) {
	root := testtree.Write(t, map[string]string{"a.yaml": "x: 1\n"})
	if err := os.Symlink(root, filepath.Join(root, "loop")); err != nil {
		t.Skip("symlinks not supported here")
	}
	if err := os.Symlink(filepath.Join(root, "a.yaml"), filepath.Join(root, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	inputs, errs := Resolve(Request{Paths: []string{root}})
	if got := strings.Join(render(root, inputs), ","); got != "file a.yaml,file link.yaml" || len(errs) != 0 {
		t.Errorf("inputs = %s, errs = %v", got, errs)
	}
}

// TestKustomizationNames: a directory is a kustomization whichever of kustomize's three
// names its file has, or when that name is a link to a regular file; a directory or a
// dangling link with that name does not make one.
func TestKustomizationNames(t *testing.T) {
	deploy := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n"
	root := testtree.Write(t, map[string]string{
		"yml/kustomization.yml":           kz + "resources: [deploy.yaml]\n",
		"yml/deploy.yaml":                 deploy,
		"bare/Kustomization":              kz + "resources: [deploy.yaml]\n",
		"bare/deploy.yaml":                deploy,
		"shared/k.yaml":                   kz + "resources: [deploy.yaml]\n",
		"linked/deploy.yaml":              deploy,
		"notdir/kustomization.yaml/x.txt": "a directory with the name",
		"notdir/deploy.yaml":              deploy,
		"dangling/deploy.yaml":            deploy,
	})
	if err := os.Symlink(filepath.Join(root, "shared", "k.yaml"), filepath.Join(root, "linked", "kustomization.yaml")); err != nil {
		t.Skip("symbolic links:", err)
	}
	if err := os.Symlink(filepath.Join(root, "missing.yaml"), filepath.Join(root, "dangling", "kustomization.yaml")); err != nil {
		t.Fatal(err)
	}
	inputs, _ := Resolve(Request{Paths: []string{root}})
	got := strings.Join(render(root, inputs), "\n")
	want := strings.Join([]string{
		"kustomize bare",
		"file dangling/deploy.yaml",
		"kustomize linked",
		"file notdir/deploy.yaml",
		"file shared/k.yaml",
		"kustomize yml",
	}, "\n")
	if got != want {
		t.Errorf("inputs:\n%s\nwant:\n%s", got, want)
	}
}

// A Component no kustomization includes is built (it may build on its own) but marked
// optional, with the resources only it reads as what to lint if it does not build.
func TestOptionalComponents(t *testing.T) {
	const comp = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
	root := testtree.Write(t, map[string]string{
		"repo/base/kustomization.yaml":            kz + "resources: [deploy.yaml]\n",
		"repo/base/deploy.yaml":                   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n",
		"repo/overlay/kustomization.yaml":         kz + "resources: [../base]\ncomponents: [../components/used]\n",
		"repo/components/used/kustomization.yaml": comp + "resources: [sa.yaml]\n",
		"repo/components/used/sa.yaml":            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: used}\n",
		// Unused: its own resources, a base another top kustomization already builds, a
		// directory only it reads, a file outside the walk, and a patch (never linted alone).
		"repo/components/extra/kustomization.yaml": comp + "resources: [own.yaml, ../../base, ../../lib, ../../../shared/x.yaml]\npatches: [{path: patch.yaml}]\n",
		"repo/components/extra/own.yaml":           "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: own}\n",
		"repo/components/extra/patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\n",
		"repo/lib/kustomization.yaml":              kz + "resources: [cm.yaml]\n",
		"repo/lib/cm.yaml":                         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lib}\n",
		"shared/x.yaml":                            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
	})
	repo := filepath.Join(root, "repo")
	inputs, errs := Resolve(Request{Paths: []string{repo}})
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if got, want := strings.Join(render(repo, inputs), "\n"), "kustomize components/extra\nkustomize overlay"; got != want {
		t.Fatalf("inputs:\n%s\nwant:\n%s", got, want)
	}
	extra, overlay := inputs[0], inputs[1]
	if !extra.Optional || overlay.Optional || len(overlay.Fallback) > 0 {
		t.Errorf("optional: extra %v, overlay %v (fallback %v)", extra.Optional, overlay.Optional, overlay.Fallback)
	}
	var got []string
	for _, fb := range extra.Fallback {
		abs, err := filepath.Abs(fb.Path)
		if err != nil {
			t.Fatal(err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			t.Fatalf("fallback %s does not name a file: %v", fb.Path, err)
		}
		rootReal, _ := filepath.EvalSymlinks(root)
		rel, _ := filepath.Rel(rootReal, real)
		got = append(got, map[Kind]string{File: "file ", Kustomize: "kustomize "}[fb.Kind]+filepath.ToSlash(rel))
	}
	want := []string{"file repo/components/extra/own.yaml", "kustomize repo/lib", "file shared/x.yaml"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fallback:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSkippedDirectoriesAreNamed: a repository walk leaves out hidden directories and
// node_modules but names each one that holds YAML or JSON (kubectl apply -R would read
// them); version-control directories and directories without such files go unnamed.
// IncludeHidden walks them, except version control.
func TestSkippedDirectoriesAreNamed(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"app.yaml":                               "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
		".github/workflows/ci.yml":               "on: push\n",
		".hidden/deep/er/pod.yaml":               "apiVersion: v1\nkind: Pod\nmetadata: {name: h}\n",
		".idea/workspace.xml":                    "<xml/>",
		"web/node_modules/left-pad/package.json": "{}",
		"web/node_modules/.bin/x.yaml":           "a: 1\n",
		"web/src/.cache/notes.txt":               "no yaml",
		".git/config.yaml":                       "a: 1\n",
		".git/hooks/x.yml":                       "a: 1\n",
	})
	res := ResolveAll(Request{Paths: []string{root}})
	var skipped []string
	for _, d := range res.Skipped {
		rel, _ := filepath.Rel(root, d)
		skipped = append(skipped, filepath.ToSlash(rel))
	}
	if got, want := strings.Join(skipped, ","), ".github,.hidden,web/node_modules"; got != want {
		t.Errorf("skipped = %s, want %s", got, want)
	}
	if got := strings.Join(render(root, res.Inputs), ","); got != "file app.yaml" {
		t.Errorf("inputs = %s", got)
	}
	res = ResolveAll(Request{Paths: []string{root}, IncludeHidden: true})
	want := "file .github/workflows/ci.yml,file .hidden/deep/er/pod.yaml,file app.yaml,file web/node_modules/.bin/x.yaml,file web/node_modules/left-pad/package.json"
	if got := strings.Join(render(root, res.Inputs), ","); got != want || len(res.Skipped) != 0 {
		t.Errorf("with IncludeHidden: inputs = %s (want %s), skipped = %v", got, want, res.Skipped)
	}
	// A hidden directory named on the command line is walked.
	res = ResolveAll(Request{Paths: []string{filepath.Join(root, ".hidden")}})
	if got := strings.Join(render(root, res.Inputs), ","); got != "file .hidden/deep/er/pod.yaml" || len(res.Skipped) != 0 {
		t.Errorf("named hidden directory: inputs = %s, skipped = %v", got, res.Skipped)
	}
}

// TestHelmCharts: a chart is rendered (a chart input, and one more per chart-testing
// values file in ci/), once however often it is walked; its templates and its own files
// (Chart.yaml, values files, the values schema, ci/ values) are not inputs of their own,
// nor is a subchart; the chart is named, with the name its Chart.yaml gives. Other files in
// it (crds/) are manifests.
func TestHelmCharts(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"charts/web/Chart.yaml":                 "apiVersion: v2\nname: web-app\nversion: 1.0.0\n",
		"charts/web/values.yaml":                "a: 1\n",
		"charts/web/values-prod.yml":            "a: 2\n",
		"charts/web/values.schema.json":         "{}",
		"charts/web/templates/deploy.yaml":      "{{ .Values.a }}\n",
		"charts/web/crds/crd.yaml":              "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a}\n",
		"charts/web/ci/lint-values.yaml":        "a: 3\n",
		"charts/web/charts/db/Chart.yaml":       "apiVersion: v2\nname: db\nversion: 1.0.0\n",
		"charts/web/charts/db/templates/x.yaml": "{{ .Values.a }}\n",
		"charts/broken/Chart.yaml":              "name: [\n",
		"charts/broken/templates/x.yaml":        "{{ x }}\n",
		"values.yaml":                           "not: in a chart\n",
	})
	res := ResolveAll(Request{Paths: []string{root, filepath.Join(root, "charts")}})
	if got, want := strings.Join(render(root, res.Inputs), ","), "chart charts/broken,chart charts/web,chart charts/web+ci/lint-values.yaml,file charts/web/crds/crd.yaml,file values.yaml"; got != want {
		t.Errorf("inputs = %s, want %s", got, want)
	}
	var charts []string
	for _, c := range res.Charts {
		rel, _ := filepath.Rel(root, c.Dir)
		charts = append(charts, filepath.ToSlash(rel)+"="+c.Name)
	}
	if got, want := strings.Join(charts, ","), "charts/broken=,charts/web=web-app,charts/web/charts/db=db"; got != want {
		t.Errorf("charts = %s, want %s", got, want)
	}
}

// Files a repository walk finds in a kustomization's directory, or below one, that no
// kustomization reads are marked: loading drops them when they are only patch fragments.
func TestInKustomizeTree(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"config/default/kustomization.yaml":  kz + "resources: [../manager]\n#patches:\n#- path: proxy_patch.yaml\n",
		"config/default/proxy_patch.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\n",
		"config/default/extra/nested.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
		"config/manager/kustomization.yaml":  kz + "resources: [manager.yaml]\n",
		"config/manager/manager.yaml":        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\n",
		"config/samples/sample.yaml":         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\n",
		"deploy/patch_outside_any_tree.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: m}\n",
	})
	for _, req := range []Request{{Paths: []string{root}}, {Repo: root, Paths: []string{
		filepath.Join(root, "config/default/proxy_patch.yaml"), filepath.Join(root, "config/samples/sample.yaml")}}} {
		inputs, errs := Resolve(req)
		if len(errs) > 0 {
			t.Fatalf("errors: %v", errs)
		}
		var got []string
		for i, line := range render(root, inputs) {
			if inputs[i].InKustomizeTree {
				line += " (in a Kustomize tree)"
			}
			got = append(got, line)
		}
		want := []string{
			"kustomize config/default",
			"file config/default/extra/nested.yaml (in a Kustomize tree)",
			"file config/default/proxy_patch.yaml (in a Kustomize tree)",
			"file config/samples/sample.yaml",
			"file deploy/patch_outside_any_tree.yaml",
		}
		if req.Repo != "" {
			want = []string{"file config/default/proxy_patch.yaml (in a Kustomize tree)", "file config/samples/sample.yaml"}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("inputs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestChartInputs: a chart directory or a .tgz named on the command line is a chart;
// with --repo, a chart's values file, template or Chart.yaml is linted through the renders
// of the outermost chart holding it.
func TestChartInputs(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"web/Chart.yaml":                 "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"web/values.yaml":                "a: 1\n",
		"web/templates/deploy.yaml":      "{{ .Values.a }}\n",
		"web/ci/x-values.yaml":           "a: 2\n",
		"web/charts/db/Chart.yaml":       "apiVersion: v2\nname: db\nversion: 1.0.0\n",
		"web/charts/db/templates/x.yaml": "{{ .Values.a }}\n",
		"web-1.0.0.tgz":                  "not really an archive",
		"plain.yaml":                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
	})
	in := func(p string) string { return filepath.Join(root, p) }
	res := ResolveAll(Request{Paths: []string{in("web"), in("web-1.0.0.tgz")}})
	if got, want := strings.Join(render(root, res.Inputs), ","), "chart web,chart web+ci/x-values.yaml,chart web-1.0.0.tgz"; got != want {
		t.Errorf("named: %s, want %s", got, want)
	}
	for _, f := range []string{"web/values.yaml", "web/templates/deploy.yaml", "web/charts/db/templates/x.yaml", "web/Chart.yaml"} {
		res := ResolveAll(Request{Paths: []string{in(f), in("plain.yaml")}, Repo: root})
		if got, want := strings.Join(render(root, res.Inputs), ","), "chart web,chart web+ci/x-values.yaml,file plain.yaml"; got != want {
			t.Errorf("--repo %s: %s, want %s", f, got, want)
		}
	}
}
