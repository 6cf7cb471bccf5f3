package render

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
)

// TestDefaultKubeVersion: the Kubernetes version charts render for by default is the one
// helm template linking this client-go would assume.
func TestDefaultKubeVersion(t *testing.T) {
	data, err := os.ReadFile("../../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`k8s.io/client-go v0\.(\d+)\.`).FindSubmatch(data)
	if m == nil {
		t.Fatal("no k8s.io/client-go in go.mod")
	}
	if want := "v1." + string(m[1]) + ".0"; defaultKubeVersion != want {
		t.Errorf("defaultKubeVersion = %s, want %s (client-go v0.%s)", defaultKubeVersion, want, m[1])
	}
}

// TestDeterministic: two renders of a chart that names objects with random functions
// report the same names.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Chart.yaml", "apiVersion: v2\nname: r\nversion: 0.1.0\n")
	write("templates/pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test-{{ randAlphaNum 5 | lower }}\n  annotations: {id: {{ uuidv4 | quote }}, at: {{ now | date \"2006\" | quote }}}\n")
	var outs []string
	for range 2 {
		r, err := renderer{}.Render(chart.Request{Chart: dir, Options: chart.Options{ReleaseName: "r", Namespace: "default"}})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, r.Templates[0].Output)
	}
	if outs[0] != outs[1] || !strings.Contains(outs[0], "name: test-xxxxx") {
		t.Errorf("renders differ or are random:\n%s\n%s", outs[0], outs[1])
	}
}

// TestSubchartValuesNotAMap: values that make a subchart's values a scalar are refused as
// Helm refuses them, in words rather than Helm's garbled "%!t(string=...)".
func TestSubchartValuesNotAMap(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"Chart.yaml":              "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n  - name: child\n    version: 0.1.0\n",
		"values.yaml":             "child: not-a-map\n",
		"charts/child/Chart.yaml": "apiVersion: v2\nname: child\nversion: 0.1.0\n",
		"templates/cm.yaml":       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := renderer{}.Render(chart.Request{Chart: dir, Options: chart.Options{ReleaseName: "r", Namespace: "default"}})
	if err == nil {
		t.Fatal("rendered; want an input error")
	}
	msg := err.Error()
	if strings.Contains(msg, "%!") || !strings.Contains(msg, `the values under "child" are the subchart child's and must be a map, not a string ("not-a-map")`) {
		t.Errorf("error %q", msg)
	}
}
