package fix

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

func manyContainers(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata:\n  name: big\nspec:\n  containers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: c%d\n    image: img\n", i)
	}
	return b.String()
}

// fixEveryContainer applies, as --diff does, two fixes per container of an n-container
// pod (the second touches what the first created, so it needs a batch of its own) and a
// removal, and returns the fixed text and its diff.
func fixEveryContainer(t testing.TB, n int) (string, string) {
	src := manyContainers(n)
	res := manifest.Parse("p.yaml", []byte(src), manifest.DefaultLimits)
	obj := res.Objects[0]
	var fs []finding.Finding
	c := func(i int) fieldpath.Path {
		return fieldpath.New("spec", "containers").Child(fieldpath.Select("name", fmt.Sprintf("c%d", i)))
	}
	for i := 0; i < n; i++ {
		fs = append(fs, findingFor(obj, true, finding.Change{Op: finding.Set, Path: c(i).Keys("securityContext", "runAsNonRoot"), Value: true}))
	}
	for i := 0; i < n; i++ {
		fs = append(fs, findingFor(obj, true, finding.Change{Op: finding.Set, Path: c(i).Keys("securityContext", "readOnlyRootFilesystem"), Value: true}))
	}
	fs = append(fs, findingFor(obj, true, finding.Change{Op: finding.Remove, Path: c(n / 2).Keys("image")}))
	ws := NewWorkspace(memReader(map[string][]byte{"p.yaml": []byte(src)}))
	r := Apply(ws, fs, Options{})
	if failed := r.Failed(); len(failed) > 0 {
		t.Fatalf("n=%d: %d fixes failed: %s", n, len(failed), r.Log())
	}
	var diff strings.Builder
	if err := WriteDiff(&diff, ws.Changed()); err != nil {
		t.Fatal(err)
	}
	f, _ := ws.Open("p.yaml")
	return string(f.Data), diff.String()
}

// A fix per container is applied in batches: the result is what fixing them one by one
// gives, every container fixed once, and the diff rebuilds it.
func TestBatchedFixesMatchOneByOne(t *testing.T) {
	for _, n := range []int{3, 40, 600} {
		got, diff := fixEveryContainer(t, n)
		want := manyContainers(n)
		for i := 0; i < n; i++ {
			extra := "    securityContext:\n      runAsNonRoot: true\n      readOnlyRootFilesystem: true\n"
			img := "    image: img\n"
			if i == n/2 {
				img = ""
			}
			want = strings.Replace(want, fmt.Sprintf("  - name: c%d\n    image: img\n", i), fmt.Sprintf("  - name: c%d\n%s%s", i, img, extra), 1)
		}
		if got != want {
			t.Errorf("n=%d: fixed text differs from one-by-one:\n%s", n, firstDifference(got, want))
		}
		if rebuilt := applyUnifiedDiff(t, manyContainers(n), diff); rebuilt != got {
			t.Errorf("n=%d: the diff does not rebuild the fixed text:\n%s", n, firstDifference(rebuilt, got))
		}
	}
}

// Planning and diffing fixes is linear: 4× the containers allocate less than 6× the
// bytes (applying one change at a time re-parsed the pod per change, and a shortest diff
// keeps an O(D²) trace). Bytes allocated, not time, so the test holds on a busy machine.
func TestFixesScaleLinearly(t *testing.T) {
	alloc := func(n int) uint64 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		fixEveryContainer(t, n)
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	alloc(50) // warm up
	small, large := alloc(500), alloc(2000)
	if ratio := float64(large) / float64(small); ratio >= 6 {
		t.Errorf("4× the containers allocated %.1f× the bytes (%d, %d): not linear", ratio, small, large)
	}
}

func BenchmarkFixManyContainers(b *testing.B) {
	for b.Loop() {
		fixEveryContainer(b, 20000)
	}
}

// applyUnifiedDiff applies the hunks of a one-file unified diff to src.
func applyUnifiedDiff(t *testing.T, src, diff string) string {
	t.Helper()
	old := splitLines([]byte(src))
	var out []string
	at := 0
	lines := strings.SplitAfter(diff, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "@@ -") {
			continue
		}
		var a0, a1, b0, b1 int
		if _, err := fmt.Sscanf(l, "@@ -%d,%d +%d,%d @@", &a0, &a1, &b0, &b1); err != nil {
			t.Fatalf("hunk header %q: %v", l, err)
		}
		start := a0 - 1
		if a1 == 0 {
			start = a0
		}
		out = append(out, old[at:start]...)
		at = start
		for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "@@") {
			i++
			switch body := lines[i]; body[0] {
			case ' ':
				out = append(out, body[1:])
				at++
			case '-':
				at++
			case '+':
				out = append(out, body[1:])
			}
		}
	}
	out = append(out, old[at:]...)
	return strings.Join(out, "")
}

func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-80)
	return fmt.Sprintf("at byte %d:\n%q\nvs\n%q", i, a[lo:min(len(a), i+80)], b[lo:min(len(b), i+80)])
}
