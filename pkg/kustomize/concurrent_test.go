package kustomize

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	fp "github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// TestBuildConcurrent builds overlays sharing a base at the same time with one cache, as
// pkg/load does; run with -race.
func TestBuildConcurrent(t *testing.T) {
	cache := NewCache()
	want := map[string]string{}
	for _, dir := range fixtures {
		objs, err := Build(dir, NewCache())
		if err != nil {
			t.Fatal(err)
		}
		want[dir] = locations(objs)
	}
	var wg sync.WaitGroup
	for range 2 {
		for _, dir := range fixtures {
			wg.Add(1)
			go func() {
				defer wg.Done()
				objs, err := Build(dir, cache)
				if err != nil {
					t.Error(err)
					return
				}
				if got := locations(objs); got != want[dir] {
					t.Errorf("%s: concurrent build located\n%s\nwant\n%s", dir, got, want[dir])
				}
			}()
		}
	}
	wg.Wait()
}

// locations summarizes where the fields a check typically reads are located.
func locations(objs []*manifest.Object) string {
	var b strings.Builder
	for _, o := range objs {
		for _, p := range []fp.Path{nil, fp.New("metadata", "name"), fp.New("metadata", "namespace"), app.Keys("image"),
			app.Keys("securityContext", "privileged"), podSpec.Keys("securityContext", "runAsNonRoot"), fp.New("data")} {
			fmt.Fprintf(&b, "%s %s %s\n", o.Ref, p, posString(o.Locate(p)))
		}
	}
	return b.String()
}
