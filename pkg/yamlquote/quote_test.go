package yamlquote

import (
	"testing"

	"gopkg.in/yaml.v3"
	sigsyaml "sigs.k8s.io/yaml"
)

// TestScalarReadsBack: every value, rendered by Scalar as the value of a key, reads back
// as that same string with both decoders that matter (sigs.k8s.io/yaml as kubectl and the
// API server see it, yaml.v3 as the linter parses it), and nothing more than that one key.
func TestScalarReadsBack(t *testing.T) {
	cases := []struct {
		in    string
		plain bool // rendered without quotes
	}{
		{"web", true},
		{"team-a", true},
		{"nginx:1.27", true},
		{"registry.example.com/app@sha256:abc", true},
		{"", false},
		{"a: b", false},
		{"a:", false},
		{"a #comment", false},
		{"#x", false},
		{"x\nprivileged: true", false},
		{"x\r\ny: 1", false},
		{"*alias", false},
		{"&anchor", false},
		{"!!bool", false},
		{"!tag x", false},
		{"|", false},
		{">", false},
		{"@x", false},
		{"`x", false},
		{"%x", false},
		{"?", false},
		{"-", false},
		{"- x", false},
		{"'single'", false},
		{`"double"`, false},
		{"yes", false},
		{"No", false},
		{"on", false},
		{"OFF", false},
		{"y", false},
		{"true", false},
		{"null", false},
		{"~", false},
		{"0", false},
		{"007", false},
		{"1e3", false},
		{"0x1F", false},
		{"0o17", false},
		{".5", false},
		{"1:20", false},
		{"2026-12-06", false},
		{"+1", false},
		{".inf", false},
		{"<<", false},
		{" leading", false},
		{"trailing ", false},
		{"tab\there", false},
		{"{a: 1}", false},
		{"[a]", false},
		{"a,b", false},
		{"nel\u0085x", false},
		{"ls\u2028x", false},
		{"\x00nul", false},
		{"ünïcode", false},
		// Names (isName): plain unless YAML reads them as something else.
		{"a.b.c", true},
		{"my_name-1.2", true},
		{"e5", true},
		{"Inf", true},
		{"NaN", true},
		{"Yes", false},
		{"TRUE", false},
		{"Null", false},
		{"N", false},
	}
	for _, tc := range cases {
		got := Scalar(tc.in)
		if plain := got == tc.in; plain != tc.plain {
			t.Errorf("Scalar(%q) = %s; plain %v, want plain %v", tc.in, got, plain, tc.plain)
		}
		doc := "k: " + got + "\n"
		var m map[string]any
		if err := sigsyaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Errorf("Scalar(%q) = %s: sigs.k8s.io/yaml: %v", tc.in, got, err)
		} else if len(m) != 1 || m["k"] != tc.in {
			t.Errorf("Scalar(%q) = %s: sigs.k8s.io/yaml reads %#v", tc.in, got, m)
		}
		var v map[string]any
		if err := yaml.Unmarshal([]byte(doc), &v); err != nil {
			t.Errorf("Scalar(%q) = %s: yaml.v3: %v", tc.in, got, err)
		} else if len(v) != 1 || v["k"] != tc.in {
			t.Errorf("Scalar(%q) = %s: yaml.v3 reads %#v", tc.in, got, v)
		}
	}
}

// TestSingleReadsBack: single-quoted rendering falls back to double quotes for what
// single quotes cannot hold.
func TestSingleReadsBack(t *testing.T) {
	for _, in := range []string{"it's", "a: b", "#x", "line\nbreak", "cr\rx", "nel\u0085", "ls\u2028", "ps\u2029", "tab\tx", "bom\ufeff", "\x01", "ok"} {
		got := Single(in)
		var m map[string]any
		if err := sigsyaml.Unmarshal([]byte("k: "+got+"\n"), &m); err != nil || len(m) != 1 || m["k"] != in {
			t.Errorf("Single(%q) = %s reads %#v (%v)", in, got, m, err)
		}
	}
}
