package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// refsPod fires, among others, privileged-container (cis-5.2.2, mitre-t1611),
// host-namespaces (cis-5.2.5, mitre-t1611), run-as-non-root (cis-5.2.7) and
// image-latest-tag (no CIS reference).
const refsPod = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: app}
spec:
  hostNetwork: true
  containers:
  - name: c
    image: nginx:latest
    securityContext:
      privileged: true
`

// firedChecks returns the sorted IDs of the checks with findings in a JSON transcript.
func firedChecks(t *testing.T, out string) []string {
	t.Helper()
	var ids []string
	for _, l := range findingLines(t, out) {
		if id := l[strings.LastIndex(l, " ")+1:]; !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestSelectByReferenceCLI: --enable/--disable and the config file's enable/disable take
// reference keys and dotted prefixes as well as check IDs and categories.
func TestSelectByReferenceCLI(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		args   []string
		want   []string
	}{
		{"key", "", []string{"--enable", "cis-5.2.2"}, []string{"privileged-container"}},
		{"prefix", "", []string{"--enable", "cis-5.2"}, []string{"capabilities-not-dropped", "host-namespaces", "privilege-escalation-allowed", "privileged-container", "run-as-non-root"}},
		{"technique, any case", "", []string{"--enable", "MITRE-T1611"}, []string{"host-namespaces", "privileged-container", "seccomp-profile-missing"}},
		{"nsa part", "", []string{"--enable", "nsa-pod-security", "--disable", "nsa-pod-security/enforcement,cis-5.2.7"}, []string{"image-latest-tag", "read-only-root-filesystem", "service-account-token-automount"}},
		{"with an ID", "", []string{"--enable", "mitre-t1611,image-latest-tag"}, []string{"host-namespaces", "image-latest-tag", "privileged-container", "seccomp-profile-missing"}},
		{"config", "enable: [cis-5.2]\ndisable: [cis-5.2.5]\n", nil, []string{"capabilities-not-dropped", "privilege-escalation-allowed", "privileged-container", "run-as-non-root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"pod.yaml": refsPod}
			if tc.config != "" {
				files[".kubectl-secure.yaml"] = tc.config
			}
			_, out := lintTree(t, files, tc.args...)
			if got := firedChecks(t, out); !slices.Equal(got, tc.want) {
				t.Errorf("checks %q, want %q\n%s", got, tc.want, out)
			}
		})
	}
}

// TestUnknownReferenceIsAUsageError: a selector that names nothing stops the run (exit 2)
// with the closest known name, on the command line and in the config file.
func TestUnknownReferenceIsAUsageError(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		args         []string
		want         string
	}{
		{"flag", "", []string{"--enable", "cis-5.2.22"}, `unknown check, category or reference "cis-5.2.22"; did you mean "cis-5.2.2"?`},
		{"technique typo", "", []string{"--disable", "mitre-t16111"}, `did you mean "mitre-t1611"?`},
		{"config", "enable: [nsa-pod-securty]\n", nil, `did you mean "nsa-pod-security"?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"pod.yaml": refsPod}
			if tc.config != "" {
				files[".kubectl-secure.yaml"] = tc.config
			}
			testtree.Enter(t, files)
			out, code := run(t, "", append([]string{"lint", "."}, tc.args...)...)
			if code != 2 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s", code, tc.want, out)
			}
		})
	}
}

// TestChecksJSONReferences: `checks -o json` gives every check its references, [] for
// the checks that implement no published control.
func TestChecksJSONReferences(t *testing.T) {
	out, stderr, code := runRaw("", "checks", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var docs []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatal(err)
	}
	type ref struct{ Framework, ID, Title, Key string }
	by := map[string][]ref{}
	for _, d := range docs {
		var id string
		var refs []ref
		raw, ok := d["references"]
		if !ok {
			t.Errorf("%s: no references key", d["id"])
			continue
		}
		if err := json.Unmarshal(d["id"], &id); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &refs); err != nil || refs == nil {
			t.Errorf("%s: references %s: %v", id, raw, err)
		}
		by[id] = refs
	}
	want := []ref{
		{"cis", "5.2.2", "Minimize the admission of privileged containers", "cis-5.2.2"},
		{"nsa", "pod-security/enforcement", "Pod security enforcement", "nsa-pod-security/enforcement"},
		{"mitre", "T1611", "Escape to Host", "mitre-t1611"},
	}
	if got := by["privileged-container"]; !slices.Equal(got, want) {
		t.Errorf("privileged-container references %+v, want %+v", got, want)
	}
	if got := by["stale-suppression"]; len(got) != 0 {
		t.Errorf("stale-suppression references %+v, want none", got)
	}
}

// TestSARIFRulesCarryReferenceTags: the SARIF rule of a check tags it with its
// references' keys, so code scanning filters by CIS section or ATT&CK technique.
func TestSARIFRulesCarryReferenceTags(t *testing.T) {
	testtree.Enter(t, map[string]string{"pod.yaml": refsPod})
	out, _, code := runRaw("", "lint", ".", "-o", "sarif", "--enable", "privileged-container")
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Properties struct{ Tags []string }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	rules := log.Runs[0].Tool.Driver.Rules
	want := []string{"security", "security-context", "cis-5.2.2", "nsa-pod-security/enforcement", "mitre-t1611"}
	if len(rules) != 1 || !slices.Equal(rules[0].Properties.Tags, want) {
		t.Errorf("rules %+v, want privileged-container tagged %q", rules, want)
	}
}
