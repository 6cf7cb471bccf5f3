package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// GitHubOptions controls the GitHub Actions output.
type GitHubOptions struct {
	// WorkDir is the directory file names are made relative to; GitHub attaches an
	// annotation to a file only when its path is relative to the checkout.
	WorkDir string
}

// GitHub writes one GitHub Actions workflow command per finding and per input error, which
// the runner turns into annotations on the files, then a plain summary line.
//
// Everything taken from a manifest is escaped: control characters by Sanitize, then the
// runner's own escapes, so no line of the output but the command's own can begin with "::"
// and a manifest cannot issue ::add-mask::, ::set-output:: or ::stop-commands::.
func GitHub(w io.Writer, r Report, opts GitHubOptions) error {
	var b strings.Builder
	for _, f := range r.Findings {
		props := []string{}
		if f.File != "" {
			p, _ := repoPath(f.File, opts.WorkDir)
			props = append(props, "file="+escapeProperty(Sanitize(p)))
		}
		if f.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", f.Line))
			if f.Column > 0 {
				props = append(props, fmt.Sprintf("col=%d", f.Column))
			}
		}
		props = append(props, "title="+escapeProperty(fmt.Sprintf("%s (%s)", Sanitize(f.Check), f.Severity)))
		msg := Sanitize(f.Message) + "\n" + reachLabel(f)
		if f.Path != "" {
			msg += " · " + Sanitize(f.Path)
		}
		writeCommand(&b, githubCommand(f.Severity), props, msg)
	}
	for _, e := range r.Errors {
		props := []string{}
		if e.File != "" {
			p, _ := repoPath(e.File, opts.WorkDir)
			props = append(props, "file="+escapeProperty(Sanitize(p)))
		}
		if e.Line > 0 {
			props = append(props, fmt.Sprintf("line=%d", e.Line))
		}
		props = append(props, "title=input error")
		writeCommand(&b, "error", props, Sanitize(e.Message))
	}
	b.WriteString(summaryLine(r, newPalette(false)) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCommand(b *strings.Builder, cmd string, props []string, msg string) {
	b.WriteString("::" + cmd)
	if len(props) > 0 {
		b.WriteString(" " + strings.Join(props, ","))
	}
	b.WriteString("::" + escapeData(msg) + "\n")
}

func githubCommand(s finding.Severity) string { return alertLevel(s, "notice") }

// escapeData escapes a command's message as @actions/core's escapeData does; the runner
// undoes exactly these.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value as @actions/core's escapeProperty does: the data
// escapes plus the separators of the property list.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
