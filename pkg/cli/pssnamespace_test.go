package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// The pss findings of a workload follow the enforce label of its Namespace when the input
// holds it: restricted findings for a restricted namespace even with --pss baseline, none
// for a baseline namespace even with --pss restricted; --pss for the namespaces the input
// does not label; pssFromNamespaceLabels: false restores --pss for every workload. The
// Namespace lives in another folder than the pods that name it.
func TestPSSFollowsNamespaceLabels(t *testing.T) {
	pod := func(name, ns string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n  containers:\n    - name: app\n      image: app:1.0\n"
	}
	nsObj := func(name, level string) string {
		return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n  labels:\n    pod-security.kubernetes.io/enforce: " + level + "\n"
	}
	dir := testtree.Write(t, map[string]string{
		"platform/ns.yaml":  nsObj("strict", "restricted") + "---\n" + nsObj("relaxed", "baseline") + "---\n" + nsObj("open", "privileged"),
		"apps/strict.yaml":  pod("a", "strict"),
		"apps/relaxed.yaml": pod("b", "relaxed"),
		"apps/open.yaml":    pod("c", "open"),
		"apps/other.yaml":   pod("d", "unlabelled"),
		"off.yaml":          "pssFromNamespaceLabels: false\n",
	})
	for _, tc := range []struct {
		name string
		args []string
		want []string // files with a run-as-non-root (restricted) finding
	}{
		{"baseline flag", []string{"--pss", "baseline"}, []string{"strict.yaml"}},
		{"restricted flag", []string{"--pss", "restricted"}, []string{"other.yaml", "strict.yaml"}},
		{"labels off, baseline", []string{"--pss", "baseline", "--config", filepath.Join(dir, "off.yaml")}, nil},
		{"labels off, restricted", []string{"--pss", "restricted", "--config", filepath.Join(dir, "off.yaml")}, []string{"open.yaml", "other.yaml", "relaxed.yaml", "strict.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"lint", "--enable", "run-as-non-root", "-o", "json", filepath.Join(dir, "platform"), filepath.Join(dir, "apps")}, tc.args...)
			out, code := run(t, "", args...)
			if code == 2 {
				t.Fatal(out)
			}
			var got []string
			for _, line := range strings.Split(out, "\n") {
				if strings.Contains(line, `"file":`) {
					got = append(got, filepath.Base(strings.Trim(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), `"file":`)), `",`)))
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("restricted findings in %v, want %v\n%s", got, tc.want, out)
			}
		})
	}
}

// The admission checks relate a Namespace in one folder to the pods of another that name
// it, and each finding lands where it is edited: the pod spec, or the Namespace's label.
func TestAdmissionAcrossFolders(t *testing.T) {
	dir := testtree.Write(t, map[string]string{
		"platform/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: strict\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n---\n" +
			"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: open\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n",
		"apps/strict.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: strict\nspec:\n  containers:\n    - name: app\n      image: app:1.0\n",
		"apps/open.yaml":   "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  namespace: open\nspec:\n  hostPID: true\n  containers:\n    - name: app\n      image: app:1.0\n",
	})
	out, code := run(t, "", "lint", "--enable", "admission", dir)
	for _, want := range []string{
		filepath.Join("apps", "strict.yaml") + ":7:3  high      admission-would-reject",
		`namespace "strict" enforces Pod Security restricted:latest and they fail allowPrivilegeEscalation, capabilities_restricted, runAsNonRoot, seccompProfile_restricted`,
		filepath.Join("platform", "ns.yaml") + ":13:41  medium    namespace-enforces-privileged",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q in\n%s", want, out)
		}
	}
	if code != 1 || strings.Contains(out, "open.yaml") {
		t.Errorf("exit %d; a privileged namespace rejects nothing\n%s", code, out)
	}
}
