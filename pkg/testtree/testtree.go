// Package testtree writes small file trees for tests that run on real directories:
// discovery, Kustomize builds and the command line.
package testtree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Write creates files (slash-separated path -> content) under a new temporary directory,
// which it returns. A content starting with "->" makes a symbolic link to the rest; a name
// ending in .sh is executable.
func Write(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// Enter writes the files as Write does and makes their directory the working directory for
// the rest of the test.
func Enter(t *testing.T, files map[string]string) string {
	t.Helper()
	root := Write(t, files)
	t.Chdir(root)
	return root
}
