package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// sharedBase is a base used by two overlays that put it in different namespaces.
var sharedBase = map[string]string{
	"base/kustomization.yaml": "resources:\n- deploy.yaml\n",
	"base/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.0@sha256:0000000000000000000000000000000000000000000000000000000000000000
`,
	"overlays/a/kustomization.yaml": "namespace: ns-a\nresources:\n- ../../base\n",
	"overlays/b/kustomization.yaml": "namespace: ns-b\nresources:\n- ../../base\n",
}

// TestBaseSharedByOverlaysReportedOnce holds that a problem in a base that two overlays
// build is one finding naming both objects, in text (golden) and JSON, and that summary
// counts and the exit status follow the merged findings.
func TestBaseSharedByOverlaysReportedOnce(t *testing.T) {
	golden := filepath.Join(testenv.RepoRoot(t), "testdata", "golden", "shared-base.golden")
	testtree.Enter(t, sharedBase)
	text, code := run(t, "", "lint", "--color", "never", ".")
	if code != ExitFindings {
		t.Errorf("exit %d, want %d", code, ExitFindings)
	}
	if want := "in overlays/a (ns-a), overlays/b (ns-b)"; !strings.Contains(text, want) {
		t.Errorf("text lacks %q", want)
	}
	testenv.Golden(t, golden, []byte(text), *update)

	stdout, _, _ := runRaw("", "lint", "-o", "json", ".")
	var rep struct {
		Findings []struct {
			Check, File  string
			Line, Column int
			Objects      []struct{ Namespace, Overlay string }
		}
		Summary struct{ Findings int }
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) == 0 || rep.Summary.Findings != len(rep.Findings) {
		t.Fatalf("summary counts %d of %d findings", rep.Summary.Findings, len(rep.Findings))
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		key := f.Check + " " + f.File + ":" + itoa(f.Line) + ":" + itoa(f.Column)
		if seen[key] {
			t.Errorf("%s reported twice", key)
		}
		seen[key] = true
		if strings.HasPrefix(f.File, "base/") && (len(f.Objects) != 2 || f.Objects[0].Overlay != "overlays/a" ||
			f.Objects[1].Namespace != "ns-b") {
			t.Errorf("%s: objects %+v, want both overlays", key, f.Objects)
		}
	}
}

// TestFixSharedBaseOnce holds that fixing a base two overlays reach applies each edit once:
// --diff applies with git apply and --fix leaves a tree whose re-lint has no more findings
// than before, for both places fixes can go.
func TestFixSharedBaseOnce(t *testing.T) {
	for _, to := range []string{"source", "overlay"} {
		t.Run(to, func(t *testing.T) {
			root := testtree.Enter(t, sharedBase)
			before, _, _ := runRaw("", "lint", "-o", "json", ".")
			diff, errOut, code := runRaw("", "lint", "--diff", "--fix-to", to, ".")
			if code == ExitError {
				t.Fatalf("--diff: exit 2\n%s", errOut)
			}
			if git, err := exec.LookPath("git"); err == nil {
				cmd := exec.Command(git, "apply", "--check", "-")
				cmd.Dir, cmd.Stdin = root, strings.NewReader(diff)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("git apply --check: %v\n%s\n%s", err, out, diff)
				}
			}
			if _, errOut, code := runRaw("", "lint", "--fix", "--fix-to", to, "-o", "json", "."); code == ExitError {
				t.Fatalf("--fix: exit 2\n%s", errOut)
			}
			data, err := os.ReadFile(filepath.Join(root, "base", "deploy.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(data), "allowPrivilegeEscalation"); n > 1 {
				t.Errorf("base edited twice (%d allowPrivilegeEscalation):\n%s", n, data)
			}
			after, errOut, code := runRaw("", "lint", "-o", "json", ".")
			if code == ExitError {
				t.Fatalf("re-lint after --fix: exit 2\n%s", errOut)
			}
			for _, o := range []string{"a", "b"} {
				k, _ := os.ReadFile(filepath.Join(root, "overlays", o, "kustomization.yaml"))
				if n := strings.Count(string(k), "kubectl-secure-fixes.yaml"); n > 1 {
					t.Errorf("overlays/%s registers its patch %d times:\n%s", o, n, k)
				}
			}
			// With --fix-to overlay each overlay gets its own patch, whose findings are new
			// places to edit (one patch for all overlays is another issue's work); fixing
			// the source must only lower the count.
			if b, a := strings.Count(before, `"check"`), strings.Count(after, `"check"`); to == "source" && a >= b {
				t.Errorf("--fix-to %s: %d findings before, %d after", to, b, a)
			}
		})
	}
}

// TestSuppressedInSharedBaseListedOnce holds that a comment suppression in a base that two
// overlays build hides one finding, listed once among the suppressed.
func TestSuppressedInSharedBaseListedOnce(t *testing.T) {
	files := map[string]string{}
	for k, v := range sharedBase {
		files[k] = v
	}
	files["base/deploy.yaml"] = strings.Replace(sharedBase["base/deploy.yaml"], "      containers:\n",
		"      containers:\n      # kubectl-secure:ignore read-only-root-filesystem the app writes its cache to /\n", 1)
	testtree.Enter(t, files)
	out, errOut, code := runRaw("", "lint", "-o", "json", ".")
	if code == ExitError {
		t.Fatalf("exit 2: %s", errOut)
	}
	var rep struct {
		Suppressed []struct {
			Finding struct {
				Check   string
				Objects []json.RawMessage
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Suppressed) != 1 || len(rep.Suppressed[0].Finding.Objects) != 2 {
		t.Errorf("want one suppressed finding reaching two objects, got %+v", rep.Suppressed)
	}
}
