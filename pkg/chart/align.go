package chart

import "strings"

// templateLine is one line of a template's source as the alignment reads it.
type templateLine struct {
	n int // 1-based
	// parts are the literal texts between actions; a literal line has one part.
	parts   []string
	literal bool
}

// align maps each line of a template's rendered output to the template line that wrote
// it (package doc, rule 4), 0 for none. A rendered line is matched first against the
// template's literal lines (no action, same text), then against its lines with actions,
// whose literal parts must appear in order (the text before the first action as a prefix,
// after the last as a suffix); among the matches, the first at or after the previous
// match, else the last before it (a range repeats its lines). Lines that are only actions
// and blanks, and lines inside a multi-line action or comment, write no literal text and
// match nothing. A line that is no literal line of the template but one of a named
// template's (partials) is left to that one.
func align(source, output string, partials partialIndex) []int {
	lines := parseTemplate(source)
	literal := map[string][]int{}
	var patterned []templateLine
	for _, l := range lines {
		if l.literal {
			literal[l.parts[0]] = append(literal[l.parts[0]], l.n)
		} else {
			patterned = append(patterned, l)
		}
	}
	out := strings.Split(output, "\n")
	result := make([]int, len(out))
	cursor := 0
	for i, text := range out {
		if strings.TrimSpace(text) == "" || strings.TrimSpace(text) == "---" {
			continue
		}
		cands := literal[text]
		if _, inPartial := partials[strings.TrimSpace(text)]; len(cands) == 0 && inPartial {
			continue // a literal line of a named template, stronger than a pattern here
		}
		if len(cands) == 0 {
			for _, p := range patterned {
				if matches(p.parts, text) {
					cands = append(cands, p.n)
				}
			}
		}
		if len(cands) == 0 {
			continue
		}
		pick := 0
		for _, c := range cands {
			if c >= cursor {
				pick = c
				break
			}
		}
		if pick == 0 {
			for _, c := range cands {
				if c < cursor {
					pick = c
				}
			}
		}
		result[i], cursor = pick, pick
	}
	return result
}

// parseTemplate splits a template into lines with their literal parts, following actions
// ({{ ... }}) and comments across lines.
func parseTemplate(source string) []templateLine {
	var out []templateLine
	inAction := false
	for i, text := range strings.Split(source, "\n") {
		var parts []string
		actions := 0
		rest := text
		startedInside := inAction
		for rest != "" {
			if inAction {
				j := strings.Index(rest, "}}")
				if j < 0 {
					rest = ""
					break
				}
				rest = rest[j+2:]
				inAction = false
				continue
			}
			j := strings.Index(rest, "{{")
			if j < 0 {
				parts = append(parts, rest)
				break
			}
			parts = append(parts, rest[:j])
			rest = rest[j+2:]
			inAction = true
			actions++
		}
		if inAction && !strings.HasSuffix(text, "}}") && len(parts) > 0 && actions > 0 {
			// the last action goes on to the next line: nothing after it on this one
			parts = append(parts, "")
		}
		switch {
		case startedInside && actions == 0 && len(parts) == 0:
			continue
		case actions == 0 && !startedInside:
			if strings.TrimSpace(text) != "" {
				out = append(out, templateLine{n: i + 1, parts: []string{text}, literal: true})
			}
			continue
		}
		if strings.TrimSpace(strings.Join(parts, "")) == "" {
			continue
		}
		if startedInside {
			// the first part follows an action's end: match it as a suffix only
			parts = append([]string{""}, parts...)
		}
		if len(parts) == 1 {
			parts = append(parts, "")
		}
		out = append(out, templateLine{n: i + 1, parts: parts})
	}
	return out
}

// matches reports whether text is parts joined by anything: parts[0] a prefix, the last
// part a suffix, the others in order between.
func matches(parts []string, text string) bool {
	first, last := parts[0], parts[len(parts)-1]
	if !strings.HasPrefix(text, first) || !strings.HasSuffix(text[len(first):], last) {
		return false
	}
	mid := text[len(first) : len(text)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		j := strings.Index(mid, p)
		if j < 0 {
			return false
		}
		mid = mid[j+len(p):]
	}
	return true
}

// partialLine is a literal line of a named-template file.
type partialLine struct {
	file      string
	line      int
	indent    int // columns before its text
	inArchive bool
}

// partialIndex finds the literal lines of the named-template files by their text without
// indentation; the first file and line in name order wins.
type partialIndex map[string]partialLine

func indexPartials(partials []Template) partialIndex {
	idx := partialIndex{}
	for _, p := range partials {
		for _, l := range parseTemplate(p.Source) {
			if !l.literal {
				continue
			}
			text := strings.TrimSpace(l.parts[0])
			if _, ok := idx[text]; !ok && len(text) > 1 {
				idx[text] = partialLine{file: p.File, line: l.n, indent: len(l.parts[0]) - len(strings.TrimLeft(l.parts[0], " \t")), inArchive: p.InArchive}
			}
		}
	}
	return idx
}
