package cli

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

const privilegedPod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x:1.0\n    securityContext: {privileged: true}\n"

// stderrOf is the stderr part of run's transcript.
func stderrOf(transcript string) string {
	_, stderr, _ := strings.Cut(transcript, "--- stderr\n")
	return stderr
}

// TestNothingSkippedInSilence: lint . leaves out hidden directories and node_modules but
// names, on one bounded note line, each one that holds YAML or JSON; --include-hidden lints
// them; --exclude and skipPaths silence the note for what they exclude.
func TestNothingSkippedInSilence(t *testing.T) {
	tree := map[string]string{
		"app.yaml":                         privilegedPod,
		".github/workflows/ci.yml":         "on: push\njobs: {}\n",
		".deploy/pod.yaml":                 strings.Replace(privilegedPod, "name: p}", "name: hidden}", 1),
		"web/node_modules/x/package.json":  "{\"name\": \"x\"}\n",
		".git/info/config.yaml":            "a: 1\n",
		".idea/workspace.xml":              "<xml/>",
		"many/.a/x.yaml":                   "a: 1\n",
		"many/.b/x.yaml":                   "a: 1\n",
		"many/.c/x.yaml":                   "a: 1\n",
		"many/.d/x.yaml":                   "a: 1\n",
		"many/node_modules/y/package.json": "{}\n",
	}
	cases := []struct {
		name string
		args []string
		note string // the note line, "" for none
		want []string
	}{
		{name: "walk", args: []string{"."},
			note: "kubectl-secure: note: not linted: 8 hidden or node_modules directories that hold YAML or JSON files (kubectl apply -R would read them): .deploy, .github, many/.a, many/.b, many/.c and 3 more; --include-hidden lints them\n",
			want: []string{"app.yaml:8 privileged-container"}},
		{name: "one directory", args: []string{"web"},
			note: "kubectl-secure: note: not linted: a hidden or node_modules directory that holds YAML or JSON files (kubectl apply -R would read them): web/node_modules; --include-hidden lints them\n"},
		{name: "excluded directories are not named", args: []string{".", "--exclude", "many", "--exclude", "web/node_modules", "--exclude", ".github/**"},
			note: "kubectl-secure: note: not linted: a hidden or node_modules directory that holds YAML or JSON files (kubectl apply -R would read them): .deploy; --include-hidden lints them\n",
			want: []string{"app.yaml:8 privileged-container"}},
		{name: "include hidden", args: []string{".", "--include-hidden"},
			want: []string{".deploy/pod.yaml:8 privileged-container", "app.yaml:8 privileged-container"}},
		{name: "include hidden and exclude", args: []string{".", "--include-hidden", "--exclude", "**/.deploy"},
			want: []string{"app.yaml:8 privileged-container"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, tree)
			out, code := run(t, "", append([]string{"lint", "-o", "json", "--enable", "privileged-container"}, tc.args...)...)
			wantCode := 0
			if len(tc.want) > 0 {
				wantCode = 1
			}
			if code != wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, wantCode, out)
			}
			stderr := stderrOf(out)
			notes := ""
			for _, line := range strings.SplitAfter(stderr, "\n") {
				if strings.Contains(line, "hidden or node_modules") {
					notes += line
				}
			}
			if notes != tc.note {
				t.Errorf("note:\n got: %q\nwant: %q", notes, tc.note)
			}
			if strings.Contains(stderr, ".git") && !strings.Contains(stderr, ".github") || strings.Contains(stderr, ".idea") {
				t.Errorf("a directory without YAML, or version control, is named:\n%s", stderr)
			}
			if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}
}

// TestNotManifestsGolden: in a directory, files that do not parse and are no manifests
// (tektoncd/pipeline's pre-commit config, with a YAML 1.2 "\/" escape; notes without an
// apiVersion or kind) are notes; a broken manifest still fails the run, and the good file's
// findings are reported.
func TestNotManifestsGolden(t *testing.T) {
	got, code := run(t, "", "lint", "testdata/nonmanifest", "--enable", "privileged-container")
	if code != 2 {
		t.Errorf("exit %d, want 2 (the broken manifest)", code)
	}
	compareCLIGolden(t, "not-manifests", got)
}

// TestNotManifests: the same rule for files named on the command line (pre-commit names the
// staged files, .pre-commit-config.yaml among them), with -f, and with --repo.
func TestNotManifests(t *testing.T) {
	const precommit = "testdata/nonmanifest/.pre-commit-config.yaml"
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{name: "named", args: []string{precommit}, code: 0, stderr: []string{
			"kubectl-secure: note: " + precommit + ":8: not linted: a pre-commit configuration, not a Kubernetes manifest; invalid YAML: found unknown escape character\n",
			"kubectl-secure: note: no Kubernetes objects found in " + precommit + " (1 file read)\n"}},
		{name: "with -f", args: []string{"-f", precommit, "-f", "testdata/nonmanifest/notes.yaml"}, code: 0, stderr: []string{
			"not linted: no top-level apiVersion or kind, so not a Kubernetes manifest; invalid YAML:"}},
		{name: "pre-commit hook", args: []string{"--repo", ".", precommit, "testdata/nonmanifest/deploy.yaml"}, code: 1, stderr: []string{
			"not linted: a pre-commit configuration"}},
		{name: "a broken manifest named", args: []string{"testdata/nonmanifest/broken-manifest.yaml"}, code: 2, stderr: []string{
			"kubectl-secure: error: testdata/nonmanifest/broken-manifest.yaml:7: invalid YAML"}},
		{name: "the broken manifest excluded", args: []string{"testdata/nonmanifest", "--exclude", "broken-manifest.yaml"}, code: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, code := run(t, "", append([]string{"lint", "--enable", "privileged-container"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderrOf(out), s) {
					t.Errorf("stderr lacks %q:\n%s", s, out)
				}
			}
		})
	}
}

// TestExclude: --exclude is repeatable, matches as skipPaths does (path as printed, or
// relative to the directory named; a directory excludes what is below it), excludes
// kustomizations too, leaves files named on the command line alone, and refuses a glob
// that cannot match.
func TestExclude(t *testing.T) {
	tree := map[string]string{
		"repo/a.yaml":                     privilegedPod,
		"repo/vendor/b.yaml":              privilegedPod,
		"repo/gen/c.gen.yaml":             privilegedPod,
		"repo/sub/gen/d.gen.yaml":         privilegedPod,
		"repo/overlay/kustomization.yaml": "resources: [pod.yaml]\n",
		"repo/overlay/pod.yaml":           privilegedPod,
		"repo/skipped-by-config/pod.yaml": privilegedPod,
		"repo/.kubectl-secure.yaml":       "skipPaths: [skipped-by-config]\n",
	}
	all := []string{"repo/a.yaml:8 privileged-container", "repo/gen/c.gen.yaml:8 privileged-container", "repo/overlay/pod.yaml:8 privileged-container",
		"repo/sub/gen/d.gen.yaml:8 privileged-container", "repo/vendor/b.yaml:8 privileged-container"}
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{name: "none", args: []string{"repo"}, code: 1, want: all},
		{name: "a directory, relative to the one named", args: []string{"repo", "--exclude", "vendor"}, code: 1, want: []string{all[0], all[1], all[2], all[3]}},
		{name: "as printed, repeated", args: []string{"repo", "--exclude", "repo/vendor/**", "--exclude", "**/*.gen.yaml"}, code: 1, want: []string{all[0], all[2]}},
		{name: "a kustomization", args: []string{"repo", "--exclude", "overlay"}, code: 1, want: []string{all[0], all[1], all[3], all[4]}},
		{name: "named files are linted anyway", args: []string{"repo/vendor/b.yaml", "--exclude", "repo/vendor"}, code: 1, want: []string{all[4]}},
		{name: "bad glob", args: []string{"repo", "--exclude", "a/[b"}, code: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, tree)
			out, code := run(t, "", append([]string{"lint", "-o", "json", "--config", "repo/.kubectl-secure.yaml", "--enable", "privileged-container"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, out)
			}
			if code == 2 {
				if !strings.Contains(out, "--exclude: bad pattern") {
					t.Errorf("no usage error:\n%s", out)
				}
				return
			}
			if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
			}
		})
	}
}

// TestHelmChartRendered: a chart a walk finds is rendered, not passed over: a values file
// Helm cannot read is an input error of the chart (exit 2), and an excluded chart is not
// rendered.
func TestHelmChartRendered(t *testing.T) {
	testtree.Enter(t, map[string]string{
		"charts/web/Chart.yaml":            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"charts/web/values.yaml":           "image: {tag: \"\\/latest\"}\n",
		"charts/web/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.x }}\n",
	})
	out, code := run(t, "", "lint", ".")
	if code != 2 || !strings.Contains(out, "charts/web: loading the chart: ") {
		t.Errorf("exit %d, want 2 and the chart's error:\n%s", code, out)
	}
	out, code = run(t, "", "lint", ".", "--exclude", "charts")
	if code != 0 || strings.Contains(out, "charts/web") {
		t.Errorf("an excluded chart is rendered: exit %d\n%s", code, out)
	}
}

// TestNoObjectsNote: a run that finds no Kubernetes object says so on stderr and exits 0;
// not when an input error already says what went wrong. The summary says what it counted.
func TestNoObjectsNote(t *testing.T) {
	testtree.Enter(t, map[string]string{
		"config/settings.yaml": "replicas: 2\n",
		"config/empty.yaml":    "",
		"bad/x.yaml":           "apiVersion: v1\nkind: Pod\n  a: [\n",
	})
	out, code := run(t, "", "lint", "config")
	if code != 0 || stderrOf(out) != "kubectl-secure: note: no Kubernetes objects found in config (2 files read)\n" ||
		!strings.Contains(out, "0 findings; linted 0 objects from 2 files\n") {
		t.Errorf("exit %d\n%s", code, out)
	}
	out, code = run(t, "", "lint", "-", "-o", "json")
	if code != 0 || stderrOf(out) != "kubectl-secure: note: no Kubernetes objects found in standard input (1 file read)\n" {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
	out, code = run(t, "", "lint", "bad", "config")
	if code != 2 || strings.Contains(out, "no Kubernetes objects") {
		t.Errorf("with an input error: exit %d\n%s", code, out)
	}
}
