package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// TestREADMEQuickStart runs the lint commands of the README's Quick start, in-process from
// the repository root, and holds each ```text block that follows a ```sh block to the
// standard output of that block's last kubectl-secure command, so the pasted output cannot
// go stale.
func TestREADMEQuickStart(t *testing.T) {
	root := testenv.RepoRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section, ok := strings.CutPrefix(string(data)[strings.Index(string(data), "## Quick start"):], "## Quick start")
	if !ok {
		t.Fatal("README has no Quick start section")
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	t.Chdir(root)
	var command []string
	checked := 0
	for _, block := range fencedBlocks(section) {
		switch block.lang {
		case "sh":
			command = nil
			for _, l := range strings.Split(block.body, "\n") {
				if i := strings.Index(l, "#"); i >= 0 {
					l = l[:i]
				}
				if f := strings.Fields(l); len(f) > 1 && f[0] == "kubectl-secure" {
					command = f[1:]
				}
			}
		case "text":
			if command == nil {
				t.Errorf("a text block with no kubectl-secure command before it:\n%s", block.body)
				continue
			}
			got, _, _ := runRaw("", command...)
			if got != block.body {
				t.Errorf("README output of kubectl-secure %s is stale:\n%s", strings.Join(command, " "),
					testenv.FirstDifference([]byte(block.body), []byte(got)))
			}
			checked++
		}
	}
	if checked == 0 {
		t.Error("the Quick start pastes no output (```text block after the ```sh block)")
	}
}

type fenced struct{ lang, body string }

// fencedBlocks returns the ``` blocks of markdown text with their language and body (each
// line with its newline).
func fencedBlocks(md string) []fenced {
	var out []fenced
	var cur *fenced
	for _, l := range strings.SplitAfter(md, "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &fenced{lang: strings.TrimPrefix(trimmed, "```")}
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.body += l
		}
	}
	return out
}
