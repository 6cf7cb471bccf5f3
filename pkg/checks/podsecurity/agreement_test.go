package podsecurity

import (
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
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
	sigsjson "sigs.k8s.io/json"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// The agreement test is the ground truth of this package: for every pod template it can
// find, the verdict of k8s.io/pod-security-admission at the latest policy version must
// equal what our pss-tagged findings say, control by control and level by level.

// psaControl is one PSA check as the registry runs it at the latest policy version.
type psaControl struct {
	id    string
	level api.Level
	run   policy.CheckPodFn
	// overrides are the baseline checks this restricted check replaces at restricted.
	overrides []string
}

// psaControls returns PSA's default checks at their latest version. The registry does not
// expose per-check results, so the test applies the same rule it does: the last versioned
// entry of every check is the one in force at api.LatestVersion().
func psaControls(t testing.TB) []psaControl {
	t.Helper()
	var out []psaControl
	for _, c := range policy.DefaultChecks() {
		last := c.Versions[len(c.Versions)-1]
		pc := psaControl{id: string(c.ID), level: c.Level, run: last.CheckPod}
		for _, o := range last.OverrideCheckIDs {
			pc.overrides = append(pc.overrides, string(o))
		}
		out = append(out, pc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// windowsSkippedAtRestricted are the baseline controls whose restricted replacement allows
// every Windows pod (capabilities and seccomp are Linux-only: API validation rejects them on
// a pod with spec.os.name: windows). PSA at restricted therefore ignores, on a Windows pod, a
// violation its baseline level reports; we keep reporting it at baseline.
var windowsSkippedAtRestricted = map[string]bool{"capabilities_baseline": true, "seccompProfile_baseline": true}

// pssChecks are our checks that tag findings with a PSS level, by ID, and the PSA check
// each implements.
func pssChecks(t testing.TB) (checks []*check.Check, psaOf map[string]string) {
	t.Helper()
	psaOf = map[string]string{}
	for _, c := range check.All() {
		if c.PSS == "" {
			continue
		}
		if c.PSACheck == "" {
			t.Fatalf("check %s has PSS %q but names no PSA check", c.ID, c.PSS)
		}
		checks = append(checks, c)
		psaOf[c.ID] = c.PSACheck
	}
	return checks, psaOf
}

func TestPSAControlsCovered(t *testing.T) {
	controls := psaControls(t)
	_, psaOf := pssChecks(t)
	known := map[string]api.Level{}
	for _, c := range controls {
		known[c.id] = c.level
	}
	implemented := map[string]bool{}
	for id, psa := range psaOf {
		level, ok := known[psa]
		if !ok {
			t.Errorf("check %s names PSA check %q, which PSA does not have", id, psa)
			continue
		}
		implemented[psa] = true
		if c := check.Lookup(id); string(level) == finding.PSSRestricted && c.PSS != finding.PSSRestricted {
			t.Errorf("check %s implements restricted PSA check %s but is tagged %s", id, psa, c.PSS)
		}
	}
	for _, c := range controls {
		if !implemented[c.id] && !implemented[coveredThroughOverride[c.id]] {
			t.Errorf("no check implements PSA check %s", c.id)
		}
	}
}

// coveredThroughOverride are restricted PSA checks that re-apply a baseline rule the baseline
// level relaxes for some pods; the baseline check's implementation reports those pods
// tagged restricted (proc-mount in a user namespace).
var coveredThroughOverride = map[string]string{"procMount_restricted": "procMount"}

// podUnderTest is one pod template with both views of it: our YAML and PSA's API types.
type podUnderTest struct {
	where    string // file, document, object and pod path, for messages
	pod      *workload.Pod
	meta     *metav1.ObjectMeta
	spec     *corev1.PodSpec
	findings []finding.Finding // ours, PSS-tagged, under this pod
}

// toAPI decodes a YAML node the way the API server would see it: yaml.v3 to generic
// values, to JSON, then case-sensitive JSON decoding into the typed object as
// Kubernetes' own decoders do (encoding/json would accept "HostNetwork").
func toAPI(pod *workload.Pod) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	var spec corev1.PodSpec
	if err := decodeNode(pod.Spec, &spec); err != nil {
		return nil, nil, fmt.Errorf("pod spec: %w", err)
	}
	var meta metav1.ObjectMeta
	if pod.Meta != nil {
		if err := decodeNode(pod.Meta, &meta); err != nil {
			return nil, nil, fmt.Errorf("pod metadata: %w", err)
		}
	}
	defaultVolumes(&spec)
	return &meta, &spec, nil
}

func decodeNode(n interface{ Decode(any) error }, into any) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return fmt.Errorf("yaml: %w", err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, into); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// defaultVolumes applies the one API default PSA depends on: a volume with no source is an
// emptyDir (SetDefaults_Volume), and PSA runs after defaulting.
func defaultVolumes(spec *corev1.PodSpec) {
	for i := range spec.Volumes {
		if spec.Volumes[i].VolumeSource == (corev1.VolumeSource{}) {
			spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
		}
	}
}

// under reports whether a finding path lies at or below prefix.
func under(path, prefix string) bool {
	if !strings.HasPrefix(path, prefix) {
		return false
	}
	return len(path) == len(prefix) || path[len(prefix)] == '.' || path[len(prefix)] == '['
}

// agreement accumulates the comparison over one input set.
type agreement struct {
	t        *testing.T
	controls []psaControl
	eval     policy.Evaluator
	checks   []*check.Check
	psaOf    map[string]string

	objects, pods, skipped, agreeing, windowsPods int
	skipReasons                                   []string
	byControl                                     map[string]int // disagreements per control
	fired                                         map[string]int // pods PSA found violating, per control
	errors                                        int
}

func newAgreement(t *testing.T) *agreement {
	checks, psaOf := pssChecks(t)
	eval, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		t.Fatalf("PSA evaluator: %v", err)
	}
	return &agreement{t: t, controls: psaControls(t), eval: eval, checks: checks, psaOf: psaOf,
		byControl: map[string]int{}, fired: map[string]int{}}
}

// atLeast fails the test when fewer than n pods were compared: a loader or workload change
// that hides pods from the comparison would otherwise pass it by comparing nothing.
func (a *agreement) atLeast(n int) {
	a.t.Helper()
	if a.pods < n {
		a.t.Errorf("compared %d pods, want at least %d: pods went missing before the comparison", a.pods, n)
	}
}

// maxErrors bounds the disagreements printed per input set; the counts say the rest.
const maxErrors = 40

// object compares every pod of one object. strict makes an undecodable pod an error
// (fixtures are ours and must decode); otherwise it is counted and skipped.
func (a *agreement) object(obj *manifest.Object, strict bool) {
	pods := workload.Pods(obj)
	if len(pods) == 0 {
		return
	}
	a.objects++
	fs := lint.RunChecks(a.checks, []*manifest.Object{obj}, nil)
	for _, pod := range pods {
		where := fmt.Sprintf("%s doc %d %s %s", obj.File, obj.Doc, obj.Ref, pod.Path)
		meta, spec, err := toAPI(pod)
		if err != nil {
			if strict {
				a.t.Errorf("%s: does not decode as a pod: %v", where, err)
			}
			a.skipped++
			if len(a.skipReasons) < 5 {
				a.skipReasons = append(a.skipReasons, where+": "+err.Error())
			}
			continue
		}
		u := &podUnderTest{where: where, pod: pod, meta: meta, spec: spec}
		for _, f := range fs {
			if under(f.Path, pod.Path.String()) || under(f.Path, pod.MetaPath.String()) {
				u.findings = append(u.findings, f)
			}
		}
		a.pods++
		if a.compare(u) {
			a.agreeing++
		}
	}
}

// ours reports whether our findings say the pod violates control c at c's level.
func (a *agreement) ours(u *podUnderTest, c psaControl) []finding.Finding {
	ids := map[string]bool{c.id: true}
	for _, o := range c.overrides {
		if !(u.pod.IsWindows() && windowsSkippedAtRestricted[o]) {
			ids[o] = true
		}
	}
	var out []finding.Finding
	for _, f := range u.findings {
		if !ids[a.psaOf[f.Check]] {
			continue
		}
		// A baseline control is violated only by findings tagged baseline: a finding the
		// pod's user namespace demotes to restricted (procMount) does not count there.
		if c.level == api.LevelBaseline && f.PSS != finding.PSSBaseline {
			continue
		}
		out = append(out, f)
	}
	return out
}

// compare checks one pod control by control, then level by level, and reports whether
// everything agreed.
func (a *agreement) compare(u *podUnderTest) bool {
	ok := true
	if u.pod.IsWindows() {
		a.windowsPods++
	}
	verdict := map[string]bool{} // PSA violated, per control
	for _, c := range a.controls {
		res := c.run(u.meta, u.spec)
		verdict[c.id] = !res.Allowed
		if !res.Allowed {
			a.fired[c.id]++
		}
		mine := a.ours(u, c)
		if !res.Allowed == (len(mine) > 0) {
			continue
		}
		ok = false
		a.byControl[c.id]++
		a.errorf("%s: control %s (%s): PSA violated=%v (%s: %s), ours=%v %v",
			u.where, c.id, c.level, !res.Allowed, res.ForbiddenReason, res.ForbiddenDetail, len(mine) > 0, describe(mine))
	}

	for _, level := range []api.Level{api.LevelBaseline, api.LevelRestricted} {
		psa := false
		for _, r := range a.eval.EvaluatePod(api.LevelVersion{Level: level, Version: api.LatestVersion()}, u.meta, u.spec) {
			psa = psa || !r.Allowed
		}
		// The per-control results above must add up to the registry's own verdict, or
		// this test compares against something PSA does not do.
		composed := false
		for _, c := range a.controls {
			if c.level == level || level == api.LevelRestricted && !overridden(a.controls, c.id) {
				composed = composed || verdict[c.id]
			}
		}
		if composed != psa {
			a.t.Fatalf("%s: PSA %s verdict %v differs from its checks composed (%v): the test's model of the registry is wrong", u.where, level, psa, composed)
		}
		var mine []finding.Finding
		for _, f := range u.findings {
			switch {
			case f.PSS == finding.PSSBaseline:
				if level == api.LevelRestricted && u.pod.IsWindows() && windowsSkippedAtRestricted[a.psaOf[f.Check]] {
					continue
				}
				mine = append(mine, f)
			case f.PSS == finding.PSSRestricted && level == api.LevelRestricted:
				mine = append(mine, f)
			}
		}
		if psa != (len(mine) > 0) {
			ok = false
			a.byControl["level:"+string(level)]++
			a.errorf("%s: level %s: PSA violated=%v, ours=%v %v", u.where, level, psa, len(mine) > 0, describe(mine))
		}
	}
	return ok
}

func overridden(controls []psaControl, id string) bool {
	for _, c := range controls {
		for _, o := range c.overrides {
			if o == id {
				return true
			}
		}
	}
	return false
}

func describe(fs []finding.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fmt.Sprintf("%s@%d:%d[%s]", f.Check, f.Line, f.Column, f.PSS)
	}
	return out
}

func (a *agreement) errorf(format string, args ...any) {
	a.t.Helper()
	a.errors++
	if a.errors <= maxErrors {
		a.t.Errorf(format, args...)
	} else if a.errors == maxErrors+1 {
		a.t.Errorf("more disagreements; see the counts below")
	}
}

func (a *agreement) log(name string) {
	a.t.Logf("%s: %d objects with pods, %d pods compared, %d agreeing, %d skipped (not decodable as a pod), %d Windows pods",
		name, a.objects, a.pods, a.agreeing, a.skipped, a.windowsPods)
	for _, r := range a.skipReasons {
		a.t.Logf("  skipped: %s", r)
	}
	var ids []string
	for _, c := range a.controls {
		ids = append(ids, c.id)
	}
	ids = append(ids, "level:baseline", "level:restricted")
	var dis []string
	for _, id := range ids {
		if n := a.byControl[id]; n > 0 {
			dis = append(dis, fmt.Sprintf("%s=%d", id, n))
		}
	}
	if len(dis) == 0 {
		dis = []string{"none"}
	}
	a.t.Logf("  disagreements per control: %s", strings.Join(dis, ", "))
	var fired []string
	for _, id := range ids {
		if n := a.fired[id]; n > 0 {
			fired = append(fired, fmt.Sprintf("%s=%d", id, n))
		}
	}
	a.t.Logf("  pods PSA finds violating, per control: %s", strings.Join(fired, ", "))
}

// walk parses every YAML/JSON file under dir and compares its pods; files that do not
// parse are skipped (their objects are not pods PSA could see either).
func (a *agreement) walk(dir string) (files, unparsable int) {
	a.t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		res := manifest.Parse(rel, data, manifest.DefaultLimits)
		files++
		if res.Err != nil {
			unparsable++
			return nil
		}
		for _, obj := range res.Objects {
			a.object(obj, false)
		}
		return nil
	})
	if err != nil {
		a.t.Fatalf("walk %s: %v", dir, err)
	}
	return files, unparsable
}

func TestPSAAgreementFixtures(t *testing.T) {
	a := newAgreement(t)
	paths, err := filepath.Glob(filepath.Join("testdata", "psa", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in testdata/psa: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		res := manifest.Parse(filepath.Base(p), data, manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatalf("fixture %s: %v", p, res.Err)
		}
		for _, obj := range res.Objects {
			a.object(obj, true)
		}
	}
	a.log("fixtures")
	// The fixtures exist to exercise every control both ways.
	for _, c := range a.controls {
		if a.fired[c.id] == 0 {
			t.Errorf("no fixture violates PSA control %s", c.id)
		}
		if a.fired[c.id] == a.pods {
			t.Errorf("every fixture violates PSA control %s; add a passing one", c.id)
		}
	}
}

func TestPSAAgreementRepository(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "testdata")
	a := newAgreement(t)
	files, bad := a.walk(dir)
	t.Logf("repository testdata: %d files, %d unparsable (skipped)", files, bad)
	a.log("repository testdata")
	a.atLeast(10)
}

func TestPSAAgreementCorpus(t *testing.T) {
	dir := filepath.Join(checktest.CorpusDir(t), "manifests")
	if testing.Short() {
		t.Skip("corpus agreement skipped in -short mode")
	}
	a := newAgreement(t)
	files, bad := a.walk(dir)
	t.Logf("corpus: %d files, %d unparsable (skipped)", files, bad)
	a.log("corpus")
	a.atLeast(650)
}

// TestPSAAgreementCorpusKustomize compares the pods of the corpus's Kustomize builds: the
// objects as they will be deployed, patches applied.
func TestPSAAgreementCorpusKustomize(t *testing.T) {
	corpus := checktest.CorpusDir(t)
	if testing.Short() {
		t.Skip("corpus agreement skipped in -short mode")
	}
	list, err := os.ReadFile(filepath.Join(corpus, "KUSTOMIZE_DIRS.txt"))
	if err != nil {
		t.Fatalf("corpus without KUSTOMIZE_DIRS.txt: %v", err)
	}
	a := newAgreement(t)
	cache := kustomize.NewCache()
	built, failed, skipped := 0, 0, 0
	for _, dir := range strings.Fields(string(list)) {
		if renderedInManifests(dir) {
			skipped++
			continue
		}
		objs, err := kustomize.Build(filepath.Join(corpus, dir), cache)
		if err != nil {
			failed++
			t.Logf("build %s: %v", dir, err)
			continue
		}
		built++
		for _, obj := range objs {
			a.object(obj, false)
		}
	}
	t.Logf("corpus kustomize: %d directories built, %d failed, %d skipped (rendered in manifests/)", built, failed, skipped)
	a.log("corpus kustomize")
	if failed > 0 || built < 25 {
		t.Errorf("built %d of the corpus's Kustomize directories (%d failed); want at least 25 and no failure", built, failed)
	}
	a.atLeast(70)
}

// renderedInManifests reports the Kustomize trees whose build output the corpus also holds
// as plain files (argo-cd's install*.yaml, kube-prometheus's manifests/), which the corpus
// test compares already. Their builds, large CRDs included, take most of a minute.
func renderedInManifests(dir string) bool {
	return strings.HasPrefix(dir, "kustomize/argo-cd/") || dir == "kustomize/kube-prometheus"
}
