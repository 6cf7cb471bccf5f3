package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/fatih/color"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// TextOptions controls the human-readable output.
type TextOptions struct {
	Color bool
	// ShowSuppressed lists the suppressed findings after the findings, each with its
	// reason and where the suppression is written; otherwise only their count is shown.
	ShowSuppressed bool
}

// palette holds colour printers decided once per run from TextOptions, not from fatih/color's
// global, which looks at os.Stdout whatever the writer is.
type palette struct {
	severity map[finding.Severity]*color.Color
	file     *color.Color
	check    *color.Color
	dim      *color.Color
}

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return palette{
		severity: map[finding.Severity]*color.Color{
			finding.Critical: mk(color.FgHiRed, color.Bold),
			finding.High:     mk(color.FgRed),
			finding.Medium:   mk(color.FgYellow),
			finding.Low:      mk(color.FgCyan),
		},
		file:  mk(color.Bold, color.Underline),
		check: mk(color.FgBlue),
		dim:   mk(color.Faint),
	}
}

// Text writes findings grouped by file, each as `file:line:col`, severity, check ID and
// message, then the object and field path, then a closing summary line. Input errors are
// not written here (the CLI writes them to stderr) but are counted in the summary.
func Text(w io.Writer, r Report, opts TextOptions) error {
	p := newPalette(opts.Color)
	var b strings.Builder
	lastFile := ""
	for _, f := range r.Findings {
		if f.File != lastFile {
			if lastFile != "" {
				b.WriteByte('\n')
			}
			b.WriteString(p.file.Sprint(Sanitize(f.File)) + "\n")
			lastFile = f.File
		}
		writeFinding(&b, p, f, "")
	}
	if len(r.Findings) > 0 {
		b.WriteByte('\n')
	}
	if opts.ShowSuppressed && len(r.Suppressed) > 0 {
		fmt.Fprintf(&b, "Suppressed (%d)\n", len(r.Suppressed))
		for _, s := range r.Suppressed {
			by := fmt.Sprintf("suppressed by %s at %s:%d: %s", Sanitize(s.Suppression.Kind),
				Sanitize(s.Suppression.File), s.Suppression.Line, Sanitize(s.Reason))
			writeFinding(&b, p, s.Finding, by)
		}
		b.WriteByte('\n')
	}
	b.WriteString(summaryLine(r, p) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFinding writes one finding as two lines; note, when set, is a third line.
func writeFinding(b *strings.Builder, p palette, f finding.Finding, note string) {
	loc := fmt.Sprintf("%s:%d:%d", Sanitize(f.File), f.Line, f.Column)
	sevColor := p.severity[f.Severity]
	if sevColor == nil { // a severity out of range prints as "unknown", uncoloured
		sevColor = p.dim
	}
	sev := sevColor.Sprintf("%-8s", f.Severity)
	fmt.Fprintf(b, "  %s  %s  %s  %s\n", loc, sev, p.check.Sprint(Sanitize(f.Check)), Sanitize(f.Message))
	var details []string
	if o := reachLabel(f); o != "" {
		details = append(details, o)
	}
	if f.Path != "" {
		details = append(details, Sanitize(f.Path))
	}
	if f.Fix != nil {
		kind := "unsafe fix"
		if f.Fix.Safe {
			kind = "fix"
		}
		details = append(details, kind+": "+Sanitize(f.Fix.Description))
	}
	if len(details) > 0 {
		b.WriteString("      " + p.dim.Sprint(strings.Join(details, " · ")) + "\n")
	}
	if note != "" {
		b.WriteString("      " + p.dim.Sprint(note) + "\n")
	}
}

// objectLabel names the object of a finding; "" for findings about no object (a config
// file entry).
func objectLabel(o finding.ObjectRef) string {
	if o.Kind == "" && o.Name == "" {
		return ""
	}
	s := Sanitize(o.Kind) + " "
	if o.Namespace != "" {
		s += Sanitize(o.Namespace) + "/"
	}
	return s + Sanitize(o.Name)
}

// reachLabel names the object of a finding and, when the finding reaches several objects,
// where they were built. Copies of one object built by several overlays (a base they share)
// read "Deployment app in overlays/a (ns-a), overlays/b (ns-b)"; different objects (a
// namespace line every object of an overlay takes) are listed, at most maxReached of them
// with a count of the rest, followed by the overlays that built them.
func reachLabel(f finding.Finding) string {
	label := objectLabel(f.Object)
	if len(f.Objects) < 2 || label == "" {
		return label
	}
	first := f.Objects[0]
	sameObject := true
	for _, r := range f.Objects {
		sameObject = sameObject && r.Kind == first.Kind && r.Name == first.Name && r.Overlay != ""
	}
	var b strings.Builder
	if sameObject {
		b.WriteString(Sanitize(first.Kind) + " " + Sanitize(first.Name) + " in ")
		for i, r := range f.Objects {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(Sanitize(r.Overlay))
			if r.Namespace != "" {
				b.WriteString(" (" + Sanitize(r.Namespace) + ")")
			}
		}
		return b.String()
	}
	var overlays []string
	for i, r := range f.Objects {
		if r.Overlay != "" && !slices.Contains(overlays, Sanitize(r.Overlay)) {
			overlays = append(overlays, Sanitize(r.Overlay))
		}
		switch {
		case i == maxReached:
			fmt.Fprintf(&b, " and %d more", len(f.Objects)-maxReached)
		case i < maxReached:
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(objectLabel(r.ObjectRef))
		}
	}
	if len(overlays) > 0 {
		b.WriteString(" in " + strings.Join(overlays, ", "))
	}
	return b.String()
}

// maxReached bounds the objects a text line names; JSON and SARIF list them all.
const maxReached = 3

func summaryLine(r Report, p palette) string {
	counts := map[finding.Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	var parts []string
	for s := finding.Critical; s >= finding.Low; s-- {
		if counts[s] > 0 {
			parts = append(parts, p.severity[s].Sprintf("%d %s", counts[s], s))
		}
	}
	line := fmt.Sprintf("%d %s", len(r.Findings), plural(len(r.Findings), "finding"))
	if r.Compared != nil {
		line = fmt.Sprintf("%d new %s", len(r.Findings), plural(len(r.Findings), "finding"))
	}
	if len(parts) > 0 {
		line += " (" + strings.Join(parts, ", ") + ")"
	}
	// Files are the files read, not the files with findings (README, "Output").
	line += fmt.Sprintf("; linted %d %s from %d %s", r.Objects, plural(r.Objects, "object"), r.Files, plural(r.Files, "file"))
	if n := len(r.Suppressed); n > 0 {
		line += fmt.Sprintf("; %d suppressed", n)
	}
	if n := len(r.Errors); n > 0 {
		line += fmt.Sprintf("; %d %s", n, plural(n, "input error"))
	}
	if c := r.Compared; c != nil {
		line += "; " + c.summary()
	}
	return line
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// Sanitize escapes control characters (ANSI escape sequences included), invisible format
// characters and invalid UTF-8, so text taken from a manifest can never drive the user's
// terminal or CI log. Text the GitHub Actions runner would read as a workflow command — a
// "::" at the start of a line, a legacy "##[" anywhere — has its '#' and ':' escaped as well.
// Escaped text reads as a Go string literal's body.
func Sanitize(s string) string {
	if isClean(s) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	q = q[1 : len(q)-1]
	// QuoteToGraphic keeps graphic characters that display as nothing (variation
	// selectors, U+034F); escape them like the rest.
	if strings.IndexFunc(q, ignorable) >= 0 {
		var b strings.Builder
		for _, r := range q {
			switch {
			case !ignorable(r):
				b.WriteRune(r)
			case r > 0xFFFF:
				fmt.Fprintf(&b, `\U%08x`, r)
			default:
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		}
		q = b.String()
	}
	if commandLike(q) {
		q = strings.NewReplacer("#", `\x23`, ":", `\x3a`).Replace(q)
	}
	return q
}

func isClean(s string) bool {
	for _, r := range s {
		if r == unicode.ReplacementChar || ignorable(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return !commandLike(s)
}

// commandLike reports whether the Actions runner could take s, printed at the start of a
// line or inside one, for a workflow command. The runner trims leading white space and, on
// hosts where .NET compares culturally, ignores invisible characters when it looks for "::"
// and "##[", so they are ignored here too.
func commandLike(s string) bool {
	if !strings.ContainsAny(s, ":#") {
		return false
	}
	skeleton := strings.Map(func(r rune) rune {
		if ignorable(r) {
			return -1
		}
		return r
	}, s)
	return strings.Contains(skeleton, "##[") || strings.HasPrefix(strings.TrimLeftFunc(skeleton, unicode.IsSpace), "::")
}

// ignorable approximates Unicode's Default_Ignorable_Code_Point, which collation skips.
func ignorable(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}
