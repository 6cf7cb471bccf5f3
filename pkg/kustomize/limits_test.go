package kustomize

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/resmap"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// A generator input (files:, envs:, env:) over the manifest size limit is an input error at
// the kustomization line that names it, before kustomize reads it.
func TestGeneratorInputSizeLimit(t *testing.T) {
	for _, tc := range []struct{ field, entry string }{
		{"files", "  files:\n  - big.txt\n"},
		{"files with a key", "  files:\n  - key=big.txt\n"},
		{"envs", "  envs:\n  - big.txt\n"},
		{"env", "  env: big.txt\n"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			for _, gen := range []string{"configMapGenerator", "secretGenerator"} {
				root := testtree.Write(t, map[string]string{
					"kustomization.yaml": gen + ":\n- name: cfg\n" + tc.entry,
					"big.txt":            "x=1\n",
				})
				// A sparse file: over the limit on disk without writing 64 MB.
				if err := os.Truncate(filepath.Join(root, "big.txt"), manifest.DefaultLimits.MaxFileBytes+1); err != nil {
					t.Fatal(err)
				}
				n, err := buildIn(t, root, ".")
				var ie *finding.InputError
				if !errors.As(err, &ie) {
					t.Fatalf("%s: got %d objects, err %v; want an input error", gen, n, err)
				}
				if ie.File != "kustomization.yaml" || ie.Line != 4 && ie.Line != 3 || !strings.Contains(ie.Message, "big.txt") || !strings.Contains(ie.Message, "limit") {
					t.Errorf("%s: error %s:%d %q; want kustomization.yaml at the big.txt line, naming the file and the limit", gen, ie.File, ie.Line, ie.Message)
				}
			}
		})
	}
}

// A build past its deadline is an error naming the kustomization, and the run goes on.
func TestBuildDeadline(t *testing.T) {
	root := testtree.Write(t, map[string]string{"kustomization.yaml": "resources:\n  - deployment.yaml\n", "deployment.yaml": deployment})
	limits := manifest.DefaultLimits
	limits.MaxBuildTime = time.Nanosecond
	t.Chdir(root)
	_, err := BuildLimited(".", NewCache(), limits)
	var ie *finding.InputError
	if !errors.As(err, &ie) || ie.File != "kustomization.yaml" || !strings.Contains(ie.Message, "did not finish within") {
		t.Fatalf("got %v; want an error at kustomization.yaml saying the build did not finish in time", err)
	}
	// The same build with the default deadline finishes.
	if objs, err := BuildLimited(".", NewCache(), manifest.DefaultLimits); err != nil || len(objs) != 1 {
		t.Fatalf("default deadline: %d objects, %v", len(objs), err)
	}
}

func TestRunWithDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	_, err := runWithDeadline(time.Millisecond, func() (resmap.ResMap, error) {
		<-release // a build that does not end by itself
		return nil, nil
	})
	if !errors.Is(err, errDeadline) {
		t.Fatalf("got %v, want errDeadline", err)
	}
	want := errors.New("build failed")
	if _, err := runWithDeadline(time.Minute, func() (resmap.ResMap, error) { return nil, want }); err != want {
		t.Fatalf("got %v, want the build's own error", err)
	}
}

// With LoadOutsideRoot (--load-restrictor none) a file outside the kustomization's
// directory is read, as kustomize's LoadRestrictionsNone reads it; remote bases and
// plugins stay refused.
func TestLoadOutsideRoot(t *testing.T) {
	none := manifest.DefaultLimits
	none.LoadOutsideRoot = true
	files := map[string]string{
		"overlay/kustomization.yaml": "resources:\n  - ../base/deployment.yaml\n",
		"base/deployment.yaml":       deployment,
	}
	root := testtree.Write(t, files)
	t.Chdir(root)
	if _, err := Build("overlay", NewCache()); err == nil || !strings.Contains(err.Error(), "is not in or below") {
		t.Fatalf("rootOnly: got %v, want the load restrictor's refusal", err)
	}
	objs, err := BuildLimited("overlay", NewCache(), none)
	if err != nil || len(objs) != 1 {
		t.Fatalf("none: %d objects, %v", len(objs), err)
	}
	if pos := objs[0].Locate(nil); pos.File != filepath.Join("base", "deployment.yaml") {
		t.Errorf("none: object located at %v, want base/deployment.yaml", pos)
	}
	remote := testtree.Write(t, map[string]string{"kustomization.yaml": "resources:\n  - https://github.com/example/repo//base?ref=v1\n"})
	if _, err := BuildLimited(remote, NewCache(), none); err == nil || !strings.Contains(err.Error(), "remote reference") {
		t.Errorf("none: a remote base gave %v, want it refused", err)
	}
}
