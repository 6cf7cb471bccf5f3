// Package yamledit edits YAML text in place: given a document's bytes, its parsed tree and
// a change (a fieldpath.Path and an operation), it computes byte-range edits (the
// golang.org/x/tools/go/analysis TextEdit model) that make the change while keeping the
// comments, quoting, indentation, flow style and line endings the author wrote.
package yamledit

import (
	"bytes"
	"fmt"
	"sort"
)

// TextEdit replaces the bytes [Pos, End) of a text with NewText. Pos == End inserts.
type TextEdit struct {
	Pos, End int
	NewText  []byte
}

// Apply returns src with edits applied. Edits are offsets into src; they must not
// overlap (two insertions at the same offset are applied in the order given).
func Apply(src []byte, edits []TextEdit) ([]byte, error) {
	sorted := make([]TextEdit, len(edits))
	copy(sorted, edits)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Pos != sorted[j].Pos {
			return sorted[i].Pos < sorted[j].Pos
		}
		return sorted[i].End < sorted[j].End
	})
	var out bytes.Buffer
	out.Grow(len(src) + 256)
	last := 0
	for _, e := range sorted {
		if e.Pos < last || e.End < e.Pos || e.End > len(src) {
			return nil, fmt.Errorf("edit [%d,%d) overlaps another edit or lies outside the text (%d bytes)", e.Pos, e.End, len(src))
		}
		out.Write(src[last:e.Pos])
		out.Write(e.NewText)
		last = e.End
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}
