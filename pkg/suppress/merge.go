package suppress

import "github.com/kubectl-secure/kubectl-secure/pkg/finding"

// MergeSuppressed merges suppressed findings as finding.Merge merges findings, when the same
// suppression (kind, place and reason) hides them: a comment in a base used by three
// overlays hides one finding, listed once. The first of each group keeps its place.
func MergeSuppressed(ss []Suppressed) []Suppressed {
	type key struct {
		check, file, path, reason, by string
		line, col, byLine             int
		bySource                      Source
	}
	groups := map[key][]finding.Finding{}
	var order []key
	var firsts []Suppressed
	for _, s := range ss {
		f := s.Finding
		k := key{f.Check, f.File, f.Path, s.Reason, s.File, f.Line, f.Column, s.Line, s.Source}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
			firsts = append(firsts, s)
		}
		groups[k] = append(groups[k], f)
	}
	if len(order) == len(ss) {
		return ss
	}
	out := make([]Suppressed, len(order))
	for i, k := range order {
		fs := groups[k]
		finding.Sort(fs)
		out[i] = firsts[i]
		out[i].Finding = finding.Merge(fs)[0]
	}
	return out
}
