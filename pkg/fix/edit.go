// Package fix applies the Changes that findings carry to the files the user wrote. It
// edits text, never re-serialises a file or a document: every change becomes byte-range
// edits against the original text (the golang.org/x/tools/go/analysis model), so comments,
// quoting, indentation, flow style, line endings and document separators all stay as the
// user wrote them.
package fix

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

// ApplyEdits returns src with edits applied. Edits are offsets into src; they must not
// overlap (two insertions at the same offset are applied in the order given).
func ApplyEdits(src []byte, edits []TextEdit) ([]byte, error) {
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

// Edits returns the line-granular edits that turn before into after: the net effect of all
// changes applied to a file, as a go/analysis SuggestedFix would carry it.
func Edits(before, after []byte) []TextEdit {
	a, b := splitLines(before), splitLines(after)
	var edits []TextEdit
	offA := lineOffsets(a)
	offB := lineOffsets(b)
	for _, h := range diffLines(a, b) {
		edits = append(edits, TextEdit{
			Pos:     offA[h.a0],
			End:     offA[h.a1],
			NewText: append([]byte(nil), after[offB[h.b0]:offB[h.b1]]...),
		})
	}
	return edits
}

func lineOffsets(lines []string) []int {
	off := make([]int, len(lines)+1)
	for i, l := range lines {
		off[i+1] = off[i] + len(l)
	}
	return off
}
