package fix

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
)

// hunk says that lines a[a0:a1] became b[b0:b1].
type hunk struct{ a0, a1, b0, b1 int }

// splitLines splits after every '\n', keeping it, so that joining the lines gives the text
// back byte for byte (CRLF endings and a missing final newline included).
func splitLines(data []byte) []string {
	var lines []string
	s := string(data)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// maxShortestD bounds the edit distance for which diffLines computes a shortest edit
// script. Myers' algorithm costs O((N+M)·D) time and O(D²) memory, which a fix per
// container of a 20,000-container pod (D in the tens of thousands) turns into minutes
// and gigabytes; beyond the bound the diff is cut at anchor lines instead.
const maxShortestD = 400

// diffLines computes the edit script from a to b and returns it as hunks. Fixes touch few
// lines of large files, so the common prefix and suffix are trimmed first and D stays
// small; then a shortest edit script (Myers' O(ND) algorithm) is used when D is at most
// maxShortestD. A larger diff is cut at the lines that occur once in a and once in b, in
// the same order (as patience diff does), and each piece between two such anchors is
// diffed the same way; that is linear in practice and still exact, if not always shortest.
func diffLines(a, b []string) []hunk {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	A, B := a[pre:len(a)-suf], b[pre:len(b)-suf]
	hunks, ok := myers(A, B, pre, maxShortestD)
	if ok {
		return hunks
	}
	return anchored(A, B, pre, pre)
}

// anchored diffs A and B (which start at lines a0 and b0 of the files) piece by piece
// between their unique common lines.
func anchored(A, B []string, a0, b0 int) []hunk {
	anchors := uniqueAnchors(A, B)
	if len(anchors) == 0 {
		if len(A) == 0 && len(B) == 0 {
			return nil
		}
		return []hunk{{a0: a0, a1: a0 + len(A), b0: b0, b1: b0 + len(B)}}
	}
	var out []hunk
	pa, pb := 0, 0
	for _, an := range append(anchors, [2]int{len(A), len(B)}) {
		for _, h := range diffLines(A[pa:an[0]], B[pb:an[1]]) {
			h.a0 += a0 + pa
			h.a1 += a0 + pa
			h.b0 += b0 + pb
			h.b1 += b0 + pb
			// Pieces are diffed apart; a change that ends where the next starts is one hunk.
			if n := len(out); n > 0 && out[n-1].a1 == h.a0 && out[n-1].b1 == h.b0 {
				out[n-1].a1, out[n-1].b1 = h.a1, h.b1
				continue
			}
			out = append(out, h)
		}
		pa, pb = an[0]+1, an[1]+1
	}
	return out
}

// uniqueAnchors returns pairs (i, j) with A[i] == B[j], each line occurring once in A and
// once in B, as the longest run increasing in both i and j.
func uniqueAnchors(A, B []string) [][2]int {
	type seen struct{ inA, inB, ai, bj int }
	count := make(map[string]*seen, len(A))
	for i, l := range A {
		s := count[l]
		if s == nil {
			s = &seen{}
			count[l] = s
		}
		s.inA++
		s.ai = i
	}
	for j, l := range B {
		if s := count[l]; s != nil {
			s.inB++
			s.bj = j
		}
	}
	var pairs [][2]int // in order of i
	for i, l := range A {
		if s := count[l]; s.inA == 1 && s.inB == 1 {
			pairs = append(pairs, [2]int{i, s.bj})
		}
	}
	// Longest increasing subsequence of the j's (patience sorting, O(k log k)).
	var tails []int // index into pairs of the smallest tail of each length
	prev := make([]int, len(pairs))
	for k, p := range pairs {
		lo, hi := 0, len(tails)
		for lo < hi {
			mid := (lo + hi) / 2
			if pairs[tails[mid]][1] < p[1] {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		prev[k] = -1
		if lo > 0 {
			prev[k] = tails[lo-1]
		}
		if lo == len(tails) {
			tails = append(tails, k)
		} else {
			tails[lo] = k
		}
	}
	if len(tails) == 0 {
		return nil
	}
	out := make([][2]int, len(tails))
	for k, i := len(tails)-1, tails[len(tails)-1]; k >= 0; k, i = k-1, prev[i] {
		out[k] = pairs[i]
	}
	return out
}

// myers returns the hunks of a shortest edit script from A to B (lines starting at pre of
// both files), or false when that script is longer than maxD.
func myers(A, B []string, pre, maxD int) ([]hunk, bool) {
	const (
		opEq = iota
		opDel
		opIns
	)
	n, m := len(A), len(B)
	total := n + m
	if total == 0 {
		return nil, true
	}
	v := make([]int, 2*total+2)
	var trace [][]int
	window := func(d int) []int {
		lo, hi := total-d-1, total+d+2
		if lo < 0 {
			lo = 0
		}
		if hi > len(v) {
			hi = len(v)
		}
		w := make([]int, d+d+3)
		copy(w[lo-(total-d-1):], v[lo:hi])
		return w
	}
	done := false
	for d := 0; d <= total && !done; d++ {
		if d > maxD {
			return nil, false
		}
		trace = append(trace, window(d))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[total+k-1] < v[total+k+1]) {
				x = v[total+k+1]
			} else {
				x = v[total+k-1] + 1
			}
			y := x - k
			for x < n && y < m && A[x] == B[y] {
				x++
				y++
			}
			v[total+k] = x
			if x >= n && y >= m {
				done = true
				break
			}
		}
	}
	// Walk back through the trace; ops come out in reverse.
	var ops []int
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		w := trace[d]
		at := func(k int) int { return w[k+d+1] }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		if d == 0 {
			prevX, prevY = 0, 0
		}
		for x > prevX && y > prevY {
			ops = append(ops, opEq)
			x--
			y--
		}
		if d > 0 {
			if x == prevX {
				ops = append(ops, opIns)
				y--
			} else {
				ops = append(ops, opDel)
				x--
			}
		}
	}
	var hunks []hunk
	ai, bi := pre, pre
	for i := len(ops) - 1; i >= 0; {
		if ops[i] == opEq {
			ai++
			bi++
			i--
			continue
		}
		h := hunk{a0: ai, b0: bi}
		for ; i >= 0 && ops[i] != opEq; i-- {
			if ops[i] == opDel {
				ai++
			} else {
				bi++
			}
		}
		h.a1, h.b1 = ai, bi
		hunks = append(hunks, h)
	}
	return hunks, true
}

// contextLines is how many unchanged lines a unified diff shows around a change.
const contextLines = 3

// WriteDiff writes one git-style unified diff (a/ and b/ prefixes) of every changed file,
// which `git apply` and `patch -p1` accept.
func WriteDiff(w io.Writer, files []*File) error {
	bw := bufio.NewWriter(w)
	for _, f := range files {
		if err := writeFileDiff(bw, f); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func writeFileDiff(w *bufio.Writer, f *File) error {
	name := diffPath(f.Path)
	a, b := splitLines(f.Orig), splitLines(f.Data)
	hunks := diffLines(a, b)
	if len(hunks) == 0 {
		return nil
	}
	fmt.Fprintf(w, "diff --git a/%s b/%s\n", name, name)
	if f.Created {
		fmt.Fprintf(w, "new file mode 100644\n--- /dev/null\n")
	} else {
		fmt.Fprintf(w, "--- a/%s\n", name)
	}
	fmt.Fprintf(w, "+++ b/%s\n", name)
	for i := 0; i < len(hunks); {
		// Merge hunks whose context would touch.
		j := i
		for j+1 < len(hunks) && hunks[j+1].a0-hunks[j].a1 <= 2*contextLines {
			j++
		}
		first, last := hunks[i], hunks[j]
		a0 := max(first.a0-contextLines, 0)
		a1 := min(last.a1+contextLines, len(a))
		b0 := first.b0 - (first.a0 - a0)
		b1 := last.b1 + (a1 - last.a1)
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(a0, a1-a0), hunkRange(b0, b1-b0))
		ai := a0
		for k := i; k <= j; k++ {
			h := hunks[k]
			for ; ai < h.a0; ai++ {
				writeLine(w, ' ', a[ai])
			}
			for _, l := range a[h.a0:h.a1] {
				writeLine(w, '-', l)
			}
			for _, l := range b[h.b0:h.b1] {
				writeLine(w, '+', l)
			}
			ai = h.a1
		}
		for ; ai < a1; ai++ {
			writeLine(w, ' ', a[ai])
		}
		i = j + 1
	}
	return nil
}

func writeLine(w *bufio.Writer, prefix byte, line string) {
	w.WriteByte(prefix)
	w.WriteString(line)
	if !strings.HasSuffix(line, "\n") {
		w.WriteString("\n\\ No newline at end of file\n")
	}
}

// hunkRange renders "start,count" the way diff does: an empty range starts at the line
// before it, and a count of one is left out.
func hunkRange(start, count int) string {
	switch count {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, count)
}

func diffPath(p string) string {
	p = filepath.ToSlash(p)
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	return p
}

// Edits returns the line-granular edits that turn before into after: the net effect of all
// changes applied to a file, as a go/analysis SuggestedFix would carry it.
func Edits(before, after []byte) []yamledit.TextEdit {
	a, b := splitLines(before), splitLines(after)
	var edits []yamledit.TextEdit
	offA := lineOffsets(a)
	offB := lineOffsets(b)
	for _, h := range diffLines(a, b) {
		edits = append(edits, yamledit.TextEdit{
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
