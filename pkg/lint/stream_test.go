package lint_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// TestStream: per-object checks see the objects of one input; cross-object checks see the
// facts of all inputs in input order, whatever order the inputs came in, and no objects;
// facts shared by two checks are read once per object; findings located by At survive the
// release of the objects.
func TestStream(t *testing.T) {
	var inputs [][]*manifest.Object
	for i := range 4 {
		res := manifest.Parse(fmt.Sprintf("f%d.yaml", i), []byte(fmt.Sprintf(
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a%d\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b%d\n", i, i)), manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		inputs = append(inputs, res.Objects)
	}
	var mu sync.Mutex
	var batches []int
	perObject := &check.Check{ID: "per-object", Category: "test", Severity: finding.Low, Run: func(p *check.Pass) {
		mu.Lock()
		batches = append(batches, len(p.Objects))
		mu.Unlock()
		p.ForEachObject(func(o *manifest.Object) { p.Reportf(o, fieldpath.New("metadata", "name"), "seen") })
	}}
	var reads int
	names := &check.Facts{Name: "names", Of: func(o *manifest.Object, _ *check.Settings) any {
		mu.Lock()
		reads++
		mu.Unlock()
		at := o.Locate(fieldpath.New("metadata", "name"))
		return &at
	}}
	var orders [2]string
	crossObject := func(i int) *check.Check {
		return &check.Check{ID: fmt.Sprintf("cross-object-%d", i), Category: "test", Severity: finding.Low, Facts: names, Run: func(p *check.Pass) {
			if len(p.Objects) != 0 {
				t.Errorf("a cross-object check was given %d objects", len(p.Objects))
			}
			var order []string
			for _, f := range p.Facts {
				order = append(order, f.Object.Ref.Name)
				p.Report(check.Diagnostic{Object: f.Object, Path: fieldpath.New("metadata", "name"), At: f.Value.(*manifest.Position), Message: "related"})
			}
			orders[i] = strings.Join(order, ",")
		}}
	}
	s := lint.NewStream([]*check.Check{perObject, crossObject(0), crossObject(1)}, nil, len(inputs))
	var wg sync.WaitGroup
	for _, i := range []int{3, 1, 0, 2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Input(i, inputs[i])
			for _, o := range inputs[i] {
				o.Release()
			}
		}()
	}
	wg.Wait()
	got := s.Finish()

	if fmt.Sprint(batches) != "[2 2 2 2]" {
		t.Errorf("per-object check saw batches %v, want one per input", batches)
	}
	if reads != 8 {
		t.Errorf("facts read %d times, want once per object (8)", reads)
	}
	for i, order := range orders {
		if order != "a0,b0,a1,b1,a2,b2,a3,b3" {
			t.Errorf("cross-object check %d saw facts in order %s", i, order)
		}
	}
	if len(got) != 24 {
		t.Fatalf("%d findings, want 24", len(got))
	}
	for _, f := range got {
		want := 4 // metadata.name of the first object
		if strings.HasPrefix(f.Object.Name, "b") {
			want = 9
		}
		if f.Line != want || f.Column != 9 {
			t.Errorf("%s %s at %s:%d:%d, want line %d column 9", f.Check, f.Object.Name, f.File, f.Line, f.Column, want)
		}
	}
}
