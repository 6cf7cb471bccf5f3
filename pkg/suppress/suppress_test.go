package suppress

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	_ "github.com/kubectl-secure/kubectl-secure/pkg/checks/all"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// plainPod has hostPID on line 7 and privileged on line 12.
const plainPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  hostPID: true
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
`

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
      labels: {app: api}
      annotations:
        kubectl-secure.io/ignore: "privileged-container: needs /dev/fuse"
    spec:
      containers:
      - name: api
        image: nginx:1.27
        securityContext:
          privileged: true
`

var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type tcase struct {
	name   string
	files  map[string]string // file name -> content
	config string            // .kubectl-secure.yaml content, "" for none
	ids    []string          // checks to run; default privileged-container, host-namespaces
	whole  bool
	want   []string
	// builds, when set, are Kustomize directories (relative to the files, which are then
	// written to disk) linted instead of the files as plain manifests.
	builds []string
	// mode is the suppressions mode; "" is all.
	mode Mode
	// namespace is --namespace.
	namespace string
}

// run lints the files, applies suppressions and renders the result one line per item:
// "kept check@file:line", "suppressed check@file:line by source@file:line: reason",
// "extra check@file:line: message", "error file:line: message".
func run(t *testing.T, tc tcase) []string {
	t.Helper()
	var objs []*manifest.Object
	readFile := func(name string) ([]byte, error) {
		if src, ok := tc.files[name]; ok {
			return []byte(src), nil
		}
		return nil, os.ErrNotExist
	}
	if tc.builds != nil {
		testtree.Enter(t, tc.files)
		cache := kustomize.NewCache()
		for _, dir := range tc.builds {
			built, err := kustomize.Build(dir, cache)
			if err != nil {
				t.Fatalf("build %s: %v", dir, err)
			}
			objs = append(objs, built...)
		}
		readFile = os.ReadFile
	}
	for name, src := range tc.files {
		if tc.builds != nil {
			break
		}
		res := manifest.Parse(name, []byte(src), manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatalf("parse %s: %v", name, res.Err)
		}
		objs = append(objs, res.Objects...)
	}
	ids := tc.ids
	if ids == nil {
		ids = []string{"privileged-container", "host-namespaces"}
	}
	var cs []*check.Check
	for _, id := range append(ids, StaleID, ExpiredID) {
		c := check.Lookup(id)
		if c == nil {
			t.Fatalf("no check %q", id)
		}
		cs = append(cs, c)
	}
	findings := lint.RunChecks(cs, objs, nil)
	var cfg *config.Config
	if tc.config != "" {
		var err error
		cfg, err = config.Parse([]byte(tc.config))
		if err != nil {
			t.Fatalf("config: %v", err)
		}
		cfg.Path = ".kubectl-secure.yaml"
	}
	res := Apply(findings, objs, Options{Config: cfg, Checks: cs, Now: fixedNow, WholeProject: tc.whole,
		Mode: tc.mode, Namespace: tc.namespace, ReadFile: readFile})
	// Reports show each place once (finding.Merge), as the lint pipeline does: a base
	// line that two builds reach is one finding.
	var out []string
	for _, f := range finding.Merge(res.Kept) {
		out = append(out, fmt.Sprintf("kept %s@%s:%d", f.Check, f.File, f.Line))
	}
	for _, s := range MergeSuppressed(res.Suppressed) {
		out = append(out, fmt.Sprintf("suppressed %s@%s:%d by %s@%s:%d: %s", s.Finding.Check, s.Finding.File, s.Finding.Line, s.Source, s.File, s.Line, s.Reason))
	}
	for _, f := range res.Extra {
		out = append(out, fmt.Sprintf("extra %s@%s:%d: %s", f.Check, f.File, f.Line, f.Message))
	}
	for _, e := range res.Errors {
		out = append(out, "error "+e.Error())
	}
	if res.Ignored != (Ignored{}) {
		out = append(out, fmt.Sprintf("ignored %d suppressions, %d findings", res.Ignored.Suppressions, res.Ignored.Findings))
	}
	return out
}

func check1(t *testing.T, cases []tcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, tc)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d lines, want %d\n got: %s\nwant: %s", len(got), len(tc.want), strings.Join(got, "\n      "), strings.Join(tc.want, "\n      "))
			}
			for i := range got {
				// A want line ending in "..." matches as a prefix, for long messages.
				w := tc.want[i]
				if p, ok := strings.CutSuffix(w, "..."); ok && strings.HasPrefix(got[i], p) {
					continue
				}
				if got[i] != w {
					t.Errorf("line %d\n got: %s\nwant: %s", i, got[i], w)
				}
			}
		})
	}
}

func TestComments(t *testing.T) {
	check1(t, []tcase{
		{name: "none", files: map[string]string{"p.yaml": plainPod}, want: []string{
			"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12"}},
		{name: "trailing comment on the line", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged-container needs /dev/fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:12 by comment@p.yaml:12: needs /dev/fuse"}},
		{name: "comment alone on the line above", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "      privileged: true", "      # kubectl-secure:ignore privileged-container: needs /dev/fuse\n      privileged: true", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:13 by comment@p.yaml:12: needs /dev/fuse"}},
		{name: "stacked comments above", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "      privileged: true", "      # kubectl-secure:ignore privileged-container needs /dev/fuse\n      # kubectl-secure:ignore host-namespaces nothing else\n      privileged: true", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:14 by comment@p.yaml:12: needs /dev/fuse",
				"extra stale-suppression@p.yaml:13: suppression of host-namespaces matches no finding on line 14..."}},
		{name: "several checks in one comment", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore host-namespaces,privileged-container fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:12 by comment@p.yaml:12: fuse"}},
		{name: "checks separated by comma and space, reason after a colon", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore host-namespaces, privileged-container: fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:12 by comment@p.yaml:12: fuse"}},
		{name: "category", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore security-context fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:12 by comment@p.yaml:12: fuse"}},
		{name: "other check does not match and is stale", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore host-namespaces wrong", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra stale-suppression@p.yaml:12: suppression of host-namespaces matches no finding on line 12: remove it, or move it to the line it is meant for"}},
		{name: "wrong line", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "securityContext:", "securityContext: # kubectl-secure:ignore privileged-container fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra stale-suppression@p.yaml:11: suppression of privileged-container matches no finding on line 11..."}},
		{name: "missing reason is an error", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged-container", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				`error p.yaml:12: suppression comment has no reason: write "# kubectl-secure:ignore privileged-container <why it is accepted>"`}},
		{name: "no check named is an error", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				`error p.yaml:12: suppression comment names no check...`}},
		{name: "unknown check is an error", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"error p.yaml:12: suppression comment: unknown check or category \"privileged\" (see `kubectl secure checks`)"}},
		{name: "not stale when the check did not run", ids: []string{"host-namespaces"}, files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "securityContext:", "securityContext: # kubectl-secure:ignore privileged-container fuse", 1)},
			want: []string{"kept host-namespaces@p.yaml:7"}},
		{name: "marker inside a quoted string is not a comment", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "  name: web\n", "  name: web\n  labels: {note: \"# kubectl-secure:ignore privileged-container x\"}\n", 1)},
			want: []string{"kept host-namespaces@p.yaml:8", "kept privileged-container@p.yaml:13"}},
		{name: "marker inside a block scalar is not a comment", files: map[string]string{
			"p.yaml": plainPod + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  run.sh: |\n    # kubectl-secure:ignore privileged-container\n    echo\n  other: x # kubectl-secure:ignore host-namespaces after the block\n"},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra stale-suppression@p.yaml:21: suppression of host-namespaces matches no finding on line 21..."}},
		{name: "marker-like word is not a suppression", files: map[string]string{
			"p.yaml": strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignored privileged-container x", 1)},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12"}},
		{name: "comment at the end of the file applies to nothing", files: map[string]string{
			"p.yaml": plainPod + "# kubectl-secure:ignore privileged-container fuse\n"},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra stale-suppression@p.yaml:13: suppression of privileged-container matches no finding on line 14..."}},
	})
}

func TestAnnotations(t *testing.T) {
	withAnn := func(v string) string {
		return strings.Replace(plainPod, "  namespace: shop\n", "  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: "+v+"\n", 1)
	}
	check1(t, []tcase{
		{name: "object annotation", files: map[string]string{"p.yaml": withAnn(`"privileged-container: needs /dev/fuse"`)},
			want: []string{"kept host-namespaces@p.yaml:9", "suppressed privileged-container@p.yaml:14 by annotation@p.yaml:7: needs /dev/fuse"}},
		{name: "several checks and a category", files: map[string]string{"p.yaml": withAnn(`"privileged-container, host-access: node agent"`)},
			want: []string{"suppressed host-namespaces@p.yaml:9 by annotation@p.yaml:7: node agent", "suppressed privileged-container@p.yaml:14 by annotation@p.yaml:7: node agent"}},
		{name: "one suppression per line", files: map[string]string{"p.yaml": withAnn("|\n      privileged-container: fuse\n      host-namespaces: debugger")},
			want: []string{"suppressed host-namespaces@p.yaml:11 by annotation@p.yaml:9: debugger", "suppressed privileged-container@p.yaml:16 by annotation@p.yaml:8: fuse"}},
		{name: "pod template annotation", files: map[string]string{"d.yaml": deployment},
			want: []string{"suppressed privileged-container@d.yaml:18 by annotation@d.yaml:12: needs /dev/fuse"}},
		{name: "other object is not suppressed", files: map[string]string{"d.yaml": deployment, "p.yaml": plainPod},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12", "suppressed privileged-container@d.yaml:18 by annotation@d.yaml:12: needs /dev/fuse"}},
		{name: "other check does not match and is stale", files: map[string]string{"p.yaml": withAnn(`"run-as-root-user: legacy"`)},
			ids:  []string{"privileged-container", "host-namespaces", "run-as-root-user"},
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14", `extra stale-suppression@p.yaml:7: suppression of run-as-root-user in annotation kubectl-secure.io/ignore matches no finding of Pod "web": remove it`}},
		{name: "missing reason is an error", files: map[string]string{"p.yaml": withAnn(`"privileged-container:"`)},
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14", `error p.yaml:7: annotation kubectl-secure.io/ignore: suppression of privileged-container has no reason...`}},
		{name: "check name alone is a missing reason", files: map[string]string{"p.yaml": withAnn(`"privileged-container"`)},
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14", `error p.yaml:7: annotation kubectl-secure.io/ignore: suppression of privileged-container has no reason: write "privileged-container: <why it is accepted>"`}},
		{name: "no colon is an error", files: map[string]string{"p.yaml": withAnn(`"privileged-container because fuse"`)},
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14", `error p.yaml:7: annotation kubectl-secure.io/ignore: "privileged-container because fuse" must be written "check-id[,check-id]: reason"`}},
		{name: "unknown check is an error", files: map[string]string{"p.yaml": withAnn(`"privileged-containers: typo"`)},
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14", "error p.yaml:7: annotation kubectl-secure.io/ignore: unknown check or category \"privileged-containers\"..."}},
	})
}

func TestConfig(t *testing.T) {
	files := map[string]string{"apps/p.yaml": plainPod, "apps/d.yaml": deployment}
	check1(t, []tcase{
		{name: "checks and names", files: files, config: "ignore:\n- checks: [host-namespaces]\n  names: [w*]\n  reason: debugger sidecar\n",
			want: []string{"kept privileged-container@apps/p.yaml:12", "suppressed privileged-container@apps/d.yaml:18 by annotation@apps/d.yaml:12: needs /dev/fuse", "suppressed host-namespaces@apps/p.yaml:7 by config@.kubectl-secure.yaml:2: debugger sidecar"}},
		{name: "category and path glob", files: files, config: "ignore:\n- checks: [security-context]\n  paths: ['**/p.yaml']\n  reason: legacy\n",
			want: []string{"kept host-namespaces@apps/p.yaml:7", "suppressed privileged-container@apps/d.yaml:18 by annotation@apps/d.yaml:12: needs /dev/fuse", "suppressed privileged-container@apps/p.yaml:12 by config@.kubectl-secure.yaml:2: legacy"}},
		{name: "directory path without checks", files: files, config: "ignore:\n- paths: [apps]\n  kinds: [pod]\n  reason: vendored\n",
			want: []string{"suppressed privileged-container@apps/d.yaml:18 by annotation@apps/d.yaml:12: needs /dev/fuse", "suppressed host-namespaces@apps/p.yaml:7 by config@.kubectl-secure.yaml:2: vendored", "suppressed privileged-container@apps/p.yaml:12 by config@.kubectl-secure.yaml:2: vendored"}},
		{name: "path that does not match", files: map[string]string{"apps/p.yaml": plainPod}, config: "ignore:\n- checks: [privileged-container]\n  paths: [other/**]\n  reason: legacy\n",
			want: []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12"}},
		{name: "namespace that does not match", files: map[string]string{"apps/p.yaml": plainPod}, config: "ignore:\n- checks: [privileged-container]\n  namespaces: [kube-*]\n  reason: system\n",
			want: []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12"}},
		{name: "namespace and kind that match", files: map[string]string{"apps/p.yaml": plainPod}, config: "ignore:\n- checks: [privileged-container]\n  namespaces: [sh*]\n  kinds: [Pod]\n  reason: system\n",
			want: []string{"kept host-namespaces@apps/p.yaml:7", "suppressed privileged-container@apps/p.yaml:12 by config@.kubectl-secure.yaml:2: system"}},
		{name: "expired entry reports and suppresses nothing", files: map[string]string{"apps/p.yaml": plainPod}, whole: true,
			config: "failOn: high\nignore:\n- checks: [privileged-container]\n  reason: until the migration\n  expires: 2025-05-31\n",
			want: []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12",
				"extra expired-suppression@.kubectl-secure.yaml:3: ignore entry (checks: privileged-container) expired on 2025-05-31 and no longer suppresses anything..."}},
		{name: "expired entry for objects not linted is not reported", files: map[string]string{"apps/p.yaml": plainPod},
			config: "ignore:\n- checks: [privileged-container]\n  paths: [legacy/**]\n  reason: until the migration\n  expires: 2025-05-31\n",
			want:   []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12"}},
		{name: "entry applies through its expiry day", files: map[string]string{"apps/p.yaml": plainPod},
			config: "ignore:\n- checks: [privileged-container]\n  reason: until the migration\n  expires: 2025-06-01\n",
			want:   []string{"kept host-namespaces@apps/p.yaml:7", "suppressed privileged-container@apps/p.yaml:12 by config@.kubectl-secure.yaml:2: until the migration"}},
		{name: "stale when its object was linted", files: map[string]string{"apps/p.yaml": plainPod},
			config: "ignore:\n- checks: [privileged-container]\n  names: [web]\n  reason: fuse\n- checks: [host-namespaces]\n  names: [nope]\n  reason: not linted this run\n",
			ids:    []string{"privileged-container", "host-namespaces", "run-as-root-user"},
			want:   []string{"kept host-namespaces@apps/p.yaml:7", "suppressed privileged-container@apps/p.yaml:12 by config@.kubectl-secure.yaml:2: fuse"}},
		{name: "stale entry for a linted object", files: map[string]string{"apps/p.yaml": plainPod},
			config: "ignore:\n- checks: [run-as-root-user]\n  names: [web]\n  reason: fixed long ago\n",
			ids:    []string{"privileged-container", "host-namespaces", "run-as-root-user"},
			want: []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12",
				"extra stale-suppression@.kubectl-secure.yaml:2: ignore entry (checks: run-as-root-user; names: web) matches no finding: remove it"}},
		{name: "checks-only entry is stale only for a whole-project run", files: map[string]string{"apps/p.yaml": plainPod}, whole: true,
			config: "ignore:\n- checks: [run-as-root-user]\n  reason: fixed long ago\n",
			ids:    []string{"privileged-container", "host-namespaces", "run-as-root-user"},
			want: []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12",
				"extra stale-suppression@.kubectl-secure.yaml:2: ignore entry (checks: run-as-root-user) matches no finding: remove it"}},
		{name: "checks-only entry in a partial run", files: map[string]string{"apps/p.yaml": plainPod},
			config: "ignore:\n- checks: [run-as-root-user]\n  reason: fixed long ago\n",
			ids:    []string{"privileged-container", "host-namespaces", "run-as-root-user"},
			want:   []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12"}},
		{name: "unknown check is an error", files: map[string]string{"apps/p.yaml": plainPod},
			config: "ignore:\n- checks: [privileged]\n  reason: typo\n",
			want: []string{"kept host-namespaces@apps/p.yaml:7", "kept privileged-container@apps/p.yaml:12",
				"error .kubectl-secure.yaml:2: ignore entry: unknown check or category \"privileged\"..."}},
	})
}

func TestPrecedenceAndDisabledChecks(t *testing.T) {
	both := strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged-container inline reason", 1)
	check1(t, []tcase{
		// The comment is the most specific and gives the reason; the entry is used too, so
		// neither is stale.
		{name: "comment wins over config", files: map[string]string{"p.yaml": both},
			config: "ignore:\n- checks: [privileged-container]\n  names: [web]\n  reason: config reason\n",
			want:   []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:12 by comment@p.yaml:12: inline reason"}},
	})
	// With the stale check disabled, nothing is reported about an unused suppression.
	objs := manifest.Parse("p.yaml", []byte(plainPod+"# kubectl-secure:ignore host-port fuse\n"), manifest.DefaultLimits).Objects
	res := Apply(nil, objs, Options{Checks: []*check.Check{check.Lookup("host-port")}, Now: fixedNow,
		ReadFile: func(string) ([]byte, error) {
			return []byte(plainPod + "# kubectl-secure:ignore host-port fuse\n"), nil
		}})
	if len(res.Extra)+len(res.Errors) != 0 {
		t.Errorf("stale reported with the check disabled: %+v", res)
	}
}

func TestValidateConfig(t *testing.T) {
	cfg, err := config.Parse([]byte("ignore:\n- checks: [host-port]\n  reason: ok\n- checks: [nope]\n  reason: typo\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Path = "c.yaml"
	err = ValidateConfig(cfg)
	var ie *finding.InputError
	if !errors.As(err, &ie) || ie.Line != 4 || !strings.HasPrefix(err.Error(), `c.yaml:4: ignore entry: unknown check or category "nope"`) {
		t.Errorf("ValidateConfig = %v", err)
	}
}

func TestRegistered(t *testing.T) {
	for _, id := range []string{StaleID, ExpiredID} {
		c := check.Lookup(id)
		if c == nil || c.Category != Category || c.Severity != finding.Low || c.Doc.Why == "" || c.Doc.Fix == "" {
			t.Errorf("%s: %+v", id, c)
		}
	}
}

func TestCommentStart(t *testing.T) {
	cases := []struct {
		line string
		want int
	}{
		{"# x", 0},
		{"a: b # x", 5},
		{"a: b#x", -1},
		{`a: "b # x"`, -1},
		{`a: 'it''s # x' # y`, 15},
		{`a: don't # x`, 9},
		{`a: ["#", 'b'] # x`, 14},
		{`- "a\" # b" # c`, 12},
	}
	for _, tc := range cases {
		if got := commentStart(tc.line); got != tc.want {
			t.Errorf("commentStart(%q) = %d, want %d", tc.line, got, tc.want)
		}
	}
}
