package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
