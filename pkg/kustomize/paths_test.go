package kustomize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The one list of kustomization file names is kustomize's own, and the message for a
// directory without one names them all.
func TestIsKustomizationFile(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"kustomization.yaml", true},
		{"a/b/kustomization.yml", true},
		{"/abs/Kustomization", true},
		{"kustomization.json", false},
		{"Kustomization.yaml", false},
		{"kustomization.yaml/x.yaml", false},
	} {
		if got := IsKustomizationFile(tc.path); got != tc.want {
			t.Errorf("IsKustomizationFile(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
	for _, n := range fileNames {
		if !strings.Contains(NoKustomization, n) {
			t.Errorf("NoKustomization does not name %s", n)
		}
	}
}

// resolveLinks resolves a whole existing path; ResolveDirLinks only the directory, so a
// linked file and a file not written yet keep their names.
func TestResolveLinks(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(root, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(real, "f.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Symlink(filepath.Join(real, "f.yaml"), filepath.Join(real, "g.yaml")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ fn, in, want string }{
		{"resolveLinks", link, real},
		{"resolveLinks", filepath.Join(link, "missing.yaml"), filepath.Join(link, "missing.yaml")},
		{"ResolveDirLinks", filepath.Join(link, "missing.yaml"), filepath.Join(real, "missing.yaml")},
		{"ResolveDirLinks", filepath.Join(link, "g.yaml"), filepath.Join(real, "g.yaml")},
		{"ResolveDirLinks", filepath.Join(link, "sub", "..", "g.yaml") + "/", filepath.Join(real, "g.yaml")},
	} {
		f := resolveLinks
		if tc.fn == "ResolveDirLinks" {
			f = ResolveDirLinks
		}
		if got := f(tc.in); got != tc.want {
			t.Errorf("%s(%s) = %s, want %s", tc.fn, tc.in, got, tc.want)
		}
	}
}
