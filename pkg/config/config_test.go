package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, src string
		err       string // substring; "" means valid
	}{
		{name: "empty", src: ""},
		{name: "full", src: "enable: [security-context]\ndisable: [read-only-root-filesystem]\nseverity:\n  host-port: high\nfailOn: medium\npss: baseline\nnamespace: shop\nallowedRegistries: [ghcr.io/acme]\nnetworkPolicy:\n  coveredNamespaces: [team-*]\n"},
		{name: "unknown key", src: "enable: [x]\nfailon: high\n", err: "line 2: field failon not found"},
		{name: "unknown nested key", src: "networkPolicy:\n  covered: [a]\n", err: "line 2: field covered not found"},
		{name: "bad severity", src: "failOn: urgent\n", err: "line 1:"},
		{name: "bad pss", src: "enable: []\npss: strict\n", err: "line 2: pss must be baseline or restricted"},
		{name: "ignore and skipPaths", src: "skipPaths: [vendor/**, '**/*.gen.yaml']\nignore:\n- checks: [host-port]\n  paths: [charts/**]\n  namespaces: [kube-*]\n  names: [ingress-*]\n  kinds: [DaemonSet]\n  reason: the CNI needs it\n  expires: 2030-01-31\n"},
		{name: "unknown key in an ignore entry", src: "ignore:\n- checks: [host-port]\n  reason: x\n  expiry: 2030-01-01\n", err: "line 4: field expiry not found"},
		{name: "ignore entry without reason", src: "failOn: high\nignore:\n- checks: [host-port]\n", err: "line 3: ignore entry has no reason"},
		{name: "ignore entry with blank reason", src: "ignore:\n- checks: [host-port]\n  reason: '  '\n", err: "line 2: ignore entry has no reason"},
		{name: "second ignore entry without reason", src: "ignore:\n- checks: [host-port]\n  reason: ok\n-   names: [x]\n", err: "line 4: ignore entry has no reason"},
		{name: "ignore entry hiding everything", src: "ignore:\n- reason: too lazy\n", err: "line 2: ignore entry would hide every finding"},
		{name: "bad date", src: "ignore:\n- checks: [host-port]\n  reason: x\n  expires: 31/01/2030\n", err: `line 4: expires must be a date written YYYY-MM-DD, not "31/01/2030"`},
		{name: "impossible date", src: "ignore:\n- checks: [host-port]\n  reason: x\n  expires: 2030-02-30\n", err: "line 4: expires must be a date"},
		{name: "quoted date", src: "ignore:\n- checks: [host-port]\n  reason: x\n  expires: '2030-02-28'\n"},
		{name: "bad glob in ignore", src: "ignore:\n- paths: ['a/[b']\n  reason: x\n", err: "line 2: ignore entry: bad pattern"},
		{name: "bad glob in skipPaths", src: "skipPaths:\n- ok/**\n- 'a/[b'\n", err: "line 3: skipPaths: bad pattern"},
		{name: "ignore not a list", src: "ignore:\n  checks: [x]\n", err: "line 2:"},
		{name: "suppressions config", src: "suppressions: config\n"},
		{name: "suppressions none", src: "suppressions: none\n"},
		{name: "suppressions all", src: "suppressions: all\n"},
		{name: "bad suppressions", src: "failOn: high\nsuppressions: false\n", err: `line 2: suppressions must be all, config or none, not "false"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error = %v, want %q", err, tc.err)
			}
		})
	}
}

func TestFindWalksUp(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, FileName), []byte("failOn: high\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, ok := Find(sub)
	if !ok || p != filepath.Join(root, FileName) {
		t.Fatalf("Find = %q %v", p, ok)
	}
	cfg, err := Load(p)
	if err != nil || cfg.FailOn == nil || cfg.FailOn.Severity != finding.High {
		t.Errorf("Load = %+v, %v", cfg, err)
	}
	if err := os.WriteFile(filepath.Join(sub, FileName), []byte("bogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(filepath.Join(sub, FileName))
	if err == nil || !strings.Contains(err.Error(), ":1: field bogus not found") {
		t.Errorf("error = %v", err)
	}
}

func TestIgnoreEntryPositionsAndExpiry(t *testing.T) {
	cfg, err := Parse([]byte("failOn: low\nignore:\n  - checks: [a]\n    reason: x\n    expires: 2030-01-31\n  - names: [b]\n    reason: y\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{cfg.Ignore[0].Line, cfg.Ignore[0].Column, cfg.Ignore[1].Line}; got[0] != 3 || got[1] != 5 || got[2] != 6 {
		t.Errorf("positions = %v, want [3 5 6]", got)
	}
	exp := cfg.Ignore[0].Expires
	for _, tc := range []struct {
		now  time.Time
		want bool
	}{
		{time.Date(2030, 1, 31, 23, 59, 0, 0, time.UTC), false},
		{time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		if got := exp.Expired(tc.now); got != tc.want {
			t.Errorf("Expired(%s) = %v", tc.now, got)
		}
	}
	if exp.String() != "2030-01-31" {
		t.Errorf("String = %q", exp.String())
	}
}

func TestMatchPath(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"vendor", "vendor/a/b.yaml", true},
		{"vendor/**", "vendor/a/b.yaml", true},
		{"vendor/*", "vendor/a/b.yaml", true},
		{"vendor", "src/vendor/b.yaml", false},
		{"**/vendor", "src/vendor/b.yaml", true},
		{"**/*.gen.yaml", "a/b/c.gen.yaml", true},
		{"**/*.gen.yaml", "c.gen.yaml", true},
		{"**/*.gen.yaml", "a/c.yaml", false},
		{"charts/**/templates/*.yaml", "charts/x/y/templates/d.yaml", true},
		{"charts/**/templates/*.yaml", "charts/templates/d.yaml", true},
		{"charts/**/templates/*.yaml", "charts/x/d.yaml", false},
		{"./apps/p.yaml", "apps/p.yaml", true},
		{"apps/p.yaml", "./apps/p.yaml", true},
		{"*.yaml", "a/b.yaml", false},
		{"a/b.yaml", "a/b.yaml.bak", false},
	}
	for _, tc := range cases {
		if got := MatchPath(tc.pattern, tc.path); got != tc.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", tc.pattern, tc.path, got, tc.want)
		}
	}
}

func TestMatchFileRelativeToConfig(t *testing.T) {
	root := t.TempDir()
	cfg := &Config{Path: filepath.Join(root, FileName)}
	file := filepath.Join(root, "apps", "p.yaml")
	if !cfg.MatchFile([]string{"apps/**"}, file) {
		t.Errorf("pattern relative to the config directory does not match %s", file)
	}
	if cfg.MatchFile([]string{"apps/**"}, filepath.Join(t.TempDir(), "apps", "p.yaml")) {
		t.Errorf("file outside the config directory matched")
	}
	if !(&Config{}).MatchFile([]string{"apps/**"}, "apps/p.yaml") {
		t.Errorf("pattern does not match the path as printed")
	}
}
