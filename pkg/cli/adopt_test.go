package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// adoptReport is the part of the JSON report these tests read.
type adoptReport struct {
	Findings []struct {
		Check, File, Path string
		Line              int
		Objects           []struct{ Overlay string }
	}
	Baseline *struct {
		File, Since string
		Existing    int
		Fixed       []struct {
			Check, File, Object, Path string
			Environments              []string
		}
		Units []string
	}
}

// lintIn runs lint with -o json in dir and returns the report, stderr and the exit status.
func lintIn(t *testing.T, dir string, args ...string) (adoptReport, string, int) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	code := Execute(append([]string{"lint", "-o", "json"}, args...), genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	var rep adoptReport
	if out.Len() > 0 {
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
	}
	return rep, errOut.String(), code
}

func (r adoptReport) checks() []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Check+" "+f.File+" "+f.Path)
	}
	return out
}

const adoptPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: nginx:1.27@sha256:0000000000000000000000000000000000000000000000000000000000000000
      securityContext:
        privileged: true
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
`

const adoptConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {a: b}\n"

// TestBaselineKeepsFindingsThroughEdits holds that line shifts, reformatting and reordered
// documents keep findings baselined, while another occurrence is new and a removed one is
// listed as fixed.
func TestBaselineKeepsFindingsThroughEdits(t *testing.T) {
	root := testtree.Write(t, map[string]string{"apps/pod.yaml": adoptPod + "---\n" + adoptConfigMap})
	_, stderr, code := lintIn(t, root, "--write-baseline", "baseline.txt", "--enable", "privileged-container,namespace-without-network-policy")
	if code != 0 || !strings.Contains(stderr, "wrote 2 baseline entries to baseline.txt") {
		t.Fatalf("write-baseline: exit %d, stderr %s", code, stderr)
	}
	written, _ := os.ReadFile(filepath.Join(root, "baseline.txt"))
	edit := func(content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, "apps/pod.yaml"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	flow := strings.Replace(adoptPod, "      securityContext:\n        privileged: true\n        allowPrivilegeEscalation: false\n        readOnlyRootFilesystem: true\n        capabilities: {drop: [ALL]}\n",
		"      securityContext: {capabilities: {drop: [ALL]}, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: \"true\"}\n", 1)
	flow = strings.Replace(flow, `privileged: "true"`, "privileged: true", 1)
	for name, content := range map[string]string{
		"lines inserted above": "# owned by the shop team\n\n# see RUNBOOK.md\n" + adoptPod + "---\n" + adoptConfigMap,
		"reformatted":          strings.Replace(flow, "  name: web\n  namespace: shop\n", "  namespace: 'shop'\n  name: \"web\"\n", 1) + "---\n" + adoptConfigMap,
		"documents reordered":  adoptConfigMap + "---\n" + adoptPod,
	} {
		edit(content)
		rep, stderr, code := lintIn(t, root, "--baseline", "baseline.txt", "--enable", "privileged-container,namespace-without-network-policy")
		if code != 0 || len(rep.Findings) != 0 || rep.Baseline == nil || rep.Baseline.Existing != 2 {
			t.Errorf("%s: exit %d, new %v, baseline %+v\n%s", name, code, rep.checks(), rep.Baseline, stderr)
		}
	}

	// A second privileged container is a new finding; the first stays baselined.
	edit(adoptPod + "    - name: debug\n      image: busybox:1.36@sha256:0000000000000000000000000000000000000000000000000000000000000000\n      securityContext: {privileged: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n")
	rep, _, code := lintIn(t, root, "--baseline", "baseline.txt", "--enable", "privileged-container,namespace-without-network-policy")
	if code != 1 || !slices.Equal(rep.checks(), []string{"privileged-container apps/pod.yaml spec.containers[name=debug].securityContext.privileged"}) {
		t.Errorf("second container: exit %d, new %v", code, rep.checks())
	}

	// Entries count: the same document twice is two findings, and the baseline holds one.
	edit(adoptPod + "---\n" + adoptPod)
	rep, _, code = lintIn(t, root, "--baseline", "baseline.txt", "--enable", "privileged-container")
	if code != 1 || len(rep.Findings) != 1 || rep.Findings[0].Line <= 20 {
		t.Errorf("a second identical finding: exit %d, new %+v (want the second document's)", code, rep.Findings)
	}

	// Fixed: the entry that matches nothing is listed, and the run passes.
	edit(strings.Replace(adoptPod, "privileged: true", "privileged: false", 1))
	rep, stderr, code = lintIn(t, root, "--baseline", "baseline.txt", "--enable", "privileged-container,namespace-without-network-policy")
	if code != 0 || rep.Baseline == nil || len(rep.Baseline.Fixed) != 1 || rep.Baseline.Fixed[0].Check != "privileged-container" ||
		rep.Baseline.Fixed[0].File != "apps/pod.yaml" || rep.Baseline.Fixed[0].Object != "Pod/shop/web" {
		t.Errorf("fixed: exit %d, baseline %+v\n%s", code, rep.Baseline, stderr)
	}
	// Linting part of the tree calls nothing outside it fixed.
	writeFile(t, root, "other/pod.yaml", strings.Replace(adoptPod, "privileged: true", "privileged: false", 1))
	rep, _, code = lintIn(t, root, "other", "--baseline", "baseline.txt", "--enable", "privileged-container,namespace-without-network-policy")
	if code != 1 || rep.Baseline == nil || len(rep.Baseline.Fixed) != 0 {
		t.Errorf("lint of another directory: exit %d, baseline %+v", code, rep.Baseline)
	}
	// Reading the baseline never rewrites it.
	if again, _ := os.ReadFile(filepath.Join(root, "baseline.txt")); !bytes.Equal(again, written) {
		t.Error("the baseline file changed")
	}
}

// TestBaselineLeavesSuppressedOut holds that suppressed findings are not recorded, that
// the config's baseline: key is read, and that the text summary counts what it left out.
func TestBaselineLeavesSuppressedOut(t *testing.T) {
	pod := strings.Replace(adoptPod, "        privileged: true\n", "        privileged: true # kubectl-secure:ignore privileged-container the node agent needs it\n", 1)
	root := testtree.Write(t, map[string]string{"pod.yaml": pod, ".kubectl-secure.yaml": "baseline: .kubectl-secure-baseline\n",
		".git/HEAD": "ref: refs/heads/main\n"})
	if _, stderr, code := lintIn(t, root, "--write-baseline", ".kubectl-secure-baseline"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(root, ".kubectl-secure-baseline"))
	if bytes.Contains(b, []byte("privileged-container")) || !bytes.Contains(b, []byte("namespace-without-network-policy\tpod.yaml\tPod/shop/web\t")) {
		t.Errorf("baseline:\n%s", b)
	}
	// From a subdirectory, the config's baseline still matches (files are relative to the
	// repository root).
	sub := filepath.Join(root, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	rep, stderr, code := lintIn(t, sub, "..")
	if code != 0 || len(rep.Findings) != 0 || rep.Baseline == nil || rep.Baseline.File != "../.kubectl-secure-baseline" {
		t.Errorf("config baseline: exit %d, %v %+v\n%s", code, rep.checks(), rep.Baseline, stderr)
	}
	out, code := run(t, "", "lint", root+"/pod.yaml", "--baseline", filepath.Join(root, ".kubectl-secure-baseline"))
	if code != 0 || !strings.Contains(out, "0 new findings; linted 1 object from 1 file; 1 suppressed; 4 existing (baseline ") {
		t.Errorf("text summary:\n%s", out)
	}
	if err := os.WriteFile(filepath.Join(root, "bad"), []byte("privileged-container\tx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, "", "lint", root+"/pod.yaml", "--baseline", filepath.Join(root, "bad")); code != 2 || !strings.Contains(out, "bad:1: not a kubectl-secure baseline") {
		t.Errorf("bad baseline: exit %d\n%s", code, out)
	}
}

// gitRepo makes a git repository of files with one commit, and returns its root and a
// function running git there.
func gitRepo(t *testing.T, files map[string]string) (string, func(args ...string)) {
	t.Helper()
	testenv.Tool(t, "git", "--since runs git")
	root := testtree.Write(t, files)
	g := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	g("init", "-q")
	g("add", "-A")
	g("commit", "-qm", "one")
	return root, g
}

func writeFile(t *testing.T, root, name, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// sinceTree is a base shared by two overlays, and plain manifests beside them.
func sinceTree() map[string]string {
	overlay := func(ns string) string {
		return "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: " + ns + "\nresources:\n  - ../../base\n"
	}
	return map[string]string{
		"base/kustomization.yaml":          "resources:\n  - deployment.yaml\n",
		"base/deployment.yaml":             "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n",
		"overlays/dev/kustomization.yaml":  overlay("dev"),
		"overlays/prod/kustomization.yaml": overlay("prod"),
		"plain/pod.yaml":                   adoptPod,
		"plain/settings.yaml":              adoptConfigMap,
	}
}

func TestSinceSharedBaseAndOverlays(t *testing.T) {
	root, g := gitRepo(t, sinceTree())
	enable := []string{"--enable", "privileged-container,host-namespaces"}
	rep, stderr, code := lintIn(t, root, append([]string{"--since", "HEAD"}, enable...)...)
	if code != 0 || len(rep.Findings) != 0 || rep.Baseline == nil || len(rep.Baseline.Units) != 0 {
		t.Fatalf("nothing changed: exit %d, %v, %+v\n%s", code, rep.checks(), rep.Baseline, stderr)
	}

	// The base makes both environments privileged: one finding listing both.
	writeFile(t, root, "base/deployment.yaml", sinceTree()["base/deployment.yaml"]+"          securityContext: {privileged: true}\n")
	rep, stderr, code = lintIn(t, root, append([]string{"--since", "HEAD"}, enable...)...)
	if code != 1 || len(rep.Findings) != 1 || len(rep.Findings[0].Objects) != 2 ||
		rep.Findings[0].Objects[0].Overlay != "overlays/dev" || rep.Findings[0].Objects[1].Overlay != "overlays/prod" {
		t.Fatalf("shared base: exit %d, %+v\n%s", code, rep.Findings, stderr)
	}
	if !slices.Equal(rep.Baseline.Units, []string{"overlays/dev", "overlays/prod"}) {
		t.Errorf("units %v, want both overlays and nothing else", rep.Baseline.Units)
	}
	g("commit", "-qam", "privileged base")

	// One overlay's patch: only that overlay is linted; the base's finding existed.
	writeFile(t, root, "overlays/prod/kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: prod\nresources:\n  - ../../base\npatches:\n  - path: hostpid.yaml\n")
	writeFile(t, root, "overlays/prod/hostpid.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      hostPID: true\n")
	rep, stderr, code = lintIn(t, root, append([]string{"--since", "HEAD"}, enable...)...)
	if code != 1 || !slices.Equal(rep.checks(), []string{"host-namespaces overlays/prod/hostpid.yaml spec.template.spec.hostPID"}) ||
		!slices.Equal(rep.Baseline.Units, []string{"overlays/prod"}) || rep.Baseline.Existing != 1 {
		t.Errorf("overlay patch: exit %d, %v, %+v\n%s", code, rep.checks(), rep.Baseline, stderr)
	}
	g("add", "-A")
	g("commit", "-qm", "hostPID in prod")

	// Fixing the base is reported as fixed, with every environment it reached.
	writeFile(t, root, "base/deployment.yaml", sinceTree()["base/deployment.yaml"])
	rep, stderr, code = lintIn(t, root, append([]string{"--since", "HEAD"}, enable...)...)
	if code != 0 || rep.Baseline.Existing != 1 || len(rep.Baseline.Fixed) != 1 || !slices.Equal(rep.Baseline.Fixed[0].Environments, []string{"overlays/dev", "overlays/prod"}) {
		t.Errorf("fixed base: exit %d, %v, %+v\n%s", code, rep.checks(), rep.Baseline, stderr)
	}
	// The working tree is left as it was: git sees only the edit.
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = root
	if out, _ := cmd.Output(); string(out) != " M base/deployment.yaml\n" {
		t.Errorf("git status after --since:\n%s", out)
	}
}

func TestSinceRenamesAndPlainUnits(t *testing.T) {
	root, g := gitRepo(t, sinceTree())
	enable := []string{"--enable", "privileged-container,host-namespaces"}
	// A renamed file keeps its findings; a new document in the same unit is linted.
	g("mv", "plain/pod.yaml", "plain/web-pod.yaml")
	rep, stderr, code := lintIn(t, root, append([]string{"--since", "HEAD"}, enable...)...)
	if code != 0 || len(rep.Findings) != 0 || rep.Baseline.Existing != 1 || len(rep.Baseline.Fixed) != 0 {
		t.Errorf("rename: exit %d, %v, %+v\n%s", code, rep.checks(), rep.Baseline, stderr)
	}
	writeFile(t, root, "plain/debug.yaml", strings.Replace(strings.Replace(adoptPod, "name: web", "name: debug", 1), "  automountServiceAccountToken: false\n", "  hostPID: true\n  automountServiceAccountToken: false\n", 1))
	rep, _, code = lintIn(t, root, append([]string{"--since", "HEAD", "plain"}, enable...)...)
	if code != 1 || !slices.Equal(rep.checks(), []string{"host-namespaces plain/debug.yaml spec.hostPID", "privileged-container plain/debug.yaml spec.containers[name=app].securityContext.privileged"}) {
		t.Errorf("new file: exit %d, %v", code, rep.checks())
	}
	// Deleting the file: its findings are fixed.
	if err := os.Remove(filepath.Join(root, "plain/debug.yaml")); err != nil {
		t.Fatal(err)
	}
	g("rm", "-qf", "plain/web-pod.yaml")
	rep, stderr, code = lintIn(t, root, append([]string{"--since", "HEAD"}, enable...)...)
	if code != 0 || len(rep.Baseline.Fixed) != 1 || rep.Baseline.Fixed[0].File != "plain/pod.yaml" {
		t.Errorf("deleted: exit %d, %+v\n%s", code, rep.Baseline, stderr)
	}
}

func TestSinceErrors(t *testing.T) {
	testenv.Tool(t, "git", "--since runs git")
	plain := testtree.Write(t, map[string]string{"pod.yaml": adoptPod})
	root, _ := gitRepo(t, sinceTree())
	for name, c := range map[string]struct {
		dir  string
		args []string
		want string
	}{
		"not a repository": {plain, []string{"--since", "HEAD"}, "--since needs a git repository: . is not in one"},
		"unknown revision": {root, []string{"--since", "no-such-branch"}, "--since no-such-branch: unknown revision"},
		"standard input":   {root, []string{"-", "--since", "HEAD"}, "standard input has no earlier revision"},
		"with --fix":       {root, []string{"--since", "HEAD", "--fix"}, "can't be used together"},
	} {
		_, stderr, code := lintIn(t, c.dir, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want one line with %q", name, code, stderr, c.want)
		}
	}
}

// TestSinceRelatesUnitsByNamespace: a pull request adding an app to a namespace whose
// NetworkPolicy lives in another, unchanged directory introduces no network-policy finding,
// as a whole run would say.
func TestSinceRelatesUnitsByNamespace(t *testing.T) {
	deployment := func(name string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: shop}\nspec:\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata: {labels: {app: " + name + "}}\n    spec:\n      containers: [{name: c, image: nginx:1.27}]\n"
	}
	root, _ := gitRepo(t, map[string]string{
		"policies/deny.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
		"apps/web.yaml":      deployment("web"),
		"other/pod.yaml":     "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: elsewhere}\nspec:\n  containers: [{name: c, image: nginx:1.27}]\n",
	})
	writeFile(t, root, "apps/api.yaml", deployment("api"))
	enable := "namespace-without-network-policy,workload-without-network-policy,privileged-container"
	rep, stderr, code := lintIn(t, root, "--since", "HEAD", "--enable", enable)
	if code != 0 || len(rep.Findings) != 0 || !slices.Equal(rep.Baseline.Units, []string{"apps/api.yaml", "apps/web.yaml", "policies/deny.yaml"}) {
		t.Errorf("exit %d, new %v, units %v\n%s", code, rep.checks(), rep.Baseline.Units, stderr)
	}
}

// TestSinceInputErrors: a file that was broken at the revision already is a note, not a
// failure of the change; a file the change breaks fails the run (exit status 2).
func TestSinceInputErrors(t *testing.T) {
	broken := "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n"
	root, _ := gitRepo(t, map[string]string{"plain/broken.yaml": broken, "plain/pod.yaml": adoptPod})
	writeFile(t, root, "plain/pod.yaml", "# reviewed\n"+adoptPod)
	_, stderr, code := lintIn(t, root, "--since", "HEAD", "--enable", "privileged-container")
	if code != 0 || !strings.Contains(stderr, "note: plain/broken.yaml:2:") || !strings.Contains(stderr, "an input error at HEAD too") {
		t.Errorf("broken before: exit %d\n%s", code, stderr)
	}
	writeFile(t, root, "plain/new.yaml", broken)
	if _, stderr, code := lintIn(t, root, "--since", "HEAD", "--enable", "privileged-container"); code != 2 || !strings.Contains(stderr, "error: plain/new.yaml:2") {
		t.Errorf("broken now: exit %d\n%s", code, stderr)
	}
}
