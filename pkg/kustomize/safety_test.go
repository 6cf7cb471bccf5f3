package kustomize

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	fp "github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.25
`

// inDir runs Build on a directory of root given relatively, as a user would type it, so
// that errors name files relative to the working directory.
func buildIn(t *testing.T, root, dir string) (int, error) {
	t.Helper()
	t.Chdir(root)
	objs, err := Build(dir, NewCache())
	return len(objs), err
}

type errCase struct {
	name  string
	files map[string]string
	dir   string // built, relative to the tree; "." when empty
	// want: the error's file and line, and words its message must contain; wantObjs for
	// a build that must succeed.
	file     string
	line     int
	contains []string
	wantObjs int
}

func runErrCases(t *testing.T, cases []errCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := testtree.Write(t, tc.files)
			dir := tc.dir
			if dir == "" {
				dir = "."
			}
			before := hashTree(t, root)
			n, err := buildIn(t, root, dir)
			if after := hashTree(t, root); after != before {
				t.Errorf("the build changed the tree")
			}
			if tc.wantObjs > 0 {
				if err != nil {
					t.Fatalf("Build: %v", err)
				}
				if n != tc.wantObjs {
					t.Errorf("Build returned %d objects, want %d", n, tc.wantObjs)
				}
				return
			}
			if err == nil {
				t.Fatalf("Build succeeded with %d objects, want an error", n)
			}
			t.Log(err)
			var ie *finding.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v is not an InputError", err, err)
			}
			if ie.File != tc.file || ie.Line != tc.line {
				t.Errorf("error at %s:%d, want %s:%d: %v", ie.File, ie.Line, tc.file, tc.line, err)
			}
			for _, c := range tc.contains {
				if !strings.Contains(ie.Message, c) {
					t.Errorf("message %q does not contain %q", ie.Message, c)
				}
			}
		})
	}
}

// TestRemoteRefused checks that nothing is fetched: every reference kustomize would
// resolve over the network is refused at the line of the kustomization naming it.
func TestRemoteRefused(t *testing.T) {
	marker := trapTools(t)
	defer func() {
		if ran, err := os.ReadFile(marker); err == nil {
			t.Errorf("a tool ran: %s", ran)
		}
	}()
	k := func(body string) string { return "resources:\n  - deployment.yaml\n" + body }
	remote := []string{"remote reference", "offline"}
	runErrCases(t, []errCase{
		{name: "github base", files: map[string]string{
			"kustomization.yaml": k("  - github.com/org/repo//deploy/base?ref=v1.2.0\n"),
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 3, contains: append(remote, "github.com/org/repo")},
		{name: "https resource", files: map[string]string{
			"kustomization.yaml": k("  - https://raw.githubusercontent.com/org/repo/main/pod.yaml\n"),
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 3, contains: remote},
		{name: "scp-like git base", files: map[string]string{
			"kustomization.yaml": k("  - git@gitlab.example.com:org/repo.git//base\n"),
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 3, contains: remote},
		{name: "deprecated bases field", files: map[string]string{
			"kustomization.yaml": "bases:\n  - ssh://git@example.com/org/repo.git\n",
		}, file: "kustomization.yaml", line: 2, contains: remote},
		{name: "remote component", files: map[string]string{
			"kustomization.yaml": k("components:\n  - https://github.com/org/components//hardening\n"),
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 4, contains: remote},
		{name: "remote patch file", files: map[string]string{
			"kustomization.yaml": k("patches:\n  - path: https://example.com/patch.yaml\n"),
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 4, contains: remote},
		{name: "remote base of a local base names the base", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - ../base\n",
			"base/kustomization.yaml":    k("  - github.com/org/repo/base\n"),
			"base/deployment.yaml":       deployment,
		}, dir: "overlay", file: "base/kustomization.yaml", line: 3, contains: remote},
		// kustomize clones a github.com/... entry even when a directory of that name
		// exists: it is refused all the same.
		{name: "git url shadowing a local directory", files: map[string]string{
			"kustomization.yaml":                     "resources:\n  - github.com/org/repo\n",
			"github.com/org/repo/kustomization.yaml": "resources:\n  - deployment.yaml\n",
			"github.com/org/repo/deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 2, contains: remote},
		// Not remote: local paths whose names merely look like hosts.
		{name: "local dir with dots", files: map[string]string{
			"kustomization.yaml":             "resources:\n  - app.v2/base\n",
			"app.v2/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
			"app.v2/base/deployment.yaml":    deployment,
		}, wantObjs: 1},
	})
}

// TestPluginsNeverRun checks that KRM functions (exec and container), legacy plugins and
// Helm charts are refused before anything runs or is downloaded.
func TestPluginsNeverRun(t *testing.T) {
	marker := trapTools(t)
	fn := func(kind, spec string) string {
		return "apiVersion: example.com/v1\nkind: " + kind + "\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n" + spec
	}
	execSpec := "      exec:\n        path: ./fn.sh\n"
	container := "      container:\n        image: example.com/evil:latest\n"
	script := "#!/bin/sh\ntouch " + marker + "\ncat\n"
	k := "resources:\n  - deployment.yaml\n"
	disabled := []string{"kustomize build failed", "plugins"}
	runErrCases(t, []errCase{
		{name: "exec transformer", files: map[string]string{
			"kustomization.yaml": k + "transformers:\n  - fn.yaml\n",
			"fn.yaml":            fn("Transformer", execSpec),
			"fn.sh":              script,
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "exec generator", files: map[string]string{
			"kustomization.yaml": k + "generators:\n  - fn.yaml\n",
			"fn.yaml":            fn("Generator", execSpec),
			"fn.sh":              script,
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "exec validator", files: map[string]string{
			"kustomization.yaml": k + "validators:\n  - fn.yaml\n",
			"fn.yaml":            fn("Validator", execSpec),
			"fn.sh":              script,
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "container transformer", files: map[string]string{
			"kustomization.yaml": k + "transformers:\n  - fn.yaml\n",
			"fn.yaml":            fn("Transformer", container),
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "inline exec transformer", files: map[string]string{
			"kustomization.yaml": k + "transformers:\n  - |\n" + indent(fn("Transformer", execSpec), "    "),
			"fn.sh":              script,
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "transformer kustomization holding an exec function", files: map[string]string{
			"kustomization.yaml":     k + "transformers:\n  - fns\n",
			"fns/kustomization.yaml": "resources:\n  - fn.yaml\n",
			"fns/fn.yaml":            fn("Transformer", execSpec),
			"fns/fn.sh":              script,
			"deployment.yaml":        deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "legacy go or exec plugin", files: map[string]string{
			"kustomization.yaml": k + "generators:\n  - plugin.yaml\n",
			"plugin.yaml":        "apiVersion: someteam.example.com/v1\nkind: SecretsFromDatabase\nmetadata:\n  name: db\n",
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", contains: disabled},
		{name: "helm chart", files: map[string]string{
			"kustomization.yaml": "helmCharts:\n  - name: minecraft\n    repo: https://itzg.github.io/minecraft-server-charts\n    version: 3.1.3\n    releaseName: mc\n",
		}, file: "kustomization.yaml", contains: []string{"kustomize build failed", "helm"}},
		{name: "helm chart with local chart home", files: map[string]string{
			"kustomization.yaml":                 "helmGlobals:\n  chartHome: charts\nhelmCharts:\n  - name: local\n    releaseName: l\n",
			"charts/local/Chart.yaml":            "apiVersion: v2\nname: local\nversion: 0.1.0\n",
			"charts/local/templates/deploy.yaml": deployment,
		}, file: "kustomization.yaml", contains: []string{"kustomize build failed", "helm"}},
	})
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a plugin or tool ran: %s exists", marker)
	}
}

// trapTools puts fake helm, git, docker and podman first on PATH; each leaves the
// returned file behind if anything runs it.
func trapTools(t *testing.T) string {
	t.Helper()
	marker := filepath.Join(t.TempDir(), "ran")
	files := map[string]string{}
	for _, tool := range []string{"helm", "git", "docker", "podman", "kustomize"} {
		files[tool] = "#!/bin/sh\necho " + tool + " >> " + marker + "\nexit 1\n"
	}
	bin := testtree.Write(t, files)
	for tool := range files {
		if err := os.Chmod(filepath.Join(bin, tool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	for tool := range files {
		if p, err := exec.LookPath(tool); err != nil || filepath.Dir(p) != bin {
			t.Fatalf("%s resolves to %s (%v), not to the trap", tool, p, err)
		}
	}
	return marker
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "")
}

// TestLoadRestrictor checks that files outside a kustomization's directory are refused
// with kustomize's own message, and not read by Build beforehand.
func TestLoadRestrictor(t *testing.T) {
	security := []string{"security; file", "is not in or below"}
	runErrCases(t, []errCase{
		{name: "relative escape", files: map[string]string{
			"a/b/kustomization.yaml": "resources:\n  - ../../../../../../../../etc/passwd\n",
		}, dir: "a/b", file: "a/b/kustomization.yaml", line: 2, contains: security},
		{name: "absolute path", files: map[string]string{
			"kustomization.yaml": "resources:\n  - /etc/passwd\n",
		}, file: "kustomization.yaml", line: 2, contains: security},
		{name: "file of a sibling directory", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - ../base/deployment.yaml\n",
			"base/deployment.yaml":       deployment,
		}, dir: "overlay", file: "overlay/kustomization.yaml", line: 2, contains: security},
		{name: "patch outside the root", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - deployment.yaml\npatches:\n  - path: ../patch.yaml\n",
			"overlay/deployment.yaml":    deployment,
			"patch.yaml":                 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		}, dir: "overlay", file: "overlay/kustomization.yaml", line: 4, contains: security},
		{name: "symlinked directory leading outside", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - link/deployment.yaml\n",
			"overlay/link":               "->../base",
			"base/deployment.yaml":       deployment,
		}, dir: "overlay", file: "overlay/kustomization.yaml", line: 2, contains: security},
		// Not refused: a base directory above the overlay is a kustomization of its own.
		{name: "base directory above", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - ../base\n",
			"base/kustomization.yaml":    "resources:\n  - deployment.yaml\n",
			"base/deployment.yaml":       deployment,
		}, dir: "overlay", wantObjs: 1},
	})
	// Build does not read the refused file itself: only kustomize touches the path, and
	// refuses it.
	root := testtree.Write(t, map[string]string{"kustomization.yaml": "resources:\n  - /etc/passwd\n"})
	cache := NewCache()
	if _, err := Build(root, cache); err == nil {
		t.Fatal("Build of a kustomization listing /etc/passwd succeeded")
	}
	if cachedFiles(cache)["/etc/passwd"] {
		t.Error("Build read /etc/passwd")
	}
}

// TestInputErrors checks that broken inputs give one error at the file and line to fix.
func TestInputErrors(t *testing.T) {
	k := "resources:\n  - deployment.yaml\n"
	runErrCases(t, []errCase{
		{name: "syntax error in a resource", files: map[string]string{
			"kustomization.yaml": k,
			"deployment.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n   labels: {}\n",
		}, file: "deployment.yaml", line: 5, contains: []string{"invalid YAML"}},
		{name: "syntax error in a base resource", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - ../base\n",
			"base/kustomization.yaml":    k,
			"base/deployment.yaml":       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"web\n",
		}, dir: "overlay", file: "base/deployment.yaml", line: 4, contains: []string{"invalid YAML"}},
		{name: "syntax error in a patch", files: map[string]string{
			"kustomization.yaml": k + "patches:\n  - path: patch.yaml\n",
			"deployment.yaml":    deployment,
			"patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec: : :\n",
		}, file: "patch.yaml", line: 5, contains: []string{"invalid YAML"}},
		{name: "syntax error in the kustomization", files: map[string]string{
			"kustomization.yaml": "resources:\n  - deployment.yaml\nnamePrefix: \"x-\n",
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 3, contains: []string{"invalid YAML"}},
		{name: "missing resource", files: map[string]string{
			"kustomization.yaml": k + "  - service.yaml\n",
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 3, contains: []string{`"service.yaml"`, "no such file or directory"}},
		{name: "missing base", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - ../bse\n",
		}, dir: "overlay", file: "overlay/kustomization.yaml", line: 2, contains: []string{`"../bse"`, "no such file or directory"}},
		{name: "base without kustomization", files: map[string]string{
			"overlay/kustomization.yaml": "resources:\n  - ../base\n",
			"base/deployment.yaml":       deployment,
		}, dir: "overlay", file: "overlay/kustomization.yaml", line: 2, contains: []string{`"../base"`, "no kustomization.yaml"}},
		{name: "missing patch", files: map[string]string{
			"kustomization.yaml": k + "patches:\n  - path: patch.yaml\n",
			"deployment.yaml":    deployment,
		}, file: "kustomization.yaml", line: 4, contains: []string{`"patch.yaml"`, "no such file or directory"}},
		{name: "missing generator file", files: map[string]string{
			"kustomization.yaml": "configMapGenerator:\n  - name: c\n    files:\n      - app.conf\n",
		}, file: "kustomization.yaml", line: 4, contains: []string{`"app.conf"`, "no such file or directory"}},
		{name: "no kustomization", files: map[string]string{
			"deployment.yaml": deployment,
		}, file: ".", contains: []string{"no kustomization.yaml"}},
		{name: "device as a resource", files: map[string]string{
			"kustomization.yaml": "resources:\n  - zero.yaml\n",
			"zero.yaml":          "->/dev/zero",
		}, file: "kustomization.yaml", line: 2, contains: []string{"not a regular file"}},
		// A kustomize error that Build does not foresee still names the kustomization.
		{name: "duplicate object", files: map[string]string{
			"kustomization.yaml": k + "  - again.yaml\n",
			"deployment.yaml":    deployment,
			"again.yaml":         deployment,
		}, file: "kustomization.yaml", line: 3, contains: []string{"kustomize build failed", "already registered"}},
		{name: "valid", files: map[string]string{
			"kustomization.yaml": k,
			"deployment.yaml":    deployment,
		}, wantObjs: 1},
	})
}

// TestBuildThroughSymlink builds an overlay reached through a symbolic link: ../../base
// is resolved from the link's target, as kustomize does, and every reported file can be
// opened from the working directory.
func TestBuildThroughSymlink(t *testing.T) {
	shopAbs, err := filepath.Abs(shop)
	if err != nil {
		t.Fatal(err)
	}
	root := testtree.Write(t, map[string]string{"links/prod": "->" + filepath.Join(shopAbs, "overlays", "prod")})
	t.Chdir(root)
	objs, err := Build("links/prod", NewCache())
	if err != nil {
		t.Fatal(err)
	}
	web := find(objs, "Deployment", "web")
	if web == nil {
		t.Fatalf("no Deployment web in %v", refs(objs))
	}
	if got, want := posString(web.Locate(app.Keys("securityContext", "privileged"))), "links/prod/privileged.yaml:11:25"; got != want {
		t.Errorf("patch field at %s, want %s", got, want)
	}
	for _, o := range objs {
		for _, p := range []fp.Path{nil, sidecar.Keys("image"), app.Keys("image"), fp.New("metadata", "namespace")} {
			pos := o.Locate(p)
			if _, err := os.Stat(pos.File); err != nil {
				t.Errorf("%s %s located in %s, which does not open: %v", o.Ref, p, pos.File, err)
			}
		}
	}
}

// TestBaseThroughSymlink builds an overlay whose base is a symbolic link to a directory:
// the overlay's patch still applies to the base's objects and locates there.
func TestBaseThroughSymlink(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"real/base/kustomization.yaml":   "resources:\n  - deployment.yaml\n",
		"real/base/deployment.yaml":      deployment,
		"app/base":                       "->../real/base",
		"app/overlay/kustomization.yaml": "resources:\n  - ../base\nimages:\n  - name: nginx\n    newTag: \"1.26\"\npatches:\n  - path: patch.yaml\n",
		"app/overlay/patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      hostPID: true\n",
	})
	t.Chdir(root)
	objs, err := Build("app/overlay", NewCache())
	if err != nil {
		t.Fatal(err)
	}
	web := find(objs, "Deployment", "web")
	if web == nil {
		t.Fatalf("no Deployment web in %v", refs(objs))
	}
	for _, tc := range []struct {
		path fp.Path
		want string
	}{
		{podSpec.Keys("hostPID"), "app/overlay/patch.yaml:8:16"},
		{app.Keys("image"), "app/overlay/kustomization.yaml:5:13"},
		{app.Keys("name"), "real/base/deployment.yaml:9:17"},
	} {
		if got := posString(web.Locate(tc.path)); got != tc.want {
			t.Errorf("Locate(%s) = %s, want %s", tc.path, got, tc.want)
		}
	}
}
