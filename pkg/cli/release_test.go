package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

// TestReleasingTreesChangesNoReport: a lint run releases each object's tree as soon as its
// checks and suppression annotations have read it, and runs the cross-object checks on
// facts. Every report must be what the same run keeping every tree writes, byte for byte:
// on the bundled examples (overlays, namespaces, suppressions by comment, annotation and
// config) and, when it is there, on the whole corpus.
func TestReleasingTreesChangesNoReport(t *testing.T) {
	cases := map[string][]string{
		"example":  {filepath.Join("testdata", "example")},
		"suppress": {filepath.Join("testdata", "suppress"), "--config", filepath.Join("testdata", "suppress", ".kubectl-secure.yaml")},
		"inputs":   {filepath.Join("testdata", "inputs"), "-n", "team-a"},
		"overlay":  {"-k", filepath.Join("testdata", "example", "overlays", "prod")},
	}
	if !testing.Short() {
		corpus := checktest.CorpusDir(t)
		cases["corpus"] = []string{corpus}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			formats := []string{"json", "text", "sarif", "junit"}
			if name == "corpus" {
				formats = []string{"json", "junit"} // findings, suppressions and every object's position
			}
			for _, format := range formats {
				kept, keptErr, keptCode := lintKeeping(t, true, append([]string{"-o", format, "--show-suppressed"}, args...))
				released, releasedErr, releasedCode := lintKeeping(t, false, append([]string{"-o", format, "--show-suppressed"}, args...))
				if kept != released || keptErr != releasedErr || keptCode != releasedCode {
					t.Errorf("%s: the report with trees released differs (exit %d, %d bytes) from the one with trees kept (exit %d, %d bytes); stderr %q / %q",
						format, releasedCode, len(released), keptCode, len(kept), releasedErr, keptErr)
				}
				if format == "json" && !strings.Contains(kept, `"findings": [`) && name != "inputs" {
					t.Errorf("no findings: the inputs were not linted:\n%.500s", kept)
				}
			}
		})
	}
}

// lintKeeping runs `kubectl secure lint ARGS`, keeping the trees or not.
func lintKeeping(t *testing.T, keep bool, args []string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	o := defaultLintOptions(streams)
	o.keepTrees = keep
	cmd := lintCommand(o)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	code := exitCode(cmd.Execute(), streams)
	return out.String(), errOut.String(), code
}
