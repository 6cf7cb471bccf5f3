//go:build linux

package load

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// readRegularFile and the portable os-based reader agree on content and on every refusal.
func TestReadRegularFileAgreesWithOS(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := make([]byte, 70000)
	for i := range big {
		big[i] = byte('a' + i%26)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Logf("no FIFO here: %v", err)
		fifo = ""
	}
	unreadable := write("unreadable.yaml", []byte("a: 1\n"))
	os.Chmod(unreadable, 0)
	cases := []struct {
		path string
		max  int64
	}{
		{write("empty.yaml", nil), 0},
		{write("small.yaml", []byte("a: 1\n")), 0},
		{write("big.yaml", big), 0},
		{filepath.Join(dir, "big.yaml"), 1000},
		{filepath.Join(dir, "big.yaml"), int64(len(big))},
		{filepath.Join(dir, "missing.yaml"), 0},
		{dir, 0},
		{fifo, 0},
		{unreadable, 0},
	}
	for _, c := range cases {
		if c.path == "" {
			continue
		}
		got, gotErr := readRegularFile(c.path, c.max)
		want, wantErr := readPortable(c.path, c.max)
		if string(got) != string(want) || (gotErr == nil) != (wantErr == nil) || gotErr != nil && *gotErr != *wantErr {
			t.Errorf("%s (max %d): got %d bytes, %v; os gives %d bytes, %v", c.path, c.max, len(got), gotErr, len(want), wantErr)
		}
	}
}
