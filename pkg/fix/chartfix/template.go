package chartfix

import (
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// fixTemplate makes a fix in the template's literal text, when the fix, made to the
// rendered text, only rewrites lines (adds or removes none) that a template line wrote as
// plain YAML: the template line has no action, is the rendered line but for its
// indentation, and wrote no other rendered line (not in a range). Such a line renders as
// written, so the same line in the template renders as the fix. It reports false, editing
// nothing, otherwise: template syntax is never rewritten.
func fixTemplate(ws *fix.Workspace, obj *manifest.Object, changes []finding.Change) (fix.Outcome, bool) {
	t, ok := chart.TemplateOf(obj)
	if !ok || t.InArchive {
		return fix.Outcome{}, false
	}
	fixed, _, err := fix.ApplyChanges([]byte(t.Output), obj, changes)
	if err != nil {
		return fix.Outcome{}, false
	}
	was, now := strings.Split(t.Output, "\n"), strings.Split(string(fixed), "\n")
	if len(was) != len(now) || len(was) > len(t.Lines) {
		return fix.Outcome{}, false
	}
	f, err := ws.Open(t.File)
	if err != nil {
		return fix.Outcome{}, false
	}
	src := strings.Split(string(f.Data), "\n")
	writers := map[int]int{}
	for _, l := range t.Lines {
		writers[l]++
	}
	edited := 0
	for i := range was {
		if was[i] == now[i] {
			continue
		}
		tl := t.Lines[i] - 1
		if tl < 0 || tl >= len(src) || writers[tl+1] != 1 {
			return fix.Outcome{}, false
		}
		line := strings.TrimSuffix(src[tl], "\r")
		body := strings.TrimLeft(line, " ")
		if !strings.Contains(line, "{{") && body == strings.TrimLeft(now[i], " ") {
			continue // already fixed (by the same fix of another render of the chart)
		}
		if strings.Contains(line, "{{") || body != strings.TrimLeft(was[i], " ") {
			return fix.Outcome{}, false
		}
		shift := len(line) - len(body) - (len(was[i]) - len(strings.TrimLeft(was[i], " ")))
		newLine := now[i]
		if shift > 0 {
			newLine = strings.Repeat(" ", shift) + newLine
		} else if !strings.HasPrefix(newLine, strings.Repeat(" ", -shift)) {
			return fix.Outcome{}, false
		} else {
			newLine = newLine[-shift:]
		}
		src[tl] = newLine + src[tl][len(line):]
		edited++
	}
	f.Data = []byte(strings.Join(src, "\n"))
	return fix.Outcome{Changes: edited}, true
}
