package finding

import "slices"

// Merge reports each place to edit once. Findings of one check at the same file, line,
// column and field path are one problem however many objects reach that text (a base
// used by three overlays builds three objects from it): they become one finding whose
// Objects lists every object reached, with the overlay that built it, ordered by overlay,
// namespace, kind, name and apiVersion so the order does not depend on scheduling. The
// message is not part of the key, since messages may name the namespace or the object;
// the merged finding keeps the message, object, fix and PSS level of the first object
// reached, and the highest severity of the merged findings, so --fail-on never passes a
// run it failed before merging. fs must be sorted (Sort); the result stays sorted.
//
// Fixes are planned from the findings before Merge (each object's build may need its own
// overlay patch); reports, counts, the exit status and suppressed findings use the merged
// ones.
func Merge(fs []Finding) []Finding {
	out := fs[:0]
	for i := 0; i < len(fs); {
		j := i + 1
		for j < len(fs) && samePlace(&fs[i], &fs[j]) {
			j++
		}
		if j == i+1 {
			out = append(out, fs[i])
		} else {
			out = append(out, mergeGroup(fs[i:j]))
		}
		i = j
	}
	return out
}

// samePlace is Merge's key: check, file, line, column and field path.
func samePlace(a, b *Finding) bool {
	return a.Check == b.Check && a.File == b.File && a.Line == b.Line && a.Column == b.Column && a.Path == b.Path
}

// mergeGroup merges findings at one place into one; see Merge.
func mergeGroup(group []Finding) Finding {
	var reached []Reached
	first, sev := 0, group[0].Severity
	for i := range group {
		sev = max(sev, group[i].Severity)
		for _, r := range group[i].Reaches() {
			if !slices.Contains(reached, r) {
				reached = append(reached, r)
			}
		}
		if reachedLess(group[i].Reaches()[0], group[first].Reaches()[0]) {
			first = i
		}
	}
	slices.SortFunc(reached, func(a, b Reached) int {
		if reachedLess(a, b) {
			return -1
		}
		if reachedLess(b, a) {
			return 1
		}
		return 0
	})
	f := group[first]
	f.Severity = sev
	f.Instances = nil
	for i := range group {
		for _, in := range group[i].Instances {
			if !slices.Contains(f.Instances, in) {
				f.Instances = append(f.Instances, in)
			}
		}
	}
	f.Object, f.Overlay, f.Objects = reached[0].ObjectRef, reached[0].Overlay, nil
	if len(reached) > 1 {
		f.Objects = reached
	}
	return f
}

// reachedLess orders reached objects by overlay, namespace, kind, name, then apiVersion.
func reachedLess(a, b Reached) bool {
	switch {
	case a.Overlay != b.Overlay:
		return a.Overlay < b.Overlay
	case a.Namespace != b.Namespace:
		return a.Namespace < b.Namespace
	case a.Kind != b.Kind:
		return a.Kind < b.Kind
	case a.Name != b.Name:
		return a.Name < b.Name
	}
	return a.APIVersion < b.APIVersion
}
