package yamledit

import (
	"bytes"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/yamlquote"
)

// style is how a document is written, read from the document itself so that inserted
// text looks like its neighbours.
type style struct {
	indent    int  // columns a nested mapping is indented under its key
	seqIndent int  // columns a block sequence's dash is indented under its key (0 or indent)
	crlf      bool // lines end in "\r\n"
	json      bool // the document is JSON: keys and strings double-quoted, flow only
	quote     byte // quote used for new string values when most strings are quoted, or 0
}

// Style is how new text is written into a file, read from the file.
type Style struct{ s style }

// FileStyle votes over every document of a file (docs, parsed from src), so that a new
// document looks like the others.
func FileStyle(docs []*yaml.Node, src []byte) Style {
	all := &yaml.Node{Kind: yaml.SequenceNode, Content: docs}
	st := detectStyle(all, src)
	st.json = false
	return Style{st}
}

// detectStyle votes over every nested collection of the document: the most common
// indentation wins, and files indented with 4 or sequences written flush with their key
// keep that.
func detectStyle(root *yaml.Node, src []byte) style {
	st := style{indent: 2, seqIndent: 2}
	st.crlf = bytes.Contains(src, []byte("\r\n"))
	if root.Kind == yaml.MappingNode && root.Style&yaml.FlowStyle != 0 && len(root.Content) > 0 && root.Content[0].Style&yaml.DoubleQuotedStyle != 0 {
		st.json = true
		st.quote = '"'
	}
	mapVotes, seqVotes := map[int]int{}, map[int]int{}
	var plain, dq, sq int
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 200 {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				switch {
				case v.Kind == yaml.MappingNode && len(v.Content) > 0 && v.Content[0].Line > k.Line:
					if d := v.Content[0].Column - k.Column; d > 0 && d <= 8 {
						mapVotes[d]++
					}
				case v.Kind == yaml.SequenceNode && len(v.Content) > 0 && v.Style&yaml.FlowStyle == 0:
					if d := v.Column - k.Column; d >= 0 && d <= 8 {
						seqVotes[d]++
					}
				case v.Kind == yaml.SequenceNode && len(v.Content) > 0 && v.Content[0].Line > k.Line:
					// A pretty-printed JSON array: items indented like mapping members.
					if d := v.Content[0].Column - k.Column; d > 0 && d <= 8 {
						mapVotes[d]++
					}
				case v.Kind == yaml.ScalarNode && v.Tag == "!!str":
					switch {
					case v.Style&yaml.DoubleQuotedStyle != 0:
						dq++
					case v.Style&yaml.SingleQuotedStyle != 0:
						sq++
					case v.Style == 0:
						plain++
					}
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(root, 0)
	if d := mostVotes(mapVotes); d > 0 {
		st.indent = d
	}
	st.seqIndent = st.indent
	if d, ok := mostVotesOK(seqVotes); ok {
		st.seqIndent = d
	}
	if !st.json {
		switch {
		case dq > 0 && dq >= 4*(plain+sq):
			st.quote = '"'
		case sq > 0 && sq >= 4*(plain+dq):
			st.quote = '\''
		}
	}
	return st
}

func mostVotes(v map[int]int) int {
	d, _ := mostVotesOK(v)
	return d
}

func mostVotesOK(v map[int]int) (int, bool) {
	best, bestN := 0, 0
	for d, n := range v {
		if n > bestN || n == bestN && d < best {
			best, bestN = d, n
		}
	}
	return best, bestN > 0
}

// neighbourQuote returns the quote the string values of mapping m share, 0 when they are
// plain or mixed, and def when m holds no string value to go by.
func neighbourQuote(m *yaml.Node, def byte) byte {
	if m == nil || m.Kind != yaml.MappingNode {
		return def
	}
	var q byte
	seen := false
	for i := 1; i < len(m.Content); i += 2 {
		v := m.Content[i]
		if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
			continue
		}
		var this byte
		switch {
		case v.Style&yaml.DoubleQuotedStyle != 0:
			this = '"'
		case v.Style&yaml.SingleQuotedStyle != 0:
			this = '\''
		case v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
			continue
		}
		if seen && this != q {
			return 0
		}
		q, seen = this, true
	}
	if !seen {
		return def
	}
	return q
}

// keyQuote returns the quote every key of mapping m is written with, or 0.
func keyQuote(m *yaml.Node) byte {
	if m == nil || m.Kind != yaml.MappingNode || len(m.Content) == 0 {
		return 0
	}
	var q byte
	for i := 0; i < len(m.Content); i += 2 {
		var this byte
		switch k := m.Content[i]; {
		case k.Style&yaml.DoubleQuotedStyle != 0:
			this = '"'
		case k.Style&yaml.SingleQuotedStyle != 0:
			this = '\''
		default:
			return 0
		}
		if i > 0 && this != q {
			return 0
		}
		q = this
	}
	return q
}

// needsQuotes reports whether s must be quoted to read back as the string s, in YAML 1.1
// and 1.2 alike. Every fix renders its scalars through yamlquote, one rule for all.
func needsQuotes(s string) bool { return yamlquote.NeedsQuotes(s) }

// scalarText renders a Change value. quote forces a quote style for strings; 0 quotes
// only when needed. JSON documents always double-quote strings.
func scalarText(v any, quote byte, st style) (string, error) {
	switch v := v.(type) {
	case bool:
		return strconv.FormatBool(v), nil
	case int:
		return strconv.Itoa(v), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case string:
		if st.json {
			quote = '"'
		}
		if quote == 0 && needsQuotes(v) {
			quote = '"'
		}
		switch quote {
		case '"':
			return doubleQuote(v), nil
		case '\'':
			return yamlquote.Single(v), nil
		}
		return v, nil
	}
	return "", fmt.Errorf("unsupported value %v (%T): a change sets a bool, an integer or a string", v, v)
}

// doubleQuote writes s as a YAML double-quoted scalar.
func doubleQuote(s string) string { return yamlquote.Double(s) }

// keyText renders a new mapping key in the quote its siblings use.
func keyText(k string, quote byte, st style) string {
	if st.json {
		quote = '"'
	}
	if quote == 0 && needsQuotes(k) {
		quote = '"'
	}
	if quote == 0 {
		return k
	}
	s, _ := scalarText(k, quote, st)
	return s
}
