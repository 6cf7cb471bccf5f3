package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// fixChart is a chart whose findings come from every place a chart fix can go: a values
// leaf (runAsNonRoot), a values block written with toYaml (securityContext), a template
// line of plain YAML (the sidecar's privileged: true), a templated literal (the sidecar's
// allowPrivilegeEscalation, advice) and a fix that removes (hostPID, advice).
var fixChart = map[string]string{
	"app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\n",
	"app/values.yaml": `# Pod settings.
podSecurityContext:
  runAsNonRoot: false # set by the team
  seccompProfile:
    type: RuntimeDefault
securityContext:
  capabilities:
    drop: [ALL]
  readOnlyRootFilesystem: true
hostPID: true
`,
	"app/templates/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      automountServiceAccountToken: false
      hostPID: {{ .Values.hostPID }}
      securityContext:
        runAsNonRoot: {{ .Values.podSecurityContext.runAsNonRoot }}
        seccompProfile:
          type: {{ .Values.podSecurityContext.seccompProfile.type }}
      containers:
        - name: app
          image: "registry.example/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000"
          imagePullPolicy: Always
          resources: {limits: {memory: 64Mi}, requests: {cpu: 10m, memory: 64Mi}}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
        - name: sidecar
          image: "registry.example/sidecar:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000"
          imagePullPolicy: Always
          resources: {limits: {memory: 64Mi}, requests: {cpu: 10m, memory: 64Mi}}
          securityContext:
            privileged: true
            allowPrivilegeEscalation: {{ "true" }}
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
`,
	"prod-values.yaml": "podSecurityContext:\n  runAsNonRoot: false\n",
	"override.yaml":    "# Our overrides of the app chart.\nhostPID: true\n",
}

// TestChartFixGolden pins the diffs of chart fixes: into the values file that set the
// value, under a values block for a missing field, into the later --values file, into an
// override file, into a plain template line; a templated literal stays advice.
func TestChartFixGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"values", []string{"app"}},
		{"values-precedence", []string{"app", "--values", "prod-values.yaml"}},
		{"fix-to-values-file", []string{"app", "--fix-to", "values-file=override.yaml"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testtree.Enter(t, fixChart)
			out, _ := run(t, "", append([]string{"lint", "--diff", "--unsafe-fixes", "--disable", "namespace-without-network-policy"}, c.args...)...)
			gitApplies(t, out)
			golden := filepath.Join(goldenDir(t), c.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
		})
	}
}

// chartFixGoldens is set before the tests change directory.
var chartFixGoldens = func() string {
	wd, _ := os.Getwd()
	return filepath.Join(wd, "testdata", "chartfix")
}()

func goldenDir(*testing.T) string { return chartFixGoldens }

// TestChartFixWriteIdempotent: --fix writes the values and template fixes, the lint after
// has none of the fixed findings, and a second --fix changes nothing.
func TestChartFixWriteIdempotent(t *testing.T) {
	root := testtree.Enter(t, fixChart)
	args := []string{"lint", "--fix", "--unsafe-fixes", "--disable", "namespace-without-network-policy", "app"}
	out, _ := run(t, "", args...)
	if !strings.Contains(out, "fixed 3 findings") {
		t.Fatalf("want 3 fixes:\n%s", out)
	}
	values, _ := os.ReadFile(filepath.Join(root, "app/values.yaml"))
	for _, want := range []string{"runAsNonRoot: true # set by the team", "  allowPrivilegeEscalation: false\n", "# Pod settings."} {
		if !strings.Contains(string(values), want) {
			t.Errorf("values.yaml lacks %q:\n%s", want, values)
		}
	}
	tmpl, _ := os.ReadFile(filepath.Join(root, "app/templates/deploy.yaml"))
	if !strings.Contains(string(tmpl), "            privileged: false\n") || !strings.Contains(string(tmpl), "hostPID: {{ .Values.hostPID }}") {
		t.Errorf("template:\n%s", tmpl)
	}
	again, _ := run(t, "", args...)
	if !strings.Contains(again, "fixed 0 findings") {
		t.Errorf("second --fix changed something:\n%s", again)
	}
}

// TestChartFixUnverifiedStaysAdvice: a values leaf another object renders too (a
// ConfigMap quotes it) does not verify, since the fix would change that object as well:
// the fix stays advice and nothing is written.
func TestChartFixUnverifiedStaysAdvice(t *testing.T) {
	files := map[string]string{}
	for k, v := range fixChart {
		files[k] = v
	}
	files["app/templates/cm.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  nonroot: {{ .Values.podSecurityContext.runAsNonRoot | quote }}\n"
	testtree.Enter(t, files)
	out, _ := run(t, "", "lint", "--diff", "--unsafe-fixes", "--enable", "run-as-non-root", "app")
	if strings.Contains(out, "values.yaml") || !strings.Contains(out, "would fix 0 findings") || !strings.Contains(out, "did not render as the fix") {
		t.Errorf("a fix that changes another object was kept:\n%s", out)
	}
}

// TestChartFixToNewValuesFile: --fix-to values-file=FILE creates FILE with only the changed
// values paths, the chart is left as it is, and linting with --values FILE has none of the
// fixed findings.
func TestChartFixToNewValuesFile(t *testing.T) {
	files := map[string]string{"mine/README": "our values\n"}
	for k, v := range fixChart {
		files[k] = v
	}
	root := testtree.Enter(t, files)
	chartValues, _ := os.ReadFile(filepath.Join(root, "app/values.yaml"))
	out, _ := run(t, "", "lint", "--fix", "--unsafe-fixes", "--enable", "run-as-non-root,privilege-escalation-allowed", "--fix-to", "values-file=mine/overrides.yaml", "app")
	if !strings.Contains(out, "fixed 2 findings") {
		t.Fatalf("want 2 fixes:\n%s", out)
	}
	got, err := os.ReadFile(filepath.Join(root, "mine/overrides.yaml"))
	want := "podSecurityContext:\n  runAsNonRoot: true\nsecurityContext:\n  allowPrivilegeEscalation: false\n"
	if err != nil || string(got) != want {
		t.Errorf("overrides.yaml: %v\n%s\nwant\n%s", err, got, want)
	}
	if now, _ := os.ReadFile(filepath.Join(root, "app/values.yaml")); string(now) != string(chartValues) {
		t.Errorf("the chart's values changed:\n%s", now)
	}
	findings, _, _ := chartReport(t, "--enable", "run-as-non-root,privilege-escalation-allowed", "--values", "mine/overrides.yaml", "app")
	if len(findings) != 1 || !strings.HasSuffix(findings[0], "privilege-escalation-allowed") || !strings.Contains(findings[0], "templates/deploy.yaml") {
		t.Errorf("want only the sidecar's templated finding left, got %v", findings)
	}
}

// TestChartFixToValuesFileErrors: values-file needs its file (the form "--fix-to
// values-file FILE" would lint FILE instead), and a FILE that is a symlink leading out of
// the tree is refused (exit 2), nothing written.
func TestChartFixToValuesFileErrors(t *testing.T) {
	root := testtree.Enter(t, fixChart)
	if out, code := run(t, "", "lint", "--diff", "--fix-to", "values-file", "app"); code != 2 || !strings.Contains(out, "values-file=FILE") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if out, code := run(t, "", "lint", "--diff", "--fix-to", "values-file=nodir/o.yaml", "app"); code != 2 || !strings.Contains(out, "does not exist") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	outside := t.TempDir()
	if err := os.Symlink(filepath.Join(outside, "o.yaml"), filepath.Join(root, "link.yaml")); err != nil {
		t.Skip(err)
	}
	out, code := run(t, "", "lint", "--fix", "--unsafe-fixes", "--enable", "run-as-non-root", "--fix-to", "values-file=link.yaml", "app")
	if code != 2 {
		t.Errorf("exit %d, want 2:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(outside, "o.yaml")); err == nil {
		t.Errorf("wrote through the symlink:\n%s", out)
	}
}

// TestChartFixSafetyOfWrittenValue: the rendered container lacks allowPrivilegeEscalation
// (the values file writes it null, which Helm drops), so the check's fix is safe, but in
// the values it changes what the file wrote: it needs --unsafe-fixes.
func TestChartFixSafetyOfWrittenValue(t *testing.T) {
	files := map[string]string{}
	for k, v := range fixChart {
		files[k] = v
	}
	files["app/values.yaml"] = strings.Replace(fixChart["app/values.yaml"], "securityContext:\n  capabilities:", "securityContext:\n  allowPrivilegeEscalation: null\n  capabilities:", 1)
	testtree.Enter(t, files)
	args := []string{"lint", "--diff", "--enable", "privilege-escalation-allowed", "app"}
	if out, _ := run(t, "", args...); strings.Contains(out, "diff --git") || !strings.Contains(out, "2 fixes not applied (unsafe") { // the sidecar's too
		t.Errorf("a written value changed by a safe fix:\n%s", out)
	}
	if out, _ := run(t, "", append(args, "--unsafe-fixes")...); !strings.Contains(out, "-  allowPrivilegeEscalation: null\n+  allowPrivilegeEscalation: false") {
		t.Errorf("--unsafe-fixes did not set it:\n%s", out)
	}
}

// gitApplies checks that the diff on the stdout of out applies with `git apply` in the
// working directory.
func gitApplies(t *testing.T, out string) {
	t.Helper()
	diff := out[strings.Index(out, "--- stdout\n")+len("--- stdout\n") : strings.Index(out, "--- stderr\n")]
	if err := os.WriteFile("fix.diff", []byte(diff), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove("fix.diff")
	if msg, err := exec.Command("git", "apply", "--check", "fix.diff").CombinedOutput(); err != nil {
		t.Errorf("git apply: %v: %s\n%s", err, msg, diff)
	}
}
