package chart_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// agreementCharts are the corpus charts rendered both ways; argo-cd is left out because
// it does not render (its redis-ha dependency is not vendored: helm template refuses it
// too; pkg/cli TestChartErrors holds our error).
var agreementCharts = []string{
	"charts/alertmanager", "charts/argo-rollouts", "charts/argo-workflows", "charts/kube-state-metrics",
	"charts/prometheus-node-exporter", "charts/promtail",
	"repos/podinfo/charts/podinfo", "repos/gatekeeper/charts/gatekeeper", "repos/aks-store-demo/charts/aks-store-demo",
}

// TestAgreesWithHelmTemplate: each corpus chart, with its default values and with each of
// its ci/*-values.yaml, renders to the same objects as the real `helm template` (objects
// compared decoded, as the API server would read them, not as bytes).
func TestAgreesWithHelmTemplate(t *testing.T) {
	helm := testenv.Tool(t, "helm", "go install helm.sh/helm/v4/cmd/helm@v4.3.2")
	corpus := testenv.CorpusDir(t)
	for _, c := range agreementCharts {
		dir := filepath.Join(corpus, c)
		variants, _ := filepath.Glob(filepath.Join(dir, "ci", "*-values.yaml"))
		for _, variant := range append([]string{""}, variants...) {
			name := c
			if variant != "" {
				name += "+" + filepath.Base(variant)
			}
			t.Run(name, func(t *testing.T) {
				args := []string{"template", dir, "--kube-version", "1.37.0"}
				opts := chart.Options{ReleaseName: "release-name", Namespace: "default", KubeVersion: "1.37.0"}
				if variant != "" {
					args = append(args, "--values", variant)
					opts.ValuesFiles = []string{variant}
				}
				var stderr bytes.Buffer
				cmd := exec.Command(helm, args...)
				cmd.Stderr = &stderr
				want, err := cmd.Output()
				if err != nil {
					t.Fatalf("helm template: %v\n%s", err, stderr.String())
				}
				r, err := chart.RendererForTest().Render(chart.Request{Chart: dir, Options: opts})
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				var got []string
				for _, tp := range r.Templates {
					got = append(got, tp.Output)
				}
				w, g := objectSet(t, string(want)), objectSet(t, strings.Join(got, "\n---\n"))
				if len(w) == 0 {
					t.Fatal("helm template rendered no object")
				}
				if strings.Join(w, "\n") != strings.Join(g, "\n") {
					t.Errorf("objects differ from helm template's (%d vs %d):\n%s", len(g), len(w), firstDiff(w, g))
				}
			})
		}
	}
}

// objectSet decodes every non-empty document of a stream to canonical JSON, sorted.
func objectSet(t *testing.T, stream string) []string {
	t.Helper()
	var out []string
	for _, doc := range strings.Split("\n"+stream, "\n---") {
		var v any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Fatalf("decoding %q: %v", doc, err)
		}
		if v == nil {
			continue
		}
		unrandom(v)
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out
}

func firstDiff(want, got []string) string {
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("helm template: %s\nkubectl-secure: %s", w, g)
		}
	}
	return ""
}

// randomSuffix is what `randAlphaNum 5` appends to the names of podinfo's test hooks:
// different in every render, ours or helm's.
var randomSuffix = regexp.MustCompile(`-[a-z0-9]{5}$`)

// unrandom replaces the random suffix of a hook's name.
func unrandom(v any) {
	obj, _ := v.(map[string]any)
	md, _ := obj["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if name, ok := md["name"].(string); ok && ann["helm.sh/hook"] != nil {
		md["name"] = randomSuffix.ReplaceAllString(name, "-RANDOM")
	}
}
