package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// TestLintReadsWhatTheAPIServerGets: a manifest that kubectl reads differently from its
// first reading exits 2 with the error at its line, and the finding for the value the API
// server keeps is reported too.
func TestLintReadsWhatTheAPIServerGets(t *testing.T) {
	const head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext:\n"
	for _, tc := range []struct {
		name    string
		src     string
		errLine int
		errText string // "" when the input is valid and only the finding is expected
	}{
		{"duplicate key keeps the last value", head + "      privileged: false\n      privileged: true\n", 11, `duplicate key "privileged" (first at line 10)`},
		{"duplicate kind", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n", 5, `duplicate key "kind" (first at line 2)`},
		{"JSON duplicate", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"nginx:1.27","securityContext":{"privileged":false,"privileged":true}}]}}` + "\n", 1, `duplicate key "privileged"`},
		{"tagged boolean", head + "      privileged: !!bool \"true\"\n", 0, ""},
		{"yes is true", head + "      privileged: yes\n", 0, ""},
		{"alias key", head + "      x: &k privileged\n      *k : true\n", 0, ""},
		{"any kind with items is a list", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(head+"      privileged: true\n", "\n"), "\n", "\n  ") + "\n", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := testtree.Write(t, map[string]string{"pod.yaml": tc.src})
			file := filepath.Join(root, "pod.yaml")
			out, code := run(t, "", "lint", file, "-o", "json", "--enable", "privileged-container")
			want := 1
			if tc.errText != "" {
				want = 2
			}
			if code != want {
				t.Fatalf("exit %d, want %d\n%s", code, want, out)
			}
			body := out[strings.Index(out, "--- stdout\n")+len("--- stdout\n") : strings.Index(out, "--- stderr\n")]
			var rep struct {
				Findings []struct {
					Check string `json:"check"`
					Line  int    `json:"line"`
				} `json:"findings"`
				Errors []struct {
					File    string `json:"file"`
					Line    int    `json:"line"`
					Message string `json:"message"`
				} `json:"errors"`
			}
			if err := json.Unmarshal([]byte(body), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			found := false
			for _, f := range rep.Findings {
				found = found || f.Check == "privileged-container"
			}
			if !found {
				t.Errorf("no privileged-container finding for the value the API server keeps\n%s", out)
			}
			if tc.errText == "" {
				if len(rep.Errors) != 0 {
					t.Errorf("errors %+v, want none", rep.Errors)
				}
				return
			}
			if len(rep.Errors) != 1 || rep.Errors[0].Line != tc.errLine || !strings.Contains(rep.Errors[0].Message, tc.errText) {
				t.Errorf("errors %+v, want one at line %d with %q", rep.Errors, tc.errLine, tc.errText)
			}
		})
	}
}
