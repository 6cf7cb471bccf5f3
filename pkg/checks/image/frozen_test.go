package image

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

func TestFrozenRegistry(t *testing.T) {
	checktest.RunCases(t, "image-frozen-registry", []checktest.Case{
		{Name: "tag", Src: deploy("        image: k8s.gcr.io/pause:3.9  # want: image-frozen-registry\n")},
		{Name: "upper-case host", Src: deploy("        image: K8S.GCR.IO/pause:3.9  # want: image-frozen-registry\n")},
		{Name: "no tag", Src: deploy("        image: k8s.gcr.io/kube-proxy  # want: image-frozen-registry\n")},
		{Name: "successor", Src: deploy("        image: registry.k8s.io/pause:3.9\n")},
		{Name: "a mirror path naming it", Src: deploy("        image: mirror.example.com/k8s.gcr.io/pause:3.9\n")},
		{Name: "other gcr.io registries", Src: deploy("        image: gcr.io/google-samples/hello-app:1.0\n")},
		{Name: "a malformed reference is image-malformed's", Src: deploy("        image: \"k8s.gcr.io/Pause:\"\n")},
	})
}

func TestFrozenRegistryFix(t *testing.T) {
	fs := checktest.Run(t, deploy("        image: K8S.GCR.IO/pause:3.9"+digest+"\n"), "image-frozen-registry")
	if len(fs) != 1 || fs[0].Fix == nil || fs[0].Fix.Safe || len(fs[0].Fix.Changes) != 1 {
		t.Fatalf("want one unsafe fix: %+v", fs)
	}
	if got, want := fs[0].Fix.Changes[0].Value, "registry.k8s.io/pause:3.9"+digest; got != want {
		t.Errorf("fix sets %v, want %s", got, want)
	}
}
