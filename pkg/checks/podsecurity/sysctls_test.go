package podsecurity

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// psaSafeSysctls reads the safe sysctls from the source of the PSA module this build links,
// so that a name dropped from (or never added to) our list is caught: PSA exports only the
// verdict, not the list, and a verdict cannot tell which names it did not see.
func psaSafeSysctls(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatalf("go list the PSA module: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "policy", "check_sysctls.go"))
	if err != nil {
		t.Fatalf("read PSA's sysctls control: %v", err)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`"((?:kernel|net|vm|fs|user)\.[a-z0-9_.]+)"`).FindAllStringSubmatch(string(src), -1) {
		seen[m[1]] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestSafeSysctlsArePSAs holds our safe list to PSA's, name by name, and has the agreement
// harness judge a pod per name (PSA must allow each, so the names read from the source are
// really its allowed set) plus sysctls outside the set (both must forbid them).
func TestSafeSysctlsArePSAs(t *testing.T) {
	psa := psaSafeSysctls(t)
	if len(psa) < 10 {
		t.Fatalf("read only %d sysctls from PSA's source (%v): the pattern no longer matches its file", len(psa), psa)
	}
	var ours []string
	for n := range safeSysctls {
		ours = append(ours, n)
	}
	sort.Strings(ours)
	if strings.Join(ours, "\n") != strings.Join(psa, "\n") {
		t.Errorf("safe sysctls differ from PSA's\n ours: %v\n  psa: %v", ours, psa)
	}

	a := newAgreement(t)
	names := append(append([]string(nil), psa...), "kernel.msgmax", "net.ipv4.tcp_syncookies.x", "vm.swappiness")
	for _, name := range names {
		src := fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  securityContext:
    sysctls:
      - name: %s
        value: "1"
  containers:
    - name: app
      image: app@sha256:0000000000000000000000000000000000000000000000000000000000000000
`, name)
		res := manifest.Parse(name+".yaml", []byte(src), manifest.DefaultLimits)
		if res.Err != nil || len(res.Objects) != 1 {
			t.Fatalf("%s: parse: %v", name, res.Err)
		}
		a.object(res.Objects[0], true)
	}
	if a.pods != len(names) {
		t.Fatalf("compared %d pods, want %d", a.pods, len(names))
	}
	if got := a.fired["sysctls"]; got != 3 {
		t.Errorf("PSA forbade %d of the probe pods, want the 3 outside the safe set", got)
	}
	if a.byControl["sysctls"] != 0 {
		t.Errorf("%d disagreements with PSA on sysctls", a.byControl["sysctls"])
	}
}
