package check_test

import (
	"reflect"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

func TestFixConstructors(t *testing.T) {
	p := fieldpath.New("spec", "x")
	got := check.NewFix("do it", true, check.SetTo(p, false), check.Remove(p), check.AppendTo(p, "ALL"))
	want := &finding.Fix{Description: "do it", Safe: true, Changes: []finding.Change{
		{Op: finding.Set, Path: p, Value: false},
		{Op: finding.Remove, Path: p},
		{Op: finding.Append, Path: p, Value: "ALL"},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// advice only: no changes, as the literal it replaces had
	if f := check.NewFix("advice", false); f.Changes != nil || f.Safe {
		t.Errorf("advice fix %+v", f)
	}
}
