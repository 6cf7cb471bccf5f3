package pipeline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/suppress"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// options are the defaults of `kubectl secure lint` (every check, restricted, no config).
func options(t *testing.T, paths ...string) pipeline.Options {
	t.Helper()
	checks, err := check.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pipeline.Options{Paths: paths, Checks: checks, Settings: &check.Settings{DeployScope: check.ScopeUnit},
		PSS: finding.PSSRestricted, Config: &config.Config{}, Suppressions: suppress.HonourAll}
}

func example(t *testing.T) string {
	return filepath.Join(testenv.RepoRoot(t), "testdata", "example")
}

// counts are a result's findings by check.
func counts(fs []finding.Finding) map[string]int {
	n := map[string]int{}
	for _, f := range fs {
		n[f.Check]++
	}
	return n
}

// TestLintExample runs the library entry point on the example without the command line:
// the objects, files and findings the CLI's goldens show, and the exit status by --fail-on.
func TestLintExample(t *testing.T) {
	res, err := pipeline.Lint(context.Background(), options(t, example(t)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 3 || len(res.Objects) != 5 || len(res.Findings) != 29 || len(res.Errors) != 0 || res.Fix != nil {
		t.Fatalf("files %d, objects %d, findings %d, errors %v, fix %v; want 3, 5, 29, none, nil",
			res.Files, len(res.Objects), len(res.Findings), res.Errors, res.Fix)
	}
	got := counts(res.Findings)
	for check, want := range map[string]int{"service-account-token-automount": 3, "namespace-without-network-policy": 3,
		"image-not-pinned": 2, "privileged-container": 1, "host-path-volume": 1} {
		if got[check] != want {
			t.Errorf("%s: %d findings, want %d", check, got[check], want)
		}
	}
	sorted := slices.Clone(res.Findings)
	finding.Sort(sorted)
	if !reflect.DeepEqual(sorted, res.Findings) {
		t.Error("findings are not sorted")
	}
	rep := res.Report()
	if len(rep.Rules) != len(check.All()) || len(rep.Linted) != 5 {
		t.Errorf("report: %d rules, %d objects linted; want %d, 5", len(rep.Rules), len(rep.Linted), len(check.All()))
	}
	for failOn, want := range map[finding.Severity]int{finding.Low: pipeline.ExitFindings, finding.Critical: pipeline.ExitFindings} {
		if code := res.ExitCode(failOn); code != want {
			t.Errorf("exit status at %s: %d, want %d", failOn, code, want)
		}
	}
}

// TestLintSettings: the options a run is given decide what it reports — the checks
// selected, a path excluded, the restricted findings dropped at baseline, an unreadable
// input as an error (exit 2) beside the findings of the others.
func TestLintSettings(t *testing.T) {
	ex := example(t)
	only := options(t, ex)
	only.Checks = []*check.Check{check.Lookup("privileged-container")}
	excluded := options(t, ex)
	excluded.Exclude = []string{"standalone/**"}
	baseline := options(t, ex)
	baseline.PSS = finding.PSSBaseline
	missing := options(t, ex, filepath.Join(ex, "no-such-file.yaml"))
	cases := []struct {
		name     string
		opts     pipeline.Options
		findings int
		exit     int
	}{
		{"one check", only, 1, pipeline.ExitFindings},
		{"exclude", excluded, 15, pipeline.ExitFindings},
		{"baseline", baseline, 25, pipeline.ExitFindings},
		{"missing input", missing, 29, pipeline.ExitError},
		{"zero options are the defaults", pipeline.Options{Paths: []string{ex}}, 29, pipeline.ExitFindings},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := pipeline.Lint(context.Background(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Findings) != tc.findings || res.ExitCode(finding.Low) != tc.exit {
				t.Errorf("%d findings, exit %d; want %d, %d (%v)", len(res.Findings), res.ExitCode(finding.Low), tc.findings, tc.exit, counts(res.Findings))
			}
			for _, f := range res.Findings {
				if tc.name == "baseline" && f.PSS == finding.PSSRestricted {
					t.Errorf("baseline reports a restricted-only finding: %s", f.Check)
				}
			}
		})
	}
}

// TestLintFix: FixDiff plans the fixes and writes nothing; FixWrite writes them and lints
// again, and After is what is left (the CLI's --fix report).
func TestLintFix(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(example(t))); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)

	diff := options(t, dir)
	diff.Fix, diff.UnsafeFixes = pipeline.FixDiff, true
	res, err := pipeline.Lint(context.Background(), diff)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fix == nil || len(res.Fix.Changed) != 9 || res.Fix.Written != nil || res.Fix.After != nil || res.Fix.Refused {
		t.Fatalf("--diff outcome: %+v; want 9 files changed in memory, nothing written, no lint after", res.Fix)
	}
	if fixes, changes := res.Fix.Applied.Fixed(); fixes != 16 || changes != 18 {
		t.Errorf("--diff: %d fixes, %d changes; want 16, 18", fixes, changes)
	}
	if got := snapshot(t, dir); got != before {
		t.Fatal("--diff changed files")
	}

	write := diff
	write.Fix = pipeline.FixWrite
	res, err = pipeline.Lint(context.Background(), write)
	if err != nil {
		t.Fatal(err)
	}
	fx := res.Fix
	if fx.Written == nil || len(fx.Written.Errors) > 0 || fx.After == nil {
		t.Fatalf("--fix outcome: %+v; want files written and a lint after", fx)
	}
	if len(res.Findings) != 29 || len(fx.After.Findings) != 13 || len(fx.After.Objects) != 11 {
		t.Errorf("findings %d before, %d after on %d objects; want 29, 13 on 11 (the resources findings have no fix)", len(res.Findings), len(fx.After.Findings), len(fx.After.Objects))
	}
	if snapshot(t, dir) == before {
		t.Error("--fix wrote nothing")
	}
	if code := res.ExitCode(finding.Critical); code != pipeline.ExitFindings {
		t.Errorf("exit after --fix at critical: %d, want %d (the critical finding left)", code, pipeline.ExitFindings)
	}
}

// TestLintFixStdin: the fixed standard input is in the outcome, and the lint after reads it.
func TestLintFixStdin(t *testing.T) {
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true # debugging\n  containers: [{name: c, image: nginx:1.27}]\n"
	opts := options(t, "-")
	opts.Stdin = strings.NewReader(pod)
	opts.Fix, opts.UnsafeFixes = pipeline.FixWrite, true
	res, err := pipeline.Lint(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	fx := res.Fix
	if fx.Stdin == nil || bytes.Contains(fx.Stdin, []byte("hostPID: true")) || !bytes.Contains(fx.Stdin, []byte("# debugging")) {
		t.Fatalf("fixed stream:\n%s", fx.Stdin)
	}
	if fx.After == nil || len(fx.After.Findings) >= len(res.Findings) {
		t.Errorf("lint after the fix: %v", fx.After)
	}
	for _, f := range fx.After.Findings {
		if f.Check == "host-namespaces" {
			t.Error("the lint after the fix did not read the fixed stream")
		}
	}
	if fx.Written == nil || len(fx.Written.Written) != 0 {
		t.Errorf("standard input written to a file: %+v", fx.Written)
	}
}

// snapshot is every file under dir with its content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		b.WriteString(p + "\n" + string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
