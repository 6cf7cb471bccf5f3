package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// goodPod has one finding (hostPID), so every hostile case can show that a bad file next
// to a good one never hides the good one's findings.
const goodPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: nginx:1.27\n"

// TestHostileInputs feeds each kind of hostile file beside a good one and asserts a clear,
// located error, exit status 2, the good file's finding, and a quick answer.
func TestHostileInputs(t *testing.T) {
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	for i, prev := 0, "a"; i < 9; i++ {
		name := string(rune('b' + i))
		bomb += name + ": &" + name + " [" + strings.Repeat("*"+prev+", ", 9) + "*" + prev + "]\n"
		prev = name
	}
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the hostile path
		want  string                                // in the error line
	}{
		{"alias bomb", func(t *testing.T, dir string) string {
			return write(t, dir, "bomb.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n"+indent(bomb))
		}, "bomb.yaml:6: document expands to more than"},
		{"deep nesting", func(t *testing.T, dir string) string {
			return write(t, dir, "deep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: "+strings.Repeat("[", 100000)+"\n")
		}, "deep.yaml:4: nesting deeper than"},
		{"too many documents", func(t *testing.T, dir string) string {
			return write(t, dir, "docs.yaml", strings.Repeat("---\na: 1\n", 100001))
		}, "docs.yaml: more than 100000 documents"},
		{"200 MB file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "huge.yaml")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Sparse: the test does not write 200 MB, the tool must not read them.
			if err := f.Truncate(200 << 20); err != nil {
				t.Fatal(err)
			}
			return p
		}, "huge.yaml: file is 209715200 bytes, over the 67108864-byte limit"},
		{"long line", func(t *testing.T, dir string) string {
			return write(t, dir, "long.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: "+strings.Repeat("x", 9<<20)+"\n")
		}, "long.yaml:5: line longer than"},
		{"binary", func(t *testing.T, dir string) string {
			return write(t, dir, "bin.yaml", "\x7fELF\x00\x00\x01")
		}, "bin.yaml: not a text file"},
		{"bad indentation", func(t *testing.T, dir string) string {
			return write(t, dir, "broken.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: {}\n")
		}, "broken.yaml:5: invalid YAML"},
		{"escaping symlink", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "passwd.yaml")
			if err := os.Symlink("/etc/passwd", p); err != nil {
				t.Skip("no symlinks")
			}
			return p
		}, "passwd.yaml: symlink points outside"},
		{"broken symlink", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "gone.yaml")
			if err := os.Symlink(filepath.Join(dir, "nowhere.yaml"), p); err != nil {
				t.Skip("no symlinks")
			}
			return p
		}, "gone.yaml: broken symlink"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "good.yaml", goodPod)
			bad := tc.setup(t, dir)
			start := time.Now()
			out, code := run(t, "", "lint", dir, "--enable", "host-namespaces")
			elapsed := time.Since(start)
			t.Logf("%s: %v", tc.name, elapsed)
			if code != 2 {
				t.Errorf("exit status %d, want 2\n%s", code, out)
			}
			want := strings.Replace(tc.want, filepath.Base(bad), bad, 1)
			if !strings.Contains(out, "kubectl-secure: error: "+want) {
				t.Errorf("no error %q in\n%s", want, clip(out))
			}
			if !strings.Contains(out, "good.yaml:6:12") {
				t.Errorf("the good file's finding is missing:\n%s", clip(out))
			}
			// A generous bound for a loaded CI machine; the log shows the real time.
			if elapsed > 5*time.Second {
				t.Errorf("took %v", elapsed)
			}
		})
	}
}

// TestOddPaths: spaces, unicode and a leading dash in file names, and a FIFO that must be
// skipped rather than read forever.
func TestOddPaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"with space.yaml", "ünïcødé.yaml", "-dash.yaml"} {
		write(t, dir, name, strings.Replace(goodPod, "name: good", "name: x"+strings.Map(keepAlnum, name), 1))
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Logf("no FIFO support: %v", err)
	}
	done := make(chan struct{})
	var out string
	var code int
	go func() {
		out, code = run(t, "", "lint", dir, "--enable", "host-namespaces")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("lint blocked (reading the FIFO?)")
	}
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, out)
	}
	for _, name := range []string{"with space.yaml:6:12", "ünïcødé.yaml:6:12", "-dash.yaml:6:12"} {
		if !strings.Contains(out, name) {
			t.Errorf("missing %s in\n%s", name, out)
		}
	}
	// A leading dash given explicitly after --.
	out, code = run(t, "", "lint", "--enable", "host-namespaces", "--", filepath.Join(dir, "-dash.yaml"))
	if code != 1 || !strings.Contains(out, "-dash.yaml:6:12") {
		t.Errorf("explicit dash file: exit %d\n%s", code, out)
	}
}

func keepAlnum(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r
	}
	return -1
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "..."
	}
	return s
}
