package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// deployIn is a Deployment in namespace ns with no NetworkPolicy: its unsafe fix adds a
// default-deny policy in networkpolicy-default-deny.yaml beside it, and a safe fix sets
// allowPrivilegeEscalation.
func deployIn(ns string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: " + ns + "\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        securityContext:\n          allowPrivilegeEscalation: true\n"
}

// TestFixRefusesSymlinkOutOfTree: the generated policy's file name is a symlink a pull
// request planted, to a file outside the repository (or to nothing there): the run says
// so, exits 2, leaves the outside untouched, and still writes the other fixes. --diff
// neither shows nor reads the other file.
func TestFixRefusesSymlinkOutOfTree(t *testing.T) {
	for _, dangling := range []bool{false, true} {
		name := "to a file"
		if dangling {
			name = "to nothing"
		}
		t.Run(name, func(t *testing.T) {
			outside := testtree.Write(t, map[string]string{"policies.yaml": "# outside the repository\n"})
			target := filepath.Join(outside, "policies.yaml")
			if dangling {
				target = filepath.Join(outside, "created.yaml")
			}
			repo := testtree.Write(t, map[string]string{
				"deploy.yaml":                     deployIn("shop"),
				"networkpolicy-default-deny.yaml": "->" + target,
			})
			out, errOut, code := runRaw("", "lint", repo, "--diff", "--unsafe-fixes")
			if code != ExitError || strings.Contains(out, "outside the repository") || strings.Contains(out, "networkpolicy-default-deny") {
				t.Errorf("--diff: exit %d\n%s\n%s", code, out, errOut)
			}
			_, errOut, code = runRaw("", "lint", repo, "--fix", "--unsafe-fixes")
			if code != ExitError {
				t.Errorf("exit %d, want 2\n%s", code, errOut)
			}
			if !strings.Contains(errOut, "error: ") || !strings.Contains(errOut, "networkpolicy-default-deny.yaml: symlink") {
				t.Errorf("stderr does not name the refused file:\n%s", errOut)
			}
			if got, err := os.ReadFile(filepath.Join(outside, "policies.yaml")); err != nil || string(got) != "# outside the repository\n" {
				t.Errorf("the file outside was written: %q", got)
			}
			if _, err := os.Lstat(filepath.Join(outside, "created.yaml")); err == nil {
				t.Errorf("a file was created outside the repository")
			}
			if got, _ := os.ReadFile(filepath.Join(repo, "deploy.yaml")); !strings.Contains(string(got), "allowPrivilegeEscalation: false") {
				t.Errorf("the other fixes were not written:\n%s", got)
			}
		})
	}
}

// TestFixRefusesInvalidNamespace: a namespace that is not a DNS-1123 label is reported as
// the reason the policy is not generated, and no file is written with it.
func TestFixRefusesInvalidNamespace(t *testing.T) {
	repo := testtree.Write(t, map[string]string{"deploy.yaml": deployIn(`"Shop_1"`)})
	_, errOut, code := runRaw("", "lint", repo, "--fix", "--unsafe-fixes")
	if code != ExitFindings {
		t.Errorf("exit %d, want 1 (the finding stays)\n%s", code, errOut)
	}
	if !strings.Contains(errOut, `fix not applied: add object: namespace "Shop_1" is not a valid DNS-1123 label`) {
		t.Errorf("stderr does not say why:\n%s", errOut)
	}
	if _, err := os.Lstat(filepath.Join(repo, "networkpolicy-default-deny.yaml")); err == nil {
		t.Errorf("the policy was generated with the invalid namespace")
	}
}

// TestFixKeepsModeAndHardLinks: a fixed file keeps its mode, and a file with two names is
// fixed under both (edited in place, not split into two files).
func TestFixKeepsModeAndHardLinks(t *testing.T) {
	repo := testtree.Write(t, map[string]string{"app/deploy.yaml": deployIn("shop")})
	p := filepath.Join(repo, "app", "deploy.yaml")
	other := filepath.Join(repo, "deploy-copy.yml.txt") // another name, not linted itself
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(p, other); err != nil {
		t.Skip("no hard links:", err)
	}
	if _, errOut, code := runRaw("", "lint", filepath.Join(repo, "app"), "--fix"); code == ExitError {
		t.Fatalf("exit 2\n%s", errOut)
	}
	got, _ := os.ReadFile(other)
	if !strings.Contains(string(got), "type: RuntimeDefault") { // the safe fix of seccomp-profile-missing
		t.Errorf("the other name of the file was not fixed (the link was split):\n%s", got)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestReportInterrupted: after Ctrl-C the run names what it wrote and what it did not.
func TestReportInterrupted(t *testing.T) {
	var errOut bytes.Buffer
	o := &LintOptions{IOStreams: genericiooptions.IOStreams{ErrOut: &errOut}}
	o.reportInterrupted(&fix.WriteReport{Interrupted: true, Written: []string{"a.yaml"}, NotWritten: []string{"b.yaml", "c.yaml"}})
	want := "kubectl-secure: interrupted: 1 file written (a.yaml); 2 files not written (b.yaml, c.yaml)\n"
	if errOut.String() != want {
		t.Errorf("got %q\nwant %q", errOut.String(), want)
	}
}
