// Package yamlquote renders strings as YAML scalars that read back as the same string in
// YAML 1.1 (sigs.k8s.io/yaml, hence kubectl, Argo CD and Flux) and YAML 1.2 (yaml.v3)
// alike. Every value a fix writes into YAML text goes through it, so that a value chosen
// by whoever wrote the manifest (a namespace, a name, an image) can never become a second
// key, a comment, an alias, a tag or a boolean in the file a fix writes.
package yamlquote

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

var (
	// plainSafe is the conservative set of plain scalars: no spaces, no indicator first
	// (`*`, `&`, `!`, `#`, `|`, `>`, `'`, `"`, `%`, `@`, `` ` ``, `-` alone, `?`, `:`), no
	// `#` or `: ` inside. Anything else is quoted even where YAML would allow it plain.
	plainSafe = regexp.MustCompile(`^(-[A-Za-z_-]|[A-Za-z0-9_/])[A-Za-z0-9_./@+:=-]*$`)
	// YAML 1.1 reads these as numbers, booleans, nulls or timestamps even where YAML 1.2
	// sees strings.
	yaml11NonString = regexp.MustCompile(`^(?i:y|yes|n|no|true|false|on|off|null|~)$|^[-+]?[0-9._:]+([eE][-+]?[0-9]+)?$|^[-+]?0[xXbBoO]|^[-+]?\.|^[0-9]{4}-[0-9]`)
)

// NeedsQuotes reports whether s must be quoted to read back as the string s.
func NeedsQuotes(s string) bool {
	if !plainSafe.MatchString(s) || yaml11NonString.MatchString(s) || strings.HasSuffix(s, ":") {
		return true
	}
	if isName(s) {
		// Kubernetes names and label values, most of what fixes write: beginning with a
		// letter, only the booleans and nulls yaml11NonString matched resolve to
		// anything but a string in either YAML version.
		return false
	}
	// The regular expressions are the fast path; the parser has the last word.
	var n yaml.Node
	if err := yaml.Unmarshal([]byte("k: "+s), &n); err != nil || len(n.Content) == 0 {
		return true
	}
	v := n.Content[0].Content[1]
	return v.Tag != "!!str" || v.Value != s
}

// isName reports s begins with an ASCII letter and holds only letters, digits, '-', '.'
// and '_'.
func isName(s string) bool {
	if s == "" || (s[0]|0x20) < 'a' || (s[0]|0x20) > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

// Double writes s as a double-quoted scalar: a JSON string (which YAML reads as a
// double-quoted scalar), with the characters YAML 1.1 takes for line breaks escaped too.
func Double(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out := strings.TrimSuffix(b.String(), "\n")
	// JSON escapes U+2028 and U+2029 already; NEL is a line break to YAML 1.1 and would be
	// folded into a space inside quotes.
	return strings.ReplaceAll(out, "\u0085", `\u0085`)
}

// Single writes s as a single-quoted scalar, for a file whose strings are single-quoted.
// Single quotes escape nothing but the quote itself, so a string with a line break (YAML
// 1.1 counts NEL, LS and PS as ones) or another non-printable character is double-quoted.
func Single(s string) string {
	for _, r := range s {
		if r == '\u0085' || r == '\u2028' || r == '\u2029' || r == '\ufeff' || !unicode.IsPrint(r) && r != ' ' {
			return Double(s)
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// Scalar renders s plain when that reads back as s, double-quoted otherwise.
func Scalar(s string) string {
	if NeedsQuotes(s) {
		return Double(s)
	}
	return s
}
