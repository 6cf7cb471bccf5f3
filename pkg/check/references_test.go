package check

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func TestMatchesKey(t *testing.T) {
	for _, tc := range []struct {
		selector, key string
		want          bool
	}{
		{"cis-5.2.2", "cis-5.2.2", true},
		{"cis-5.2", "cis-5.2.2", true},
		{"cis-5", "cis-5.2.2", true},
		{"cis", "cis-5.2.2", true},
		{"CIS-5.2", "cis-5.2.2", true},
		{"cis-5.2", "cis-5.20.1", false}, // a prefix ends where a dotted part does
		{"cis-5.2.2", "cis-5.2.21", false},
		{"cis-5.2.", "cis-5.2.2", false},
		{"mitre-t1552", "mitre-t1552.007", true},
		{"mitre-T1611", "mitre-t1611", true},
		{"mitre-t161", "mitre-t1611", false},
		{"mitre", "mitre-t1611", true},
		{"nsa-pod-security", "nsa-pod-security/non-root", true},
		{"nsa-pod-security/non-root", "nsa-pod-security/non-root", true},
		{"nsa-pod", "nsa-pod-security/non-root", false}, // a dash joins words
		{"nsa-pod-security/non", "nsa-pod-security/non-root", false},
		{"ci", "cis-5.2.2", false},
		{"", "cis-5.2.2", false},
		{"nsa", "cis-5.2.2", false},
	} {
		if got := MatchesKey(tc.selector, tc.key); got != tc.want {
			t.Errorf("MatchesKey(%q, %q) = %v, want %v", tc.selector, tc.key, got, tc.want)
		}
	}
}

func TestReferenceKeyAndValidate(t *testing.T) {
	for _, tc := range []struct {
		ref     Reference
		key     string
		invalid string // part of the error, "" when valid
	}{
		{CIS("5.2.2"), "cis-5.2.2", ""},
		{MITRE("T1552.007"), "mitre-t1552.007", ""},
		{NSA("pod-security/non-root"), "nsa-pod-security/non-root", ""},
		{NSA("upgrading"), "nsa-upgrading", ""}, // a part without sections
		{Reference{FrameworkNSA, "network-separation", "Network separation and hardening"}, "nsa-network-separation", "it has pod-security, pod-security/non-root"},
		{Reference{FrameworkCIS, "5.2.99", "Made up"}, "cis-5.2.99", "not in the cis table"},
		{Reference{FrameworkCIS, "5.2.2", "Privileged"}, "cis-5.2.2", "the framework says"},
		{Reference{FrameworkCIS, "CIS 5.2.2", "x"}, "cis-cis 5.2.2", "recommendation number"},
		{Reference{FrameworkMITRE, "t1611", "Escape to Host"}, "mitre-t1611", "technique ID"},
		{Reference{FrameworkNSA, "Pod Security", "x"}, "nsa-pod security", "part/section"},
		{Reference{"owasp", "K01", "x"}, "owasp-k01", "unknown framework"},
	} {
		if got := tc.ref.Key(); got != tc.key {
			t.Errorf("%+v: key %q, want %q", tc.ref, got, tc.key)
		}
		err := tc.ref.Validate()
		switch {
		case tc.invalid == "" && err != nil:
			t.Errorf("%+v: %v", tc.ref, err)
		case tc.invalid != "" && (err == nil || !strings.Contains(err.Error(), tc.invalid)):
			t.Errorf("%+v: error %v, want one saying %q", tc.ref, err, tc.invalid)
		}
	}
	for _, r := range KnownReferences() {
		if err := r.Validate(); err != nil {
			t.Errorf("table entry: %v", err)
		}
	}
}

func TestUnknownReferencePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("CIS(\"9.9.9\") did not panic")
		}
	}()
	CIS("9.9.9")
}

// TestSelectByReference: --enable/--disable take reference keys and prefixes besides IDs
// and categories; what is unknown is an error with the closest known name.
func TestSelectByReference(t *testing.T) {
	restore := swapRegistry(map[string]*Check{})
	defer restore()
	run := func(*Pass) {}
	Register(
		&Check{ID: "priv", Category: "sc", Severity: finding.High, Doc: Doc{Title: "t"}, Run: run,
			References: []Reference{CIS("5.2.2"), NSA("pod-security/enforcement"), MITRE("T1611")}},
		&Check{ID: "hostns", Category: "host", Severity: finding.High, Doc: Doc{Title: "t"}, Run: run,
			References: []Reference{CIS("5.2.3"), MITRE("T1611")}},
		&Check{ID: "secrets", Category: "rbac", Severity: finding.High, Doc: Doc{Title: "t"}, Run: run,
			References: []Reference{CIS("5.1.2"), MITRE("T1552.007")}},
		&Check{ID: "stale", Category: "suppression", Severity: finding.Low, Doc: Doc{Title: "t"}, Run: run},
	)
	for _, tc := range []struct {
		enable, disable []string
		want            string
	}{
		{[]string{"cis-5.2"}, nil, "hostns priv"},
		{[]string{"cis-5.2.3"}, nil, "hostns"},
		{[]string{"mitre-t1611"}, nil, "hostns priv"},
		{[]string{"MITRE-T1552"}, nil, "secrets"},
		{[]string{"nsa-pod-security"}, nil, "priv"},
		{[]string{"cis"}, nil, "hostns secrets priv"},
		{nil, []string{"cis-5.2"}, "secrets stale"},
		{[]string{"cis-5.1", "sc"}, []string{"nsa"}, "secrets"},
	} {
		cs, err := Select(tc.enable, tc.disable)
		if err != nil {
			t.Errorf("enable %v disable %v: %v", tc.enable, tc.disable, err)
			continue
		}
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if got := strings.Join(ids, " "); got != tc.want {
			t.Errorf("enable %v disable %v: %q, want %q", tc.enable, tc.disable, got, tc.want)
		}
	}
	for name, hint := range map[string]string{
		"cis-5.2.22": `did you mean "cis-5.2.2"?`,
		"cis-5.22":   `did you mean "cis-5.2"?`,
		"mitre-t161": `did you mean "mitre-t1611"?`,
		"privv":      `did you mean "priv"?`,
		"nsa-pod":    ``,
		"banana":     ``,
	} {
		_, err := Select([]string{name}, nil)
		if err == nil {
			t.Errorf("%s: selected something", name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, `unknown check, category or reference "`+name+`"`) ||
			hint != "" && !strings.Contains(msg, hint) || hint == "" && strings.Contains(msg, "did you mean") {
			t.Errorf("%s: %q, want the hint %q", name, msg, hint)
		}
	}
}

// swapRegistry replaces the registry for a test and returns what restores it.
func swapRegistry(r map[string]*Check) func() {
	mu.Lock()
	defer mu.Unlock()
	old := registry
	registry = r
	return func() {
		mu.Lock()
		defer mu.Unlock()
		registry = old
	}
}
