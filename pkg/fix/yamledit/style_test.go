package yamledit

import (
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// TestScalarTextQuotesHostileValues: every string a fix writes as a value or a key reads
// back, as kubectl reads it, as exactly that string and one key.
func TestScalarTextQuotesHostileValues(t *testing.T) {
	values := []string{
		"plain", "a: b", "x #c", "#c", "line\nprivileged: true", "*ref", "&anchor", "!!bool",
		"! tag", "yes", "No", "on", "true", "null", "~", "0", "0755", "1e3", "0x1f", "1:30",
		"2026-01-02", "-", "- item", "? k", "[a]", "{a: b}", "|", ">-", "'q'", `"q"`, "",
		" pad", "pad ", "%TAG", "@at", "`tick", "a\tb", "nel\u0085", "\u2028",
	}
	styles := map[string]style{"block": {indent: 2}, "json": {indent: 2, json: true}}
	for name, st := range styles {
		for _, v := range values {
			for _, q := range []byte{0, '\'', '"'} {
				s, err := scalarText(v, q, st)
				if err != nil {
					t.Fatal(err)
				}
				k := keyText(v, q, st)
				var m map[string]any
				if err := sigsyaml.Unmarshal([]byte(k+": "+s+"\n"), &m); err != nil || len(m) != 1 || m[v] != v {
					t.Errorf("%s quote %q: %q renders as %s: %s, which reads %#v (%v)", name, q, v, k, s, m, err)
				}
			}
		}
	}
}
