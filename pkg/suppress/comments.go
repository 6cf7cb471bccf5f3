package suppress

import (
	"bytes"
	"strings"
)

// Marker starts an inline suppression comment: "# kubectl-secure:ignore ID[,ID] reason".
const Marker = "kubectl-secure:ignore"

// comment is one suppression comment found in a file.
type comment struct {
	line, column int // of the '#', 1-based
	// target is the line the comment applies to: its own line for a trailing comment, the
	// next line that is not a comment for a comment alone on its line; 0 when there is none.
	target int
	names  []string
	reason string
	// problem says why the comment is unusable (no check named, no reason); "" when fine.
	problem string
}

// scanComments finds the suppression comments of a YAML file. It reads the text rather
// than the parsed tree: comments are not part of the objects, and an object built by
// Kustomize has lost them. Block scalars are skipped, so a script in a ConfigMap that
// happens to contain the marker is not a suppression.
func scanComments(data []byte) []comment {
	if !bytes.Contains(data, []byte(Marker)) {
		return nil
	}
	lines := strings.Split(string(data), "\n")
	var out []comment
	blockIndent := -1 // indentation a line must exceed to be block scalar content
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if blockIndent >= 0 {
			if strings.TrimSpace(line) == "" || indent > blockIndent {
				continue
			}
			blockIndent = -1
		}
		cs := commentStart(line)
		code := line
		if cs >= 0 {
			code = line[:cs]
			if c, ok := parseComment(line[cs+1:]); ok {
				c.line, c.column = i+1, cs+1
				if strings.TrimSpace(code) != "" {
					c.target = i + 1
				} else {
					c.target = nextCodeLine(lines, i+1)
				}
				out = append(out, c)
			}
		}
		if bi, ok := blockStart(code); ok {
			blockIndent = bi
		}
	}
	return out
}

// nextCodeLine returns the 1-based number of the first line at or after index from that is
// not a comment alone on its line, so stacked suppression comments all apply to the line
// below them; 0 at the end of the file.
func nextCodeLine(lines []string, from int) int {
	for j := from; j < len(lines); j++ {
		if !strings.HasPrefix(strings.TrimSpace(lines[j]), "#") {
			return j + 1
		}
	}
	return 0
}

// parseComment reads the text after '#'. ok is false for comments that are not
// suppressions.
func parseComment(text string) (comment, bool) {
	text = strings.TrimLeft(text, " \t")
	rest, found := strings.CutPrefix(text, Marker)
	if !found || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return comment{}, false
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return comment{problem: "names no check: write \"# " + Marker + " CHECK-ID reason\""}, true
	}
	// "a, b reason" and "a,b: reason" are read as the user meant them.
	ids := fields[0]
	n := 1
	for strings.HasSuffix(ids, ",") && n < len(fields) {
		ids += fields[n]
		n++
	}
	ids = strings.TrimSuffix(ids, ":")
	c := comment{names: splitNames(ids)}
	c.reason = strings.TrimSpace(strings.TrimLeft(strings.Join(fields[n:], " "), ":-–— "))
	for _, name := range c.names {
		if name == "" {
			c.problem = "has an empty check name in \"" + ids + "\""
			return c, true
		}
	}
	if c.reason == "" {
		c.problem = "has no reason: write \"# " + Marker + " " + ids + " <why it is accepted>\""
	}
	return c, true
}

func splitNames(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// commentStart returns the index of the '#' that starts a comment on line, or -1. In YAML
// a '#' starts a comment at the start of a line or after white space, outside quotes; a
// quote only opens a quoted scalar where a scalar starts, so the apostrophe of "don't" in
// a plain scalar does not hide a comment after it.
func commentStart(line string) int {
	var quote byte
	var prev byte // last character that is not white space; 0 at the start of the line
	for i := 0; i < len(line); i++ {
		c := line[i]
		if quote != 0 {
			switch {
			case quote == '"' && c == '\\':
				i++
			case c == quote && quote == '\'' && i+1 < len(line) && line[i+1] == '\'':
				i++ // '' is an escaped quote
			case c == quote:
				quote = 0
				prev = c
			}
			continue
		}
		spaceBefore := i == 0 || line[i-1] == ' ' || line[i-1] == '\t'
		switch {
		case c == '#' && spaceBefore:
			return i
		case (c == '"' || c == '\'') && scalarStart(prev, spaceBefore):
			quote = c
			continue
		}
		if c != ' ' && c != '\t' {
			prev = c
		}
	}
	return -1
}

func scalarStart(prev byte, spaceBefore bool) bool {
	switch prev {
	case 0:
		return true
	case '[', '{', ',':
		return true
	case ':', '-', '?':
		return spaceBefore
	}
	return false
}

// blockStart reports whether code (a line without its comment) ends with a block scalar
// indicator (| or > with optional chomping and indentation), and the indentation its
// content lines exceed: the column of the key, or of the dash of "- |".
func blockStart(code string) (int, bool) {
	code = strings.TrimRight(code, " \t")
	sp := strings.LastIndexAny(code, " \t")
	ind := code[sp+1:]
	if ind == "" || (ind[0] != '|' && ind[0] != '>') || strings.Trim(ind[1:], "+-123456789") != "" {
		return 0, false
	}
	before := strings.TrimRight(code[:max(sp, 0)], " \t")
	if sp < 0 || before == "" {
		return 0, false // a document that is a block scalar; nothing to skip that matters
	}
	if !strings.HasSuffix(before, ":") && !strings.HasSuffix(before, "-") {
		return 0, false
	}
	// Skip the dashes of sequence items to find where the key, if any, starts.
	i := len(code) - len(strings.TrimLeft(code, " "))
	lastDash := i
	for strings.HasPrefix(code[i:], "- ") || code[i:] == "-" {
		lastDash = i
		i += 2
		for i < len(code) && code[i] == ' ' {
			i++
		}
	}
	if i >= sp+1 { // "- |": the content is indented past the dash
		return lastDash, true
	}
	return i, true
}
