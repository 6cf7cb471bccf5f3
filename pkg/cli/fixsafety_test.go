package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// corpusRepos is the corpus's repos directory, or "" when the corpus is absent; under CI
// (testenv) an absent corpus fails the test instead.
func corpusRepos(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		return ""
	}
	corpus := os.Getenv("KUBECTL_SECURE_CORPUS")
	if corpus == "" {
		corpus = filepath.Join(filepath.Dir(testenv.RepoRoot(t)), "shared", "corpus")
	}
	dir := filepath.Join(corpus, "repos")
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		if testenv.InCI() {
			t.Fatalf("corpus repositories not found at %s (CI=true: the corpus must be there)", dir)
		}
		return "" // the example part of the test still runs
	}
	return dir
}

// lintKeepingTrees lints paths as the CLI does, keeping the objects' trees so that the
// findings' fixes can be read; input errors are the corpus's and are left alone.
func lintKeepingTrees(t *testing.T, paths ...string) ([]finding.InputError, []finding.Finding) {
	t.Helper()
	o := defaultLintOptions(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	cmd := newLintCommand(o.IOStreams)
	if err := o.Complete(cmd, paths); err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	o.keepTrees = true
	_, findings, errs := o.lintInputs()
	return errs, findings
}

// TestSafeFixKeepsWrittenValues: --fix (safe fixes only) adds what is missing and never
// changes or removes a value the user wrote (hostPort, an explicit
// allowPrivilegeEscalation: true); --unsafe-fixes does.
func TestSafeFixKeepsWrittenValues(t *testing.T) {
	src := `apiVersion: v1
kind: Pod
metadata: {name: edge, namespace: web}
spec:
  containers:
    - name: proxy
      image: nginx:1.27
      ports:
        - containerPort: 80
          hostPort: 80
      securityContext:
        allowPrivilegeEscalation: true
    - name: sidecar
      image: busybox:1.36
`
	dir := t.TempDir()
	file := filepath.Join(dir, "pod.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runRaw("", "lint", file, "--fix")
	if code == ExitError {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	data, _ := os.ReadFile(file)
	got := string(data)
	for _, want := range []string{"hostPort: 80", "allowPrivilegeEscalation: true", "type: RuntimeDefault"} {
		if !strings.Contains(got, want) {
			t.Errorf("--fix: %q missing:\n%s", want, got)
		}
	}
	if strings.Count(got, "allowPrivilegeEscalation: false") != 1 {
		t.Errorf("--fix: want allowPrivilegeEscalation: false added to the sidecar only:\n%s", got)
	}

	_, errOut, code = runRaw("", "lint", file, "--fix", "--unsafe-fixes")
	if code == ExitError {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	data, _ = os.ReadFile(file)
	got = string(data)
	if strings.Contains(got, "hostPort") || strings.Contains(got, "allowPrivilegeEscalation: true") {
		t.Errorf("--unsafe-fixes left the written values:\n%s", got)
	}
}

// TestChecksExplainAutoFix: `checks ID` says whether the check's fix is safe, unsafe, or
// safe only where the field is missing.
func TestChecksExplainAutoFix(t *testing.T) {
	for id, want := range map[string]string{
		"host-port":                    "unsafe: it changes or removes a value",
		"privilege-escalation-allowed": "safe when the field is missing",
		"seccomp-profile-missing":      "safe: it only adds a field that is missing",
		"image-not-pinned":             "none: advice only",
		"no-default-deny-egress":       "unsafe:",
	} {
		out, errOut, code := runRaw("", "checks", id)
		if code != 0 || !strings.Contains(out, "Automatic fix\n  "+want) {
			t.Errorf("checks %s: exit %d, want %q in\n%s%s", id, code, want, out, errOut)
		}
	}
}

// TestAutoFixClassAgreesWithFindings: every finding's fix is what its check's class says:
// a check classed none carries no changes, one classed safe never an unsafe fix, one
// classed unsafe never a safe one. Run on the example, the test inputs and, when it is
// there and without -short, the real-world corpus repositories.
func TestAutoFixClassAgreesWithFindings(t *testing.T) {
	paths := []string{filepath.Join("testdata", "example"), filepath.Join("testdata", "inputs", "pod.yaml"), filepath.Join("testdata", "inputs", "multi.yaml")}
	if repos := corpusRepos(t); repos != "" && !testing.Short() {
		entries, _ := os.ReadDir(repos)
		for _, e := range entries {
			if e.IsDir() {
				paths = append(paths, filepath.Join(repos, e.Name()))
			}
		}
	}
	seen := map[string]bool{}
	for _, p := range paths {
		_, findings := lintKeepingTrees(t, p)
		for _, f := range findings {
			c := check.Lookup(f.Check)
			if c == nil || f.Fix == nil {
				continue
			}
			fixable := fix.Fixable(&f)
			var bad bool
			switch c.AutoFix {
			case check.FixNone:
				bad = fixable
			case check.FixSafe:
				bad = fixable && !f.Fix.Safe
			case check.FixUnsafe:
				bad = fixable && f.Fix.Safe
			}
			if bad && !seen[f.Check] {
				seen[f.Check] = true
				t.Errorf("%s:%d: %s: fix (safe=%v, %d changes) disagrees with the check's class %s",
					f.File, f.Line, f.Check, f.Fix.Safe, len(f.Fix.Changes), c.AutoFix)
			}
		}
	}
}

// TestEveryAdvertisedFixIsAppliedOrExplained enumerates every finding that carries a fix,
// in the example and (without -short) in each repository of the corpus: a fix with changes
// is applied by --unsafe-fixes or refused with a reason the run prints; a fix without
// changes belongs to a check that has no automatic fix, or its advice is carried out by a
// sibling finding's changes (the one default-deny policy of a namespace), so that nothing
// is advertised as a fix that no flag applies. The workspace is in memory: nothing is
// written.
func TestEveryAdvertisedFixIsAppliedOrExplained(t *testing.T) {
	paths := []string{filepath.Join("testdata", "example")}
	if repos := corpusRepos(t); repos != "" && !testing.Short() {
		entries, _ := os.ReadDir(repos)
		for _, e := range entries {
			if e.IsDir() {
				paths = append(paths, filepath.Join(repos, e.Name()))
			}
		}
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			_, findings := lintKeepingTrees(t, p)
			type key struct{ check, desc string }
			carried := map[key]bool{}
			for i := range findings {
				if f := &findings[i]; fix.Fixable(f) {
					carried[key{f.Check, f.Fix.Description}] = true
				}
			}
			advice := 0
			for _, f := range findings {
				if f.Fix == nil || fix.Fixable(&f) {
					continue
				}
				advice++
				if c := check.Lookup(f.Check); c.AutoFix != check.FixNone && !carried[key{f.Check, f.Fix.Description}] {
					t.Errorf("%s:%d: %s advertises a %s fix that no change carries: %s", f.File, f.Line, f.Check, c.AutoFix, f.Fix.Description)
				}
			}
			res := fix.Apply(fix.NewWorkspace(nil), findings, fix.Options{Unsafe: true, Overlay: overlay.NewKustomizeWriter(overlay.FixToAuto)})
			fixable := 0
			for i := range findings {
				if fix.Fixable(&findings[i]) {
					fixable++
				}
			}
			if len(res.Outcomes) != fixable {
				t.Fatalf("%d outcomes for %d fixable findings", len(res.Outcomes), fixable)
			}
			applied, refused := 0, 0
			for _, o := range res.Outcomes {
				switch {
				case o.Err == nil && o.Skipped == "":
					applied++
				case o.Err != nil && strings.TrimSpace(o.Err.Error()) != "", o.Skipped != "":
					refused++ // printed by the fix summary with its reason
				default:
					t.Errorf("%s:%d %s: not applied and no reason", o.Finding.File, o.Finding.Line, o.Finding.Check)
				}
			}
			if p == paths[0] && refused > 0 {
				t.Errorf("example: %d fixes refused", refused)
			}
			t.Logf("%s: %d findings, %d with a fix: %d applied, %d refused with a reason, %d advice only",
				filepath.Base(p), len(findings), fixable+advice, applied, refused, advice)
		})
	}
}
