package baseline

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func TestFormatParseRoundTrip(t *testing.T) {
	entries := []Entry{
		{Check: "privileged-container", File: "b.yaml", Object: "Pod//p", Path: "spec.containers[name=a].securityContext.privileged", Value: "b5bea41b6c623f7c"},
		{Check: "host-port", File: "a dir/a.yaml", Object: "Pod/ns/p", Path: `metadata.annotations."odd\tkey\nwith\\escapes"`},
		{Check: "host-port", File: "a dir/a.yaml", Object: "Pod/ns/p", Path: `metadata.annotations."odd\tkey\nwith\\escapes"`},
	}
	text := Format(entries)
	if !strings.HasPrefix(string(text), Header+"\n") {
		t.Fatalf("no header:\n%s", text)
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	if len(lines) != 4 || strings.Count(lines[1], "\t") != 4 {
		t.Fatalf("want a header and 3 lines of 5 fields:\n%s", text)
	}
	got, err := Parse(bytes.NewReader(text), "b")
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{entries[1], entries[2], entries[0]} // sorted
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	// Writing what was read changes nothing: the file is stable under rewriting.
	if again := Format(got); !bytes.Equal(again, text) {
		t.Errorf("rewrite changed the file:\n%s\n---\n%s", text, again)
	}
}

func TestParseErrors(t *testing.T) {
	for name, src := range map[string]string{
		"no header":   "privileged-container\ta\tb\tc\td\n",
		"short entry": Header + "\n\nprivileged-container\ta.yaml\n",
	} {
		_, err := Parse(strings.NewReader(src), "base.txt")
		if err == nil || !strings.HasPrefix(err.Error(), "base.txt:") {
			t.Errorf("%s: error %v, want one naming base.txt and its line", name, err)
		}
	}
	if _, err := Parse(strings.NewReader(Header+"\n# a comment\n\n"), "b"); err != nil {
		t.Errorf("comments and blank lines: %v", err)
	}
}

func TestCompareCountsOccurrencesAndFixed(t *testing.T) {
	f := func(line int, path, value string) finding.Finding {
		return finding.Finding{Check: "c", File: "f.yaml", Line: line, Column: 1, Path: path,
			Identity: &finding.Identity{Object: finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Name: "p"}, Path: path, Value: value}}
	}
	same := func(s string) string { return s }
	findings := []finding.Finding{f(3, "x", "1"), f(9, "x", "1"), f(12, "y", "2")}
	// A place reached by two objects (a shared base) is one finding to compare.
	reachedTwice := f(12, "y", "2")
	reachedTwice.Object.Namespace = "other"
	findings = append(findings, reachedTwice)
	known := []Known{{Entry: Of(&findings[0], "f.yaml")}, {Entry: Of(&findings[2], "f.yaml")},
		{Entry: Entry{Check: "c", File: "gone.yaml", Object: "Pod//p", Path: "x"}}}
	out := Compare(findings, known, same)
	if len(out.New) != 1 || out.New[0].Line != 9 {
		t.Errorf("new %+v: want the second of two identical findings (line 9)", out.New)
	}
	if out.Existing != 2 {
		t.Errorf("existing %d, want 2", out.Existing)
	}
	if len(out.Fixed) != 1 || out.Fixed[0].File != "gone.yaml" {
		t.Errorf("fixed %+v, want the entry of gone.yaml", out.Fixed)
	}
	if got := Entries(findings, same); len(got) != 3 || len(got[2].Old.Objects) != 2 {
		t.Errorf("entries %+v: want one per place, the shared one reaching both objects", got)
	}
}
