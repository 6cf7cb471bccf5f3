package dist

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// `graph -o dot` is read by the real Graphviz: every rendering of the fixture and of the
// corpus lays out without a warning or an error.
func TestGraphDOTInGraphviz(t *testing.T) {
	dot := testenv.Tool(t, "dot", "apt-get install -y graphviz")
	root := testenv.RepoRoot(t)
	bin := filepath.Join(t.TempDir(), "kubectl-secure")
	mustRun(t, 5*time.Minute, root, nil, "go", "build", "-o", bin, "./cmd/kubectl-secure")
	inputs := []string{filepath.Join("pkg", "reach", "testdata", "shop.yaml")}
	if !testing.Short() {
		inputs = append(inputs, filepath.Join(testenv.CorpusDir(t), "manifests"))
	}
	for _, in := range inputs {
		out, code := command(t, 2*time.Minute, root, nil, bin, "graph", in, "-o", "dot")
		if code != 0 && code != 2 { // the corpus holds files that do not decode (exit 2)
			t.Fatalf("graph %s: exit %d", in, code)
		}
		// command mixes stderr into out: the graph starts at "digraph".
		i := strings.Index(out, "digraph")
		if i < 0 {
			t.Fatalf("graph %s -o dot wrote no graph:\n%.500s", in, out)
		}
		out = out[i:]
		file := filepath.Join(t.TempDir(), "g.dot")
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		svg := mustRun(t, 2*time.Minute, root, nil, dot, "-Tsvg", file)
		if !strings.Contains(svg, "<svg") || strings.Contains(svg, "Warning") || strings.Contains(svg, "Error") {
			t.Errorf("dot on the graph of %s:\n%.1000s", in, svg)
		}
	}
}
