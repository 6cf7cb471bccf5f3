package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestMain runs from the repository root so that paths in goldens read as a user types them.
func TestMain(m *testing.M) {
	flag.Parse()
	if err := os.Chdir(filepath.Join("..", "..")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Unsetenv("NO_COLOR")
	os.Exit(m.Run())
}

// run executes the command line in-process and renders what a user would see.
func run(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code := Execute(args, streams)
	return fmt.Sprintf("$ kubectl secure %s\nexit: %d\n--- stdout\n%s--- stderr\n%s", strings.Join(args, " "), code, out.String(), errOut.String()), code
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
	}{
		{name: "example-text", args: []string{"lint", "testdata/example"}, code: 1},
		{name: "example-json", args: []string{"lint", "testdata/example", "-o", "json"}, code: 1},
		{name: "example-sarif", args: []string{"lint", "testdata/example", "-o", "sarif"}, code: 1},
		{name: "example-github", args: []string{"lint", "testdata/example", "-o", "github"}, code: 1},
		{name: "example-junit", args: []string{"lint", "testdata/example", "-o", "junit"}, code: 1},
		{name: "example-markdown", args: []string{"lint", "testdata/example", "-o", "markdown"}, code: 1},
		{name: "bad-inputs-sarif", args: []string{"lint", "-f", "testdata/inputs", "-o", "sarif", "--enable", "privileged-container,host-namespaces"}, code: 2},
		{name: "example-color", args: []string{"lint", "testdata/example/standalone", "--color", "always"}, code: 1},
		{name: "overlay-prod", args: []string{"lint", "-k", "testdata/example/overlays/prod", "--enable", "privileged-container,host-namespaces"}, code: 1},
		{name: "bad-inputs", args: []string{"lint", "testdata/inputs", "--enable", "security-context"}, code: 2},
		{name: "bad-inputs-json", args: []string{"lint", "-f", "testdata/inputs", "-o", "json", "--enable", "privileged-container,host-namespaces"}, code: 2},
		{name: "stdin", stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: c, image: nginx:1.27}]\n", args: []string{"lint", "-", "--enable", "host-namespaces"}, code: 1},
		{name: "fail-on-critical-passes", args: []string{"lint", "testdata/inputs/multi.yaml", "--fail-on", "critical"}, code: 0},
		{name: "disable-category", args: []string{"lint", "testdata/inputs/pod.yaml", "--disable", "security-context,host-access,network-policy,image,secrets,resources,exposure"}, code: 0},
		{name: "pss-baseline", args: []string{"lint", "testdata/inputs/multi.yaml", "--pss", "baseline", "--enable", "security-context", "--disable", "read-only-root-filesystem"}, code: 0},
		{name: "missing-file", args: []string{"lint", "testdata/no-such-file.yaml"}, code: 2},
		{name: "unknown-check", args: []string{"lint", "testdata/inputs/pod.yaml", "--enable", "no-such-check"}, code: 2},
		{name: "kustomize-with-f", args: []string{"lint", "-k", "testdata/example/base", "-f", "x.yaml"}, code: 2},
		{name: "bad-output", args: []string{"lint", "testdata/inputs/pod.yaml", "-o", "yaml"}, code: 2},
		{name: "fix-diff", args: []string{"lint", "testdata/inputs/pod.yaml", "--diff"}, code: 1},
		{name: "fix-diff-unsafe", args: []string{"lint", "testdata/inputs/pod.yaml", "testdata/inputs/multi.yaml", "--diff", "--unsafe-fixes"}, code: 1},
		{name: "fix-diff-overlay", args: []string{"lint", "testdata/example", "--diff", "--unsafe-fixes"}, code: 1},
		{name: "fix-stdin", stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true # debugging\n  containers: [{name: c, image: nginx:1.27}]\n", args: []string{"lint", "-", "--fix", "--unsafe-fixes"}, code: 1},
		{name: "fix-with-diff", args: []string{"lint", "testdata/inputs/pod.yaml", "--fix", "--diff"}, code: 2},
		{name: "unsafe-fixes-alone", args: []string{"lint", "testdata/inputs/pod.yaml", "--unsafe-fixes"}, code: 2},
		{name: "suppress-show", args: []string{"lint", "testdata/suppress", "--config", "testdata/suppress/.kubectl-secure.yaml", "--show-suppressed"}, code: 1},
		{name: "suppress-json", args: []string{"lint", "testdata/suppress", "--config", "testdata/suppress/.kubectl-secure.yaml", "-o", "json"}, code: 1},
		{name: "suppress-sarif", args: []string{"lint", "testdata/suppress", "--config", "testdata/suppress/.kubectl-secure.yaml", "-o", "sarif", "--show-suppressed"}, code: 1},
		{name: "suppress-missing-reason", args: []string{"lint", "testdata/suppress/invalid/missing-reason.yaml", "--config", "testdata/suppress/.kubectl-secure.yaml", "--enable", "host-namespaces,privileged-container,suppression"}, code: 2},
		{name: "suppress-bad-config", args: []string{"lint", "testdata/suppress/deploy.yaml", "--config", "testdata/suppress/invalid/bad-config.yaml"}, code: 2},
		{name: "checks-show-config", args: []string{"checks", "--show-config", "--config", "testdata/suppress/.kubectl-secure.yaml", "--fail-on", "medium", "--enable", "security-context,host-access,suppression"}, code: 0},
		{name: "checks-explain", args: []string{"checks", "privileged-container"}, code: 0},
		{name: "checks-unknown", args: []string{"checks", "nope"}, code: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, code := run(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d\n%s", code, tc.code, got)
			}
			compareCLIGolden(t, tc.name, got)
		})
	}
}

// compareCLIGolden compares what the command line printed with testdata/golden/NAME.golden,
// or rewrites the golden with -update.
func compareCLIGolden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, filepath.Join("testdata", "golden", name+".golden"), []byte(got), *update)
}

func TestChecksListsEveryCheck(t *testing.T) {
	out, code := run(t, "", "checks")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, id := range []string{"privileged-container", "host-namespaces", "run-as-non-root"} {
		if !strings.Contains(out, "\n"+id+" ") {
			t.Errorf("checks list lacks %s", id)
		}
	}
}

func TestColorAuto(t *testing.T) {
	// A buffer is not a terminal: auto means no escape sequences.
	out, _ := run(t, "", "lint", "testdata/inputs/pod.yaml")
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour written to a non-terminal")
	}
	t.Setenv("NO_COLOR", "1")
	out, _ = run(t, "", "lint", "testdata/inputs/pod.yaml", "--color", "auto")
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour written despite NO_COLOR")
	}
}

func TestVersion(t *testing.T) {
	out, code := run(t, "", "version")
	if code != 0 || !strings.Contains(out, "kubectl-secure ") {
		t.Errorf("version: %d %s", code, out)
	}
}

func TestSkipPaths(t *testing.T) {
	cfg := []string{"--config", "testdata/suppress/.kubectl-secure.yaml", "--enable", "privileged-container"}
	// Walking the directory skips vendor/; naming the file lints it.
	out, _ := run(t, "", append([]string{"lint", "testdata/suppress"}, cfg...)...)
	if strings.Contains(out, "vendor/thirdparty.yaml") {
		t.Errorf("skipPaths not applied:\n%s", out)
	}
	out, code := run(t, "", append([]string{"lint", "testdata/suppress/vendor/thirdparty.yaml"}, cfg...)...)
	if code != 1 || !strings.Contains(out, "thirdparty.yaml:12:") {
		t.Errorf("a file named on the command line was skipped (exit %d):\n%s", code, out)
	}
}

func TestSuppressedDoNotFail(t *testing.T) {
	src := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true # kubectl-secure:ignore host-namespaces debugging\n  containers: [{name: c, image: nginx:1.27}]\n"
	out, code := run(t, src, "lint", "-", "--enable", "host-namespaces,suppression")
	if code != 0 || !strings.Contains(out, "0 findings; linted 1 object from 1 file; 1 suppressed") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// The stale check has nothing to say when the check a suppression names did not run.
	out, code = run(t, src, "lint", "-", "--enable", "privileged-container,suppression")
	if code != 0 || strings.Contains(out, "stale-suppression") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestShowConfigRoundTrips(t *testing.T) {
	out, code := run(t, "", "checks", "--show-config", "--config", "testdata/suppress/.kubectl-secure.yaml")
	_, yamlText, _ := strings.Cut(out, "--- stdout\n")
	yamlText, _, _ = strings.Cut(yamlText, "--- stderr\n")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if _, err := config.Parse([]byte(yamlText)); err != nil {
		t.Errorf("--show-config output is not a valid config: %v\n%s", err, yamlText)
	}
	if _, code := run(t, "", "checks", "--fail-on", "high"); code != 2 {
		t.Errorf("settings flag without --show-config: exit %d, want 2", code)
	}
}

// TestREADMECheckTable keeps the README's list of checks what `kubectl secure checks`
// prints, followed by the references of each check; -update rewrites both from the
// registry.
func TestREADMECheckTable(t *testing.T) {
	const begin, end = "<!-- checks: generated from the registry", "<!-- end of checks -->"
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Execute([]string{"checks"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}); code != 0 {
		t.Fatalf("checks: exit %d: %s", code, errOut.String())
	}
	text := string(readme)
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q block", begin, end)
	}
	i += strings.Index(text[i:], "\n") + 1
	want := text[:i] + "```\n" + out.String() + "```\n\n" + referenceTable(check.All()) + text[j:]
	if want == text {
		return
	}
	if *update {
		if err := os.WriteFile("README.md", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's check table is stale (go test ./pkg/cli -run TestREADMECheckTable -update):\n%s", testenv.FirstDifference([]byte(text), []byte(want)))
}

// referenceTable is the README's table of what each check implements: one row a check,
// one column a framework, the framework's own IDs (the keys --enable takes are the
// framework's name, a dash, and the ID in lower case).
func referenceTable(cs []*check.Check) string {
	var b strings.Builder
	b.WriteString("| Check | CIS Kubernetes Benchmark v1.10 | NSA/CISA Hardening Guide v1.2 | MITRE ATT&CK |\n|---|---|---|---|\n")
	for _, c := range cs {
		cols := map[check.Framework][]string{}
		for _, r := range c.References {
			cols[r.Framework] = append(cols[r.Framework], r.ID)
		}
		cell := func(f check.Framework) string {
			if len(cols[f]) == 0 {
				return "-"
			}
			return strings.Join(cols[f], ", ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.ID, cell(check.FrameworkCIS), cell(check.FrameworkNSA), cell(check.FrameworkMITRE))
	}
	return b.String()
}
