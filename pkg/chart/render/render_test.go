package render

import (
	"os"
	"regexp"
	"testing"
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
