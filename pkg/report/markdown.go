package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// MarkdownLimit is the longest summary Markdown writes: GitHub's limit on a pull-request
// comment (65,536 characters). The summary is counted in bytes, which are never fewer.
const MarkdownLimit = 65536

// MarkdownOptions controls the Markdown summary.
type MarkdownOptions struct {
	// WorkDir is the directory file names are made relative to, as in SARIF.
	WorkDir string
	// Limit is the longest output in bytes; 0 is MarkdownLimit.
	Limit int
}

// Markdown writes a summary for a pull-request comment or $GITHUB_STEP_SUMMARY: the
// findings (the new ones, with --baseline or --since) by severity with file:line, a table
// of the environments (overlays, or the deploy units of plain files) with their new and
// fixed findings, then each finding's details and the fixed findings folded in <details>.
// It never exceeds the limit: what does not fit is left out and a note says how much.
// Text from manifests is escaped so that it cannot add markup, links or HTML.
func Markdown(w io.Writer, r Report, opts MarkdownOptions) error {
	limit := opts.Limit
	if limit <= 0 {
		limit = MarkdownLimit
	}
	m := &mdWriter{limit: limit - mdReserve}
	rel := func(file string) string {
		if p, inside := repoPath(file, opts.WorkDir); inside {
			return p
		}
		return file
	}
	m.add(mdHeadline(r) + "\n\n")
	bySeverity(r.Findings, func(s finding.Severity, fs []finding.Finding) {
		m.add(fmt.Sprintf("**%s** (%d)\n\n", strings.ToUpper(s.String()[:1])+s.String()[1:], len(fs)))
		for i := range fs {
			f := &fs[i]
			where := ""
			if envs := Environments(f); len(envs) > 1 {
				where = " — in " + mdText(strings.Join(envs, ", "))
			}
			m.item(fmt.Sprintf("- %s `%s` %s%s\n", mdText(fmt.Sprintf("%s:%d", rel(f.File), f.Line)), f.Check, mdText(f.Message), where))
		}
		m.add("\n")
	})
	if envs := environmentTable(r); envs != "" {
		m.add(envs + "\n")
	}
	if len(r.Findings) > 0 {
		opened := m.add(fmt.Sprintf("<details><summary>Details of %d %s</summary>\n\n", len(r.Findings), findingsWord(r)))
		for i := range r.Findings {
			m.item(mdDetail(&r.Findings[i], rel))
		}
		if opened {
			m.close("</details>\n\n")
		}
	}
	if c := r.Compared; c != nil && len(c.Fixed) > 0 {
		opened := m.add(fmt.Sprintf("<details><summary>%d fixed</summary>\n\n", len(c.Fixed)))
		for _, f := range c.Fixed {
			at := rel(f.File)
			if f.Line > 0 {
				at = fmt.Sprintf("%s:%d", at, f.Line)
			}
			m.item(fmt.Sprintf("- %s `%s` %s %s\n", mdText(at), mdText(f.Check), mdText(f.Object), mdText(f.Path)))
		}
		if opened {
			m.close("</details>\n\n")
		}
	}
	if m.left > 0 {
		m.b.WriteString(fmt.Sprintf("\n> Truncated: %d more %s not shown here (GitHub allows %d characters). Run `kubectl secure lint -o json` for all of them.\n",
			m.left, plural(m.left, "entry"), MarkdownLimit))
	}
	_, err := io.WriteString(w, m.b.String())
	return err
}

// mdReserve is kept free for the closing tags and the truncation note.
const mdReserve = 400

// mdWriter adds text while it fits; once an item did not fit, the items after it are only
// counted (left) so the output keeps its order and never ends mid-entry.
type mdWriter struct {
	b     strings.Builder
	limit int
	left  int
}

func (m *mdWriter) fits(s string) bool { return m.left == 0 && m.b.Len()+len(s) <= m.limit }

// add writes a heading or table; like an item, it is dropped when it does not fit, and
// it says whether it was written.
func (m *mdWriter) add(s string) bool {
	if m.fits(s) {
		m.b.WriteString(s)
		return true
	}
	return false
}

func (m *mdWriter) item(s string) {
	if m.fits(s) {
		m.b.WriteString(s)
		return
	}
	m.left++
}

// close writes a closing tag, which the reserve always leaves room for.
func (m *mdWriter) close(s string) { m.b.WriteString(s) }

func findingsWord(r Report) string {
	if r.Compared != nil {
		return "new " + plural(len(r.Findings), "finding")
	}
	return plural(len(r.Findings), "finding")
}

func mdHeadline(r Report) string {
	h := fmt.Sprintf("### kubectl-secure: %d %s", len(r.Findings), findingsWord(r))
	if c := r.Compared; c != nil {
		against := "baseline " + mdText(c.Baseline)
		if c.Since != "" {
			against = mdText(c.Since)
		}
		h += fmt.Sprintf("\n\nCompared with %s: %d existing not shown, %d fixed.", against, c.Existing, len(c.Fixed))
	}
	if n := len(r.Errors); n > 0 {
		h += fmt.Sprintf("\n\n%d %s (see the job's log).", n, plural(n, "input error"))
	}
	return h
}

// bySeverity calls fn for each severity with findings, the most severe first.
func bySeverity(fs []finding.Finding, fn func(finding.Severity, []finding.Finding)) {
	for s := finding.Critical; s >= finding.Low; s-- {
		var of []finding.Finding
		for _, f := range fs {
			if f.Severity == s {
				of = append(of, f)
			}
		}
		if len(of) > 0 {
			fn(s, of)
		}
	}
}

// environmentTable counts new and fixed findings by environment; "" when there is none.
func environmentTable(r Report) string {
	type counts struct{ new, fixed int }
	envs := map[string]*counts{}
	get := func(e string) *counts {
		if envs[e] == nil {
			envs[e] = &counts{}
		}
		return envs[e]
	}
	for i := range r.Findings {
		for _, e := range Environments(&r.Findings[i]) {
			get(e).new++
		}
	}
	if r.Compared != nil {
		for _, f := range r.Compared.Fixed {
			for _, e := range f.Environments {
				get(e).fixed++
			}
		}
	}
	if len(envs) == 0 {
		return ""
	}
	names := make([]string, 0, len(envs))
	for e := range envs {
		names = append(names, e)
	}
	sort.Strings(names)
	var b strings.Builder
	if r.Compared != nil {
		b.WriteString("| environment | new | fixed |\n| --- | ---: | ---: |\n")
	} else {
		b.WriteString("| environment | findings |\n| --- | ---: |\n")
	}
	for _, e := range names {
		if r.Compared != nil {
			fmt.Fprintf(&b, "| %s | %d | %d |\n", mdText(e), envs[e].new, envs[e].fixed)
		} else {
			fmt.Fprintf(&b, "| %s | %d |\n", mdText(e), envs[e].new)
		}
	}
	return b.String()
}

// mdDetail is one finding's entry in the folded details.
func mdDetail(f *finding.Finding, rel func(string) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **%s** `%s` at %s:%d:%d\n", f.Severity, f.Check, mdText(rel(f.File)), f.Line, f.Column)
	fmt.Fprintf(&b, "  %s\n", mdText(f.Message))
	fmt.Fprintf(&b, "  %s · %s\n", mdText(reachLabel(*f)), mdText(f.Path))
	if f.Fix != nil {
		kind := "unsafe fix"
		if f.Fix.Safe {
			kind = "safe fix"
		}
		fmt.Fprintf(&b, "  %s: %s\n", kind, mdText(f.Fix.Description))
	}
	return b.String()
}

// mdSpecial are the characters that can start markup, a link, HTML or a table cell.
var mdSpecial = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;",
	"|", `\|`, "#", `\#`, "!", `\!`, "~", `\~`, "&", "&amp;", "\n", " ", "\r", " ")

// mdText is text from a manifest made inert: control characters escaped (Sanitize), then
// every character that could be markup.
func mdText(s string) string { return mdSpecial.Replace(Sanitize(s)) }
