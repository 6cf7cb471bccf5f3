package baseline

import (
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Known is what findings are compared with: baseline entries, or the findings of an
// earlier revision, each with the finding it was made from when there is one (Old, which
// says where a fixed finding was and which environments it reached).
type Known struct {
	Entry
	Old *finding.Finding
}

// Outcome is a comparison: the findings no known entry matches, how many places were
// matched (existing findings, not reported), and the known entries nothing matched (fixed).
type Outcome struct {
	New      []finding.Finding
	Existing int
	Fixed    []Known
}

// Compare keeps the findings that no entry of known matches. findings are one per object
// reached, sorted (finding.Sort): the findings of one place (finding.Merge's key) are one
// finding to compare, matched or kept together. Each entry matches one place: with two
// identical findings and one entry, the second (in sorted order) is new. file makes a
// finding's file relative to the root the entries' files are relative to.
func Compare(findings []finding.Finding, known []Known, file func(string) string) Outcome {
	left := map[Entry][]int{} // entry -> indexes into known not matched yet
	for i, k := range known {
		left[k.Entry] = append(left[k.Entry], i)
	}
	var out Outcome
	for i := 0; i < len(findings); {
		j := i + 1
		for j < len(findings) && samePlace(&findings[i], &findings[j]) {
			j++
		}
		e := Of(&findings[i], file(findings[i].File))
		if idx := left[e]; len(idx) > 0 {
			left[e] = idx[1:]
			out.Existing++
		} else {
			out.New = append(out.New, findings[i:j]...)
		}
		i = j
	}
	for i, k := range known {
		if idx := left[k.Entry]; len(idx) > 0 && idx[0] == i {
			left[k.Entry] = idx[1:]
			out.Fixed = append(out.Fixed, k)
		}
	}
	return out
}

// Entries are the entries of findings, one per place (finding.Merge's key), in the order
// of findings; the suppressed findings are not among them, so they are not recorded.
func Entries(findings []finding.Finding, file func(string) string) []Known {
	var out []Known
	for i := 0; i < len(findings); {
		j := i + 1
		for j < len(findings) && samePlace(&findings[i], &findings[j]) {
			j++
		}
		merged := finding.Merge(append([]finding.Finding(nil), findings[i:j]...))
		out = append(out, Known{Entry: Of(&findings[i], file(findings[i].File)), Old: &merged[0]})
		i = j
	}
	return out
}

// samePlace is finding.Merge's key: the same check at the same file, line, column and path.
func samePlace(a, b *finding.Finding) bool {
	return a.Check == b.Check && a.File == b.File && a.Line == b.Line && a.Column == b.Column && a.Path == b.Path
}
