package chart_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// TestRenderLimits: a render is bounded in time and in the size of its output, like a
// Kustomize build; past either bound the chart is an input error and nothing hangs.
func TestRenderLimits(t *testing.T) {
	root := testtree.Write(t, map[string]string{
		"big/Chart.yaml":        "apiVersion: v2\nname: big\nversion: 0.1.0\n",
		"big/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  x: \"{{ range until 5000 }}0123456789{{ end }}\"\n",
		"slow/Chart.yaml":       "apiVersion: v2\nname: slow\nversion: 0.1.0\n",
		"slow/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slow}\n" +
			"{{- range $i := until 3000000 }}{{ end }}\n",
	})
	limits := manifest.DefaultLimits
	limits.MaxFileBytes = 10000
	_, errs := chart.Load(chart.Request{Chart: root + "/big"}, "", limits)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "renders more than 10000 bytes") {
		t.Errorf("size: %v", errs)
	}
	limits = manifest.DefaultLimits
	limits.MaxBuildTime = 20 * time.Millisecond
	start := time.Now()
	_, errs = chart.Load(chart.Request{Chart: root + "/slow"}, "", limits)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "did not finish within 20ms") {
		t.Errorf("time: %v", errs)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the deadline did not stop the wait: %s", d)
	}
}
