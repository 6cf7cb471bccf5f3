package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// stderrOf returns the stderr part of run's transcript.
const webPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  hostPID: true
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
`

// An annotation or comment hides the findings of the object that carries it only: not
// another file's object of the same kind, namespace and name, and not the same base object
// built by an overlay whose build does not carry it, when the whole repository is linted.
func TestSuppressionBoundToItsObject(t *testing.T) {
	annotated := strings.Replace(webPod, "  namespace: shop\n",
		"  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: \"privileged-container: needs /dev/fuse\"\n", 1)
	testtree.Enter(t, map[string]string{
		"plain/a.yaml":            annotated,
		"plain/b.yaml":            webPod,
		"base/kustomization.yaml": "resources: [deploy.yaml]\n",
		"base/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: nginx:1.27
        securityContext: {privileged: true}
`,
		"overlays/dev/kustomization.yaml": "resources: [../../base]\npatches: [{path: patch.yaml}]\n",
		"overlays/dev/patch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata:
      annotations:
        kubectl-secure.io/ignore: "privileged-container: only dev mounts /dev/fuse"
`,
		"overlays/prod/kustomization.yaml": "resources: [../../base]\n",
	})
	cases := []struct {
		args []string
		code int
		want []string
	}{
		// prod's Deployment does not carry dev's annotation; b.yaml's Pod is not a.yaml's.
		{args: []string{"."}, code: 1, want: []string{"base/deploy.yaml:12 privileged-container", "plain/b.yaml:12 privileged-container"}},
		{args: []string{"overlays/dev"}, code: 0},
		{args: []string{"overlays/prod"}, code: 1, want: []string{"base/deploy.yaml:12 privileged-container"}},
		{args: []string{"plain/a.yaml", "plain/b.yaml"}, code: 1, want: []string{"plain/b.yaml:12 privileged-container"}},
	}
	for _, tc := range cases {
		out, code := run(t, "", append([]string{"lint", "-o", "json", "--enable", "privileged-container,suppression"}, tc.args...)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s", tc.args, code, tc.code, out)
		}
		if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%v: findings\n got: %q\nwant: %q\n%s", tc.args, got, tc.want, out)
		}
	}
}

// --suppressions and the config key suppressions choose which suppressions are honoured;
// the flag wins over the file, and what is set aside is said on stderr.
func TestSuppressionsMode(t *testing.T) {
	// host-namespaces (line 9) has an annotation; privileged-container (line 14) a comment
	// and, when the config has the entry, a config ignore entry.
	pod := strings.Replace(webPod, "  namespace: shop\n",
		"  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: \"host-namespaces: debugger\"\n", 1)
	pod = strings.Replace(pod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged-container fuse", 1)
	entry := "ignore:\n- checks: [privileged-container]\n  names: [web]\n  reason: fuse, accepted by the owners\n"
	const (
		configNote = "kubectl-secure: note: suppressions: config: 2 annotations or comments not honoured; 1 finding they would hide is reported\n"
		noneNote   = "kubectl-secure: note: suppressions: none: 3 suppressions not honoured; 2 findings they would hide are reported\n"
	)
	both := []string{"pod.yaml:9 host-namespaces", "pod.yaml:14 privileged-container"}
	cases := []struct {
		name   string
		config string
		args   []string
		code   int
		want   []string
		stderr string
	}{
		{name: "default honours all", config: entry, code: 0},
		{name: "all", config: entry, args: []string{"--suppressions", "all"}, code: 0},
		{name: "config", config: entry, args: []string{"--suppressions", "config"}, code: 1,
			want: []string{"pod.yaml:9 host-namespaces"}, stderr: configNote},
		{name: "none", config: entry, args: []string{"--suppressions", "none"}, code: 1, want: both, stderr: noneNote},
		{name: "config key", config: "suppressions: config\n" + entry, code: 1,
			want: []string{"pod.yaml:9 host-namespaces"}, stderr: configNote},
		{name: "config key none", config: "suppressions: none\n" + entry, code: 1, want: both, stderr: noneNote},
		{name: "the flag wins over the config key", config: "suppressions: config\n" + entry, args: []string{"--suppressions", "all"}, code: 0},
		{name: "the flag wins the other way too", config: "suppressions: all\n" + entry, args: []string{"--suppressions", "none"}, code: 1, want: both, stderr: noneNote},
		{name: "bad flag", config: entry, args: []string{"--suppressions", "off"}, code: 2,
			stderr: `--suppressions must be all, config or none, not "off"`},
		{name: "bad config key", config: "suppressions: off\n" + entry, code: 2,
			stderr: `.kubectl-secure.yaml:1: suppressions must be all, config or none, not "off"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, map[string]string{"pod.yaml": pod, ".kubectl-secure.yaml": tc.config})
			for _, output := range []string{"json", "text"} {
				out, code := run(t, "", append([]string{"lint", "pod.yaml", "-o", output, "--enable", "host-namespaces,privileged-container,suppression"}, tc.args...)...)
				if code != tc.code {
					t.Fatalf("-o %s: exit %d, want %d\n%s", output, code, tc.code, out)
				}
				stderr := stderrOf(out)
				if tc.stderr == "" && stderr != "" || !strings.Contains(stderr, tc.stderr) {
					t.Errorf("-o %s: stderr\n got: %q\nwant: %q", output, stderr, tc.stderr)
				}
				if code == 2 || output != "json" {
					continue
				}
				if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
				}
			}
		})
	}
}

// The untrusted pull request recipe of the README: the config comes from the base branch
// (--config), in-source suppressions are off (--suppressions config). What the pull
// request writes, in its manifests or in its own copy of the config file, hides nothing.
func TestUntrustedPullRequestRecipe(t *testing.T) {
	testtree.Enter(t, map[string]string{
		// The pull request's changes: an annotation, a comment, and a config file that
		// turns in-source suppressions back on and ignores the rest.
		"pod.yaml": strings.Replace(strings.Replace(webPod, "  namespace: shop\n",
			"  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: \"host-namespaces: trust me\"\n", 1),
			"privileged: true", "privileged: true # kubectl-secure:ignore privileged-container trust me", 1),
		".kubectl-secure.yaml": "suppressions: all\nignore:\n- checks: [security-context, host-access]\n  reason: trust me\n",
	})
	// The base branch's config, as `git show origin/main:.kubectl-secure.yaml` writes it.
	base := filepath.Join(t.TempDir(), "ks.yaml")
	if err := os.WriteFile(base, []byte("suppressions: config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"pod.yaml:9 host-namespaces", "pod.yaml:14 privileged-container"}
	for _, args := range [][]string{
		{"--config", base, "--suppressions", "config"},
		{"--config", base}, // the base branch's own key
	} {
		out, code := run(t, "", append([]string{"lint", ".", "-o", "json", "--enable", "host-namespaces,privileged-container,suppression"}, args...)...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", args, code, out)
		}
		if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v: findings\n got: %q\nwant: %q\n%s", args, got, want, out)
		}
		if !strings.Contains(stderrOf(out), "2 annotations or comments not honoured; 2 findings they would hide are reported") {
			t.Errorf("%v: no note:\n%s", args, out)
		}
	}
}

// An ignore entry's namespaces select an object that sets none by --namespace, or
// "default" without it.
func TestConfigIgnoreNamespaceOfObjectsWithout(t *testing.T) {
	testtree.Enter(t, map[string]string{
		"pod.yaml":             strings.Replace(webPod, "  namespace: shop\n", "", 1),
		".kubectl-secure.yaml": "ignore:\n- checks: [privileged-container]\n  namespaces: [default]\n  reason: accepted in default\n",
	})
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{args: nil, want: nil},
		{args: []string{"-n", "default"}, want: nil},
		{args: []string{"-n", "shop"}, want: []string{"pod.yaml:11 privileged-container"}},
	} {
		out, _ := run(t, "", append([]string{"lint", "pod.yaml", "-o", "json", "--enable", "privileged-container"}, tc.args...)...)
		if got := findingLines(t, out); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%v: findings\n got: %q\nwant: %q\n%s", tc.args, got, tc.want, out)
		}
	}
}

// checks --show-config prints the suppressions mode after the flag and the file.
func TestShowConfigSuppressions(t *testing.T) {
	testtree.Enter(t, map[string]string{".kubectl-secure.yaml": "suppressions: config\n"})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{args: nil, want: "\nsuppressions: config\n"},
		{args: []string{"--suppressions", "none"}, want: "\nsuppressions: none\n"},
	} {
		out, code := run(t, "", append([]string{"checks", "--show-config"}, tc.args...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d, want %q in\n%s", tc.args, code, tc.want, out)
		}
	}
	if out, code := run(t, "", "checks", "--suppressions", "none"); code != 2 || !strings.Contains(out, "--suppressions needs --show-config") {
		t.Errorf("--suppressions without --show-config: exit %d\n%s", code, out)
	}
}
