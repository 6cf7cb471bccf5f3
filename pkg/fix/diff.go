package fix

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"
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

// diffLines computes a shortest edit script (Myers' O(ND) algorithm) and returns it as
// hunks. Fixes touch few lines of large files, so the common prefix and suffix are trimmed
// first and D stays small.
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
	const (
		opEq = iota
		opDel
		opIns
	)
	n, m := len(A), len(B)
	total := n + m
	if total == 0 {
		return nil
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
	return hunks
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
