// Package policies holds ready ValidatingAdmissionPolicies for `kubectl secure lint
// --policy`; this test runs each through the real evaluator (the API server's CEL code,
// pkg/policy/cel) over its fixtures.
package policies

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/pipeline"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/policy/cel"
)

// want reads the "# want: CHECK" markers of a fixture as "line CHECK" strings.
var wantMarker = regexp.MustCompile(`#\s*want:\s*(\S+)`)

func want(t *testing.T, file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i, line := range strings.Split(string(data), "\n") {
		if m := wantMarker.FindStringSubmatch(line); m != nil {
			out = append(out, fmt.Sprintf("%d %s", i+1, m[1]))
		}
	}
	return out
}

// TestPolicies: every policy of this directory reports exactly the marked lines of its
// bad.yaml and nothing on its good.yaml.
func TestPolicies(t *testing.T) {
	files, _ := filepath.Glob("*.yaml")
	if len(files) < 4 {
		t.Fatalf("want the ready policies here, found %v", files)
	}
	for _, file := range files {
		name := strings.TrimSuffix(file, ".yaml")
		t.Run(name, func(t *testing.T) {
			ps, err := policy.Load([]string{file})
			if err != nil {
				t.Fatal(err)
			}
			run, err := policy.NewRun(ps, "test")
			if err != nil {
				t.Fatal(err)
			}
			for _, fixture := range []string{"good.yaml", "bad.yaml"} {
				path := filepath.Join("testdata", name, fixture)
				res, err := pipeline.Lint(context.Background(), pipeline.Options{Paths: []string{path}, Checks: run.Checks(), PolicyErrors: run.Errors})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Errors) > 0 {
					t.Fatalf("%s: %v", path, res.Errors)
				}
				var got []string
				for _, f := range res.Findings {
					got = append(got, fmt.Sprintf("%d %s", f.Line, f.Check))
				}
				sort.Strings(got)
				exp := want(t, path)
				sort.Strings(exp)
				if strings.Join(got, "\n") != strings.Join(exp, "\n") {
					t.Errorf("%s: findings\n%s\nwant\n%s\n(%v)", path, strings.Join(got, "\n"), strings.Join(exp, "\n"), res.Findings)
				}
			}
		})
	}
}
