package manifest

import (
	"strings"
	"testing"
)

// TestIsSyntaxError: only text that does not parse as YAML is a syntax error; the limits'
// refusals are not, so they stay errors whatever the file is.
func TestIsSyntaxError(t *testing.T) {
	lim := DefaultLimits
	lim.MaxDocuments = 2
	cases := []struct {
		name, src string
		want      bool
	}{
		{"bad indentation", "a: 1\n  b: 2\n c: 3\n", true},
		{"YAML 1.2 escape", "exclude: \"^vendor\\/\"\n", true},
		{"tab indentation", "a:\n\tb: 1\n", true},
		{"binary", "a: \x00\x01\n", false},
		{"too many documents", "a: 1\n---\na: 2\n---\na: 3\n", false},
		{"too deep", "a: " + strings.Repeat("[", 600) + "\n", false},
		{"valid", "apiVersion: v1\nkind: Pod\n", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := Parse("f.yaml", []byte(tc.src), lim)
			if got := IsSyntaxError(res.Err); got != tc.want {
				t.Errorf("IsSyntaxError(%v) = %v, want %v", res.Err, got, tc.want)
			}
		})
	}
}
