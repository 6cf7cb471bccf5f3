package report

import (
	"bytes"
	"testing"
)

// TestFormats: the table names every format once, in the order --help and the error for
// an unknown format list them, and each entry writes its own format.
func TestFormats(t *testing.T) {
	if got, want := FormatNames(false), "text, json, sarif, github, junit, markdown or html"; got != want {
		t.Errorf("FormatNames(false) = %q, want %q", got, want)
	}
	if got, want := FormatNames(true), "text, json, sarif (GitHub code scanning), github (workflow annotations), junit, markdown (pull-request summary) or html (a self-contained page: findings, reachability graph, access paths)"; got != want {
		t.Errorf("FormatNames(true) = %q, want %q", got, want)
	}
	if _, ok := LookupFormat("yaml"); ok {
		t.Error("LookupFormat(yaml) found a format")
	}
	r := Report{Files: 1, Objects: 1}
	direct := map[string]func(*bytes.Buffer) error{
		"text":     func(b *bytes.Buffer) error { return Text(b, r, TextOptions{}) },
		"json":     func(b *bytes.Buffer) error { return JSON(b, r) },
		"sarif":    func(b *bytes.Buffer) error { return SARIF(b, r, SARIFOptions{}) },
		"github":   func(b *bytes.Buffer) error { return GitHub(b, r, GitHubOptions{}) },
		"junit":    func(b *bytes.Buffer) error { return JUnit(b, r) },
		"markdown": func(b *bytes.Buffer) error { return Markdown(b, r, MarkdownOptions{}) },
		"html":     func(b *bytes.Buffer) error { return HTML(b, r, HTMLOptions{}) },
	}
	for _, f := range Formats() {
		got, ok := LookupFormat(f.Name)
		if !ok || got.Name != f.Name {
			t.Errorf("LookupFormat(%q) = %v, %v", f.Name, got.Name, ok)
		}
		var viaTable, want bytes.Buffer
		if err := f.Write(&viaTable, r, FormatOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := direct[f.Name](&want); err != nil {
			t.Fatal(err)
		}
		if viaTable.String() != want.String() {
			t.Errorf("%s: the table's writer writes another format:\n%.300s", f.Name, viaTable.String())
		}
		delete(direct, f.Name)
	}
	if len(direct) > 0 {
		t.Errorf("formats missing from the table: %v", direct)
	}
}
