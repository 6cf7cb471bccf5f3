package addon

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestNeed(t *testing.T) {
	const n Name = "test-addon"
	err := Need(n, "chart web")
	var missing *MissingError
	if !errors.As(err, &missing) || missing.Addon != n || !strings.Contains(err.Error(), "chart web needs the test-addon add-on") {
		t.Fatalf("Need before Link = %v, want a MissingError naming why", err)
	}
	Link(n)
	defer func() { mu.Lock(); delete(linked, n); mu.Unlock() }()
	if err := Need(n, "chart web"); err != nil {
		t.Fatalf("Need after Link = %v, want nil", err)
	}
}

func TestRecorderReplaysWhatWasRead(t *testing.T) {
	rec := Record(strings.NewReader("first part|the rest"))
	head := make([]byte, 11)
	if _, err := io.ReadFull(rec, head); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(rec.Replay())
	if err != nil || string(all) != "first part|the rest" {
		t.Fatalf("Replay = %q, %v; want the whole input", all, err)
	}
}

// TestDelegate runs a stand-in full binary found on PATH: arguments, standard input and
// the exit status must all pass through.
func TestDelegate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in full binary is a shell script")
	}
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\necho \"delegated: $" + DelegatedEnv + "\"\ncat\necho oops >&2\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, FullBinary), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(DelegatedEnv, "")
	os.Unsetenv(DelegatedEnv)
	var out, errOut bytes.Buffer
	code, err := Delegate(&MissingError{Addon: Helm, Why: "chart web"}, []string{"lint", "web"}, strings.NewReader("stdin text\n"), &out, &errOut)
	if err != nil || code != 3 {
		t.Fatalf("Delegate = %d, %v; want exit status 3", code, err)
	}
	if want := "args: lint web\ndelegated: 1\nstdin text\n"; out.String() != want {
		t.Errorf("stdout = %q, want %q", out.String(), want)
	}
	if errOut.String() != "oops\n" {
		t.Errorf("stderr = %q", errOut.String())
	}
}

func TestDelegateRefusesToRecurse(t *testing.T) {
	t.Setenv(DelegatedEnv, "1")
	_, err := Delegate(&MissingError{Addon: Policy, Why: "--policy p.yaml"}, nil, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "but this is "+FullBinary) {
		t.Fatalf("Delegate in the full binary = %v, want an error", err)
	}
}

func TestDelegateWithoutFullBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	os.Unsetenv(DelegatedEnv)
	_, err := Delegate(&MissingError{Addon: Helm, Why: "chart web"}, nil, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "chart web needs the helm add-on") || !strings.Contains(err.Error(), "go install") {
		t.Fatalf("Delegate without the full binary = %v, want an error saying how to install it", err)
	}
}
