package blockyaml

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// The tags, styles and values of scalars, as yaml.v3 resolves and decodes them.

// quoteStyle is the style of a scalar quoted with q.
func quoteStyle(q byte) yaml.Style {
	if q == '"' {
		return yaml.DoubleQuotedStyle
	}
	return yaml.SingleQuotedStyle
}

// plainTag is the tag yaml.v3 resolves a plain scalar to. yaml.v3's resolver also builds
// the decoded value, an allocation per number; the common shapes are answered here the way
// it answers them (a test compares the two), the rest are left to it.
func plainTag(v string) string {
	switch v {
	case "", "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case "<<":
		return "!!merge"
	}
	// Words: yaml.v3 resolves a word that starts with a letter only from its table above.
	if c := v[0] | 0x20; c >= 'a' && c <= 'z' {
		return "!!str"
	}
	if Decimal(v) {
		return "!!int"
	}
	n := yaml.Node{Kind: yaml.ScalarNode, Value: v}
	return n.ShortTag()
}

// Decimal reports an unsigned decimal integer without leading zeros that fits in int64:
// yaml.v3 resolves these to !!int (a leading zero would make it try octal).
func Decimal(v string) bool {
	if len(v) > 18 || v[0] == '0' && len(v) > 1 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// unquote decodes a quoted scalar that closes on its line, with the escapes scanQuoted
// accepts.
func unquote(q []byte) (string, bool) {
	body := q[1 : len(q)-1]
	if q[0] == '\'' {
		if bytes.IndexByte(body, '\'') < 0 {
			return string(body), true
		}
		return string(bytes.ReplaceAll(body, []byte("''"), []byte("'"))), true
	}
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), true
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(body) {
			return "", false
		}
		i++
		e, ok := simpleEscape(body[i])
		if !ok {
			return "", false
		}
		out = append(out, e)
	}
	return string(out), true
}
