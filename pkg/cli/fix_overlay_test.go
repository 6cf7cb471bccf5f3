package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/pod-security-admission/policy"
	sigsjson "sigs.k8s.io/json"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// copyExample copies testdata/example into a new temporary directory.
func copyExample(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "example")
	err := filepath.WalkDir(filepath.Join("testdata", "example"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join("testdata", "example"), p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func readAll(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// relintExample lints dir as the CLI does and returns what it loaded and found.
func relintExample(t *testing.T, dir string) (load.Loaded, []finding.Finding) {
	t.Helper()
	o := defaultLintOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	cmd := newLintCommand(o.IOStreams)
	if err := o.Complete(cmd, []string{dir}); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	o.keepTrees = true // psaProblems reads them
	loaded, findings, errs := o.lintInputs()
	if len(errs) > 0 {
		t.Fatalf("re-lint: %v", errs)
	}
	return loaded, findings
}

// TestFixExampleOverlays is the end-to-end promise of --fix --fix-to overlay on a
// repository with overlays: the shared base stays byte for byte, the fixes land in the
// overlays (goldens
// pin the patch files and the kustomization edits, comments kept), a re-lint finds
// nothing left to fix, every pod the example builds passes Pod Security Admission at
// restricted except where no mechanical fix exists, and a second --fix changes nothing.
func TestFixExampleOverlays(t *testing.T) {
	dir := copyExample(t)
	before := readAll(t, dir)
	out, errOut, code := runRaw("", "lint", dir, "--fix", "--unsafe-fixes", "--fix-to", "overlay")
	if code != ExitFindings {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	after := readAll(t, dir)
	for name, data := range before {
		if strings.HasPrefix(name, "base/") && after[name] != data {
			t.Errorf("overlay mode changed the base: %s", name)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "$ kubectl secure lint $TMP --fix --unsafe-fixes --fix-to overlay\n--- stderr\n%s", errOut)
	var names []string
	for name := range after {
		if after[name] != before[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		state := "changed"
		if _, ok := before[name]; !ok {
			state = "new"
		}
		fmt.Fprintf(&b, "--- %s (%s)\n%s", name, state, after[name])
		if !strings.HasSuffix(after[name], "\n") {
			b.WriteString("\n\\ no newline at end of file\n")
		}
	}
	got := strings.ReplaceAll(b.String(), dir+string(filepath.Separator), "$TMP/")
	got = strings.ReplaceAll(got, dir, "$TMP")
	compareCLIGolden(t, "fix-overlay-in-place", got)

	// Nothing left to fix, and every pod passes PSA restricted but for what needs a person.
	loaded, findings := relintExample(t, dir)
	for _, f := range findings {
		if fix.Fixable(&f) {
			t.Errorf("still fixable after --fix: %s:%d %s (%s)", f.File, f.Line, f.Check, f.Message)
		}
	}
	problems, pods := psaProblems(loaded.Objects, findings)
	if pods == 0 {
		t.Error("no pods evaluated")
	}
	for _, p := range problems {
		t.Error(p)
	}

	// Fixed is fixed.
	_, errOut, _ = runRaw("", "lint", dir, "--fix", "--unsafe-fixes", "--fix-to", "overlay")
	if !strings.Contains(errOut, "fixed 0 findings (0 changes) in 0 files") {
		t.Errorf("second --fix:\n%s", errOut)
	}
	if again := readAll(t, dir); fmt.Sprint(again) != fmt.Sprint(after) {
		t.Errorf("second --fix changed files")
	}
}

// psaProblems evaluates every pod template with k8s.io/pod-security-admission at
// restricted: a control that fails must be one our findings report without a mechanical
// fix. It returns the controls that break that rule and how many pods it evaluated.
func psaProblems(objs []*manifest.Object, findings []finding.Finding) (problems []string, pods int) {
	manual := map[string]bool{} // object + PSA control reported without a fix
	for _, f := range findings {
		c := check.Lookup(f.Check)
		if c == nil || c.PSACheck == "" || fix.Fixable(&f) {
			continue
		}
		manual[f.Object.String()+"|"+c.PSACheck] = true
	}
	for _, obj := range objs {
		for _, pod := range workload.Pods(obj) {
			pods++
			meta, spec, err := podAPI(pod)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", obj.Ref, err))
				continue
			}
			for _, c := range failingControls(meta, spec) {
				// A restricted control that replaces a baseline one (restrictedVolumes for
				// hostPathVolumes) is reported by the check of either.
				ok := manual[obj.Ref.String()+"|"+c.id]
				for _, o := range c.overrides {
					ok = ok || manual[obj.Ref.String()+"|"+o]
				}
				if !ok {
					problems = append(problems, fmt.Sprintf("%s fails PSA restricted control %s, which a fix should have made pass", obj.Ref, c.id))
				}
			}
		}
	}
	return problems, pods
}

// TestPSAProblemsBeforeFixing: without the fixes the example fails PSA where fixes exist,
// so the end-to-end test above is not passing vacuously.
func TestPSAProblemsBeforeFixing(t *testing.T) {
	loaded, findings := relintExample(t, filepath.Join("testdata", "example"))
	problems, _ := psaProblems(loaded.Objects, findings)
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"Deployment/search-prod/search fails PSA restricted control hostNamespaces", "Deployment/search-prod/search fails PSA restricted control privileged", "StatefulSet/search-prod/cache fails PSA restricted control runAsNonRoot"} {
		if !strings.Contains(joined, want) {
			t.Errorf("want %q among:\n%s", want, joined)
		}
	}
}

// failingControls runs PSA's checks in force at the latest version for the restricted
// level, leaving out the baseline checks a restricted one overrides.
func failingControls(meta *metav1.ObjectMeta, spec *corev1.PodSpec) []psaControl {
	var controls []psaControl
	overridden := map[string]bool{}
	for _, c := range policy.DefaultChecks() {
		last := c.Versions[len(c.Versions)-1]
		pc := psaControl{id: string(c.ID), run: last.CheckPod}
		for _, o := range last.OverrideCheckIDs {
			overridden[string(o)] = true
			pc.overrides = append(pc.overrides, string(o))
		}
		controls = append(controls, pc)
	}
	var out []psaControl
	for _, c := range controls {
		if overridden[c.id] {
			continue
		}
		if r := c.run(meta, spec); !r.Allowed {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

type psaControl struct {
	id        string
	run       policy.CheckPodFn
	overrides []string
}

// podAPI decodes a pod template as the API server would see it.
func podAPI(pod *workload.Pod) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	decode := func(n interface{ Decode(any) error }, into any) error {
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return sigsjson.UnmarshalCaseSensitivePreserveInts(data, into)
	}
	var spec corev1.PodSpec
	if err := decode(pod.Spec, &spec); err != nil {
		return nil, nil, err
	}
	meta := &metav1.ObjectMeta{}
	if pod.Meta != nil {
		if err := decode(pod.Meta, meta); err != nil {
			return nil, nil, err
		}
	}
	for i := range spec.Volumes {
		if spec.Volumes[i].VolumeSource == (corev1.VolumeSource{}) {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
	return meta, &spec, nil
}

// TestFixToSource: --fix-to source edits the shared base, and the overlays' own patch.
func TestFixToSource(t *testing.T) {
	dir := copyExample(t)
	before := readAll(t, dir)
	_, errOut, code := runRaw("", "lint", filepath.Join(dir, "overlays"), "--fix", "--unsafe-fixes", "--fix-to", "source")
	if code == ExitError {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	after := readAll(t, dir)
	if after["base/deployment.yaml"] == before["base/deployment.yaml"] {
		t.Errorf("--fix-to source left the base as it was")
	}
	if !strings.HasPrefix(after["base/deployment.yaml"], "# The shop's search service.") {
		t.Errorf("the base lost its comment:\n%s", after["base/deployment.yaml"])
	}
	for _, name := range []string{"overlays/prod/" + overlay.PatchFileName, "overlays/dev/" + overlay.PatchFileName} {
		if _, ok := after[name]; ok {
			t.Errorf("--fix-to source wrote %s", name)
		}
	}
	_, findings := relintExample(t, filepath.Join(dir, "overlays"))
	for _, f := range findings {
		if fix.Fixable(&f) {
			t.Errorf("still fixable: %s:%d %s", f.File, f.Line, f.Check)
		}
	}
}

func TestFixToFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lint", "testdata/example", "--diff", "--fix-to", "base"}, `unknown --fix-to "base"`},
		{[]string{"lint", "testdata/example", "--fix-to", "overlay"}, "--fix-to needs --fix or --diff"},
	} {
		_, errOut, code := runRaw("", tc.args...)
		if code != ExitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d\n%s", tc.args, code, errOut)
		}
	}
}

// TestOverlayDiffAppliesWithGitApply: the --diff of an overlay (new patch file, new policy
// file, kustomization edits) is accepted by git apply and gives what --fix writes.
func TestOverlayDiffAppliesWithGitApply(t *testing.T) {
	testenv.Tool(t, "git", "apt-get install -y git")
	patch, errOut, code := runRaw("", "lint", "testdata/example/overlays", "--diff", "--unsafe-fixes")
	if code != ExitFindings || !strings.Contains(patch, "new file mode") {
		t.Fatalf("exit %d\n%s\n%s", code, patch, errOut)
	}
	repo := t.TempDir()
	example := copyExample(t)
	if err := os.MkdirAll(filepath.Join(repo, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(example, filepath.Join(repo, "testdata", "example")); err != nil {
		t.Fatal(err)
	}
	git := gitIn(t, repo)
	git("", "init", "-q")
	git(patch, "apply", "--check", "-")
	git(patch, "apply", "-")

	fixed := copyExample(t)
	if _, errOut, code := runRaw("", "lint", filepath.Join(fixed, "overlays"), "--fix", "--unsafe-fixes"); code == ExitError {
		t.Fatalf("--fix: %s", errOut)
	}
	applied, written := readAll(t, filepath.Join(repo, "testdata", "example")), readAll(t, fixed)
	if fmt.Sprint(applied) != fmt.Sprint(written) {
		for name := range written {
			if applied[name] != written[name] {
				t.Errorf("%s: git apply of --diff and --fix differ", name)
			}
		}
	}
	if _, ok := applied["overlays/prod/"+overlay.PatchFileName]; !ok {
		t.Errorf("the patch created no %s", overlay.PatchFileName)
	}
}
