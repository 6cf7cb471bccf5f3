package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// writeInput writes a generated input into a temporary directory: inputs this large are
// not committed.
func writeInput(b *testing.B, name string, write func(*strings.Builder)) string {
	var s strings.Builder
	write(&s)
	path := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(path, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

func runQuiet(args ...string) (string, int) {
	var out, errOut bytes.Buffer
	code := Execute(args, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	return errOut.String(), code
}

// BenchmarkManyContainers lints, then diffs the fixes of, a pod with 20,000 containers.
func BenchmarkManyContainers(b *testing.B) {
	path := writeInput(b, "pod.yaml", func(s *strings.Builder) {
		s.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n")
		for i := 0; i < 20000; i++ {
			fmt.Fprintf(s, "  - name: c%d\n    image: nginx\n", i)
		}
	})
	for _, mode := range []string{"json", "diff"} {
		b.Run(mode, func(b *testing.B) {
			args := []string{"lint", path, "-o", "json"}
			if mode == "diff" {
				args = []string{"lint", path, "--diff"}
			}
			for b.Loop() {
				if _, code := runQuiet(args...); code != 1 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

// BenchmarkMillionKeyConfigMap lints a ConfigMap with a million keys.
func BenchmarkMillionKeyConfigMap(b *testing.B) {
	path := writeInput(b, "cm.yaml", func(s *strings.Builder) {
		s.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n")
		for i := 0; i < 1000000; i++ {
			fmt.Fprintf(s, "  key%d: value%d\n", i, i)
		}
	})
	for b.Loop() {
		runQuiet("lint", path, "-o", "json")
	}
}
