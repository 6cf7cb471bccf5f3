package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	// The in-process CLI of these tests is kubectl-secure-full's: charts render.
	_ "github.com/kubectl-secure/kubectl-secure/pkg/chart/render"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// chartReport runs lint -o json and returns "file:line:col check" per finding, the
// errors as "file:line message" and the exit status.
func chartReport(t *testing.T, args ...string) (findings, errs []string, code int) {
	t.Helper()
	out, code := run(t, "", append([]string{"lint", "-o", "json"}, args...)...)
	body := out[strings.Index(out, "--- stdout\n")+len("--- stdout\n") : strings.Index(out, "--- stderr\n")]
	var rep struct {
		Findings []struct {
			Check, File  string
			Line, Column int
			Objects      []struct{ Overlay string }
		}
		Errors []struct {
			File    string
			Line    int
			Message string
		}
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, f := range rep.Findings {
		findings = append(findings, fmt.Sprintf("%s:%d:%d %s", f.File, f.Line, f.Column, f.Check))
	}
	for _, e := range rep.Errors {
		errs = append(errs, fmt.Sprintf("%s:%d %s", e.File, e.Line, e.Message))
	}
	return findings, errs, code
}

// TestChartLint: lint CHART renders the chart and places each finding where the user
// edits: the values file line that set the value, the template line that wrote it.
func TestChartLint(t *testing.T) {
	findings, errs, code := chartReport(t, "testdata/charts/web")
	if code != 1 || len(errs) > 0 {
		t.Fatalf("exit %d, errors %v", code, errs)
	}
	for _, want := range []string{
		"testdata/charts/web/values.yaml:5:8 image-latest-tag",
		"testdata/charts/web/values.yaml:14:29 privilege-escalation-allowed",
		"testdata/charts/web/values.yaml:13:1 read-only-root-filesystem",
		"testdata/charts/web/values.yaml:21:10 image-not-pinned",
		"testdata/charts/web/templates/deployment.yaml:30:25 privileged-container",
		"testdata/charts/web/charts/cache/templates/statefulset.yaml:13:7 run-as-non-root",
		// the ci/ variant sets the tag: its own finding at its own line
		"testdata/charts/web/ci/hardened-values.yaml:2:8 image-not-pinned",
	} {
		if !slices.Contains(findings, want) {
			t.Errorf("missing %s in\n%s", want, strings.Join(findings, "\n"))
		}
	}
}

// TestChartVariantsMerge: a template line both renders (the values as given and each
// ci/*-values.yaml) reach is one finding that lists the object of each.
func TestChartVariantsMerge(t *testing.T) {
	out, _ := run(t, "", "lint", "-o", "json", "testdata/charts/web")
	var rep struct {
		Findings []struct {
			Check, File string
			Line        int
			Objects     []struct{ Overlay string }
		}
	}
	body := out[strings.Index(out, "--- stdout\n")+11 : strings.Index(out, "--- stderr\n")]
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Check == "privileged-container" {
			var units []string
			for _, o := range f.Objects {
				units = append(units, o.Overlay)
			}
			if want := "testdata/charts/web,testdata/charts/web (values testdata/charts/web/ci/hardened-values.yaml)"; strings.Join(units, ",") != want {
				t.Errorf("privileged-container reaches %v, want %s", units, want)
			}
			return
		}
	}
	t.Errorf("no privileged-container finding")
}

// chartTree is a chart whose values the flags change, beside a plain manifest.
var chartTree = map[string]string{
	"app/Chart.yaml":  "apiVersion: v2\nname: app\nversion: 0.1.0\n",
	"app/values.yaml": "image: nginx:1.27\nhostPID: false\n",
	"app/templates/pod.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
spec:
  hostPID: {{ .Values.hostPID }}
  {{- if semverCompare "<1.30-0" .Capabilities.KubeVersion.Version }}
  hostIPC: true
  {{- end }}
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  automountServiceAccountToken: false
  containers:
    - name: app
      image: {{ .Values.image }}@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      resources: {limits: {memory: 64Mi}, requests: {cpu: 10m, memory: 64Mi}}
`,
	"app/ci/debug-values.yaml": "hostPID: true\n",
	"prod.yaml":                "hostPID: true\n",
}

// TestChartFlags: --values, --set, --set-string, --kube-version and -n reach the render
// as helm template takes them.
func TestChartFlags(t *testing.T) {
	testtree.Enter(t, chartTree)
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"defaults: the ci variant's value", []string{"app"}, []string{"app/ci/debug-values.yaml:1:10 host-namespaces"}},
		{"--values", []string{"app", "--values", "prod.yaml"}, []string{"prod.yaml:1:10 host-namespaces"}},
		{"--set wins, in every variant", []string{"app", "--values", "prod.yaml", "--set", "hostPID=false"}, nil},
		{"--set-string", []string{"app", "--set-string", "hostPID=true"}, []string{"--set-string:1:1 host-namespaces"}},
		{"--kube-version", []string{"app", "--kube-version", "1.29"}, []string{"app/templates/pod.yaml:9:12 host-namespaces", "app/ci/debug-values.yaml:1:10 host-namespaces"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			findings, errs, _ := chartReport(t, append(tc.args, "--disable", "network-policy")...)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			slices.Sort(findings)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if strings.Join(findings, "\n") != strings.Join(want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	out, _ := run(t, "", "lint", "app", "-n", "team-a", "--release-name", "web", "-o", "json", "--disable", "network-policy")
	if !strings.Contains(out, `"namespace": "team-a",`) || !strings.Contains(out, `"name": "web"`) {
		t.Errorf("-n and --release-name not in the rendered object:\n%s", out)
	}
}

// TestChartErrors: a template error (fail, required, a parse error, a bad include) and a
// dependency not vendored are input errors at the line to fix (exit 2), and the other
// charts and files are still linted.
func TestChartErrors(t *testing.T) {
	testtree.Enter(t, map[string]string{
		"fail/Chart.yaml":           "apiVersion: v2\nname: fail\nversion: 0.1.0\n",
		"fail/templates/a.yaml":     "apiVersion: v1\nkind: ConfigMap\n{{ fail \"set .Values.x\" }}\n",
		"required/Chart.yaml":       "apiVersion: v2\nname: required\nversion: 0.1.0\n",
		"required/templates/a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"name is required\" .Values.name }}\n",
		"parse/Chart.yaml":          "apiVersion: v2\nname: parse\nversion: 0.1.0\n",
		"parse/templates/a.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name\n",
		"include/Chart.yaml":        "apiVersion: v2\nname: include\nversion: 0.1.0\n",
		"include/templates/a.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    {{- include \"nope\" . | nindent 4 }}\n",
		"deps/Chart.yaml":           "apiVersion: v2\nname: deps\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 19.0.0\n    repository: https://charts.bitnami.com/bitnami\n",
		"deps/templates/a.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"pod.yaml":                  "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x:1.0}]\n",
	})
	findings, errs, code := chartReport(t, ".", "--enable", "host-namespaces")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !slices.Contains(findings, "pod.yaml:5:12 host-namespaces") {
		t.Errorf("the good file's finding is missing: %v", findings)
	}
	if n := len(slices.DeleteFunc(slices.Clone(errs), func(e string) bool { return !strings.HasPrefix(e, "deps/") })); n != 1 {
		t.Errorf("%d errors for deps/, want 1 (its two renders fail alike):\n%s", n, strings.Join(errs, "\n"))
	}
	for _, want := range []string{
		"fail/templates/a.yaml:3 ", "required/templates/a.yaml:4 ", "parse/templates/a.yaml:4 ",
		"include/templates/a.yaml:5 ", "deps/Chart.yaml:5 dependency \"redis\" is not vendored in charts/: run `helm dependency build deps`",
	} {
		found := false
		for _, e := range errs {
			found = found || strings.HasPrefix(e, want)
		}
		if !found {
			t.Errorf("no error %q in\n%s", want, strings.Join(errs, "\n"))
		}
	}
}

// TestChartRepo: pre-commit names a staged values file or template; with --repo it is
// linted through its chart, and only findings in the named files are reported.
func TestChartRepo(t *testing.T) {
	testtree.Enter(t, chartTree)
	findings, _, _ := chartReport(t, "--repo", ".", "app/ci/debug-values.yaml")
	if want := "app/ci/debug-values.yaml:1:10 host-namespaces"; strings.Join(findings, ",") != want {
		t.Errorf("ci values: %v, want %s", findings, want)
	}
	findings, _, code := chartReport(t, "--repo", ".", "app/values.yaml")
	if len(findings) != 0 || code != 0 {
		t.Errorf("values.yaml: exit %d, %v, want none", code, findings)
	}
}

// TestChartReleaseNamespace: -n is the release's namespace; without it the chart renders
// into "default" as helm template does, and its objects meet what names "default".
func TestChartReleaseNamespace(t *testing.T) {
	testtree.Enter(t, map[string]string{
		"np/Chart.yaml": "apiVersion: v2\nname: np\nversion: 0.1.0\n",
		"np/templates/np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: {{ .Release.Namespace }}\n" +
			"spec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n",
		"np/templates/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: {{ .Release.Namespace }}, labels: {app: web}}\n" +
			"spec:\n  containers: [{name: c, image: x:1.0}]\n",
		"apps/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: other, namespace: default, labels: {app: other}}\nspec:\n  containers: [{name: c, image: x:1.0}]\n",
	})
	findings, _, _ := chartReport(t, ".", "-n", "team-a", "--enable", "workload-without-network-policy")
	if len(findings) != 0 {
		t.Errorf("with -n team-a the chart's policy reaches apps/: %v", findings)
	}
	findings, _, _ = chartReport(t, ".", "--enable", "workload-without-network-policy")
	if want := "apps/pod.yaml:1:1 workload-without-network-policy"; strings.Join(findings, ",") != want {
		t.Errorf("without -n: %v, want %s", findings, want)
	}
}

// TestChartFixIsAdvice: a fix that goes neither into values nor into a plain template line
// (here: fields missing under template text) changes nothing and says why; the web chart's
// other fixes are unsafe, so --diff without --unsafe-fixes changes nothing (chartfix_test.go
// has the fixes that are made).
func TestChartFixIsAdvice(t *testing.T) {
	out, code := run(t, "", "lint", "testdata/charts/web", "--diff")
	if code != 1 || !strings.Contains(out, "not applied (Helm chart: edit the values or template line each finding names)") ||
		strings.Contains(out, "+++ ") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
