package fieldpath

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func parseYAML(t testing.TB, src string) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	return &n
}

// containers writes a pod spec with n containers c0..c(n-1), then the extra items.
func containers(n int, extra string) string {
	var b strings.Builder
	b.WriteString("spec:\n  containers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: c%d\n    image: img\n", i)
	}
	b.WriteString(extra)
	return b.String()
}

// The index answers what Step answers, on small and large nodes alike: the first of
// duplicate items and keys, aliases followed, merge keys consulted after direct keys.
func TestStepIndexAgreesWithStep(t *testing.T) {
	for _, n := range []int{3, 100} {
		big := make([]string, 0, n)
		for i := 0; i < n; i++ {
			big = append(big, fmt.Sprintf("  k%d: v%d\n", i, i))
		}
		src := "anchors:\n  - &a {name: aliased, image: x}\n" +
			containers(n, "  - name: c1\n    image: second\n  - *a\n  - {image: noname}\n") +
			"big:\n" + strings.Join(big, "") + "  k1: dup\n  <<: {merged: yes}\n"
		root := parseYAML(t, src)
		x := &StepIndex{}
		paths := []Path{
			New("spec", "containers").Child(Select("name", "c1")).Keys("image"),
			New("spec", "containers").Child(Select("name", "aliased")).Keys("image"),
			New("spec", "containers").Child(Select("name", "missing")).Keys("image"),
			New("spec", "containers").Child(Select("image", "noname")),
			New("spec", "containers").Child(Index(n + 1)).Keys("name"),
			New("big", "k1"), New("big", "merged"), New("big", "absent"), New("big", "<<"),
		}
		for _, p := range paths {
			wn, wd, wdepth := Resolve(root, p)
			// Twice: the first call builds the tables, the second reads them.
			for range 2 {
				gn, gd, gdepth := x.Resolve(root, p)
				if gn != wn || gd != wd || gdepth != wdepth {
					t.Errorf("n=%d %s: index gives (%v, %v, %d), Step gives (%v, %v, %d)", n, p, gn, gd, gdepth, wn, wd, wdepth)
				}
			}
		}
	}
}

// Locating every container of a pod by name is linear with the index: the items it
// examines grow as n, where a scan per lookup grows as n² (26 s for 20,000 containers).
func TestStepIndexIsLinear(t *testing.T) {
	work := func(n int) int {
		root := parseYAML(t, containers(n, ""))
		x := &StepIndex{}
		for i := 0; i < n; i++ {
			p := New("spec", "containers").Child(Select("name", fmt.Sprintf("c%d", i))).Keys("image")
			if got := x.Lookup(root, p); got == nil || got.Value != "img" {
				t.Fatalf("n=%d: %s not found", n, p)
			}
		}
		return x.examined
	}
	small, large := work(2000), work(8000)
	if ratio := float64(large) / float64(small); ratio >= 6 {
		t.Errorf("4× the containers examined %.1f× the items (%d, %d): not linear", ratio, small, large)
	}
}

func BenchmarkStepIndexSelect(b *testing.B) {
	root := parseYAML(b, containers(20000, ""))
	for b.Loop() {
		x := &StepIndex{}
		for i := 0; i < 20000; i += 97 {
			x.Lookup(root, New("spec", "containers").Child(Select("name", fmt.Sprintf("c%d", i))))
		}
	}
}
