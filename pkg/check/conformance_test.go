package check_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/cli"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

var update = flag.Bool("update", false, "rewrite the bad.yaml.golden files of the conformance examples")

// Every registered check is held here to the same contract, instead of one copy of these
// tests per family (go/analysis validates every analyzer the same way). A check's examples
// live beside its code, in its package's testdata/conformance/<check-id>/:
//
//	bad.yaml         fires; each line that must be reported says so: `# want: <check-id>`,
//	                 optionally followed by a quoted regular expression the message matches
//	good.yaml        the same objects done right: the check stays silent
//	bad.yaml.golden  bad.yaml after `--fix --unsafe-fixes`, when the check's fix changes it;
//	NAME.golden      a file the fix creates beside it (a default-deny NetworkPolicy)
//	args             optional: extra lint flags, one per line (a config file, a setting)
//	good.args        optional: the flags for good.yaml, when they differ
//	other files      read by the flags (a config file); they may carry markers too
//
// The examples run through the real command line, so what is tested is what users get:
// discovery, loading, the check, locating, suppression and fixing.
func TestConformance(t *testing.T) {
	root := testenv.RepoRoot(t)
	var dirs []string
	for _, pattern := range []string{"pkg/checks/*/testdata/conformance/*", "pkg/*/testdata/conformance/*"} {
		found, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, found...)
	}
	byID := map[string]string{}
	for _, d := range dirs {
		id := filepath.Base(d)
		if prev, dup := byID[id]; dup {
			t.Errorf("check %s has two example folders: %s and %s", id, prev, d)
		}
		byID[id] = d
	}
	registered := map[string]bool{}
	for _, c := range check.All() {
		registered[c.ID] = true
		t.Run(c.ID, func(t *testing.T) {
			checkDoc(t, c)
			checkReferences(t, c)
			dir, ok := byID[c.ID]
			if !ok {
				t.Fatalf("no examples: add pkg/checks/<family>/testdata/conformance/%s/{bad,good}.yaml", c.ID)
			}
			conform(t, c, dir)
		})
	}
	for id, d := range byID {
		if !registered[id] {
			t.Errorf("%s holds examples of %q, which is not a registered check", d, id)
		}
	}
}

// checkDoc holds the documentation `kubectl secure checks ID` prints to be complete.
func checkDoc(t *testing.T, c *check.Check) {
	t.Helper()
	for name, text := range map[string]string{"title": c.Doc.Title, "why": c.Doc.Why, "bad": c.Doc.Bad, "good": c.Doc.Good, "fix": c.Doc.Fix} {
		if strings.TrimSpace(text) == "" {
			t.Errorf("doc has no %s", name)
		}
	}
	if strings.HasSuffix(c.Doc.Title, ".") {
		t.Errorf("doc title ends with a period: %q", c.Doc.Title)
	}
}

// checkReferences holds every check to name the published controls it implements (see
// check.Reference and DEVELOPERS.md), in the frameworks' own IDs and titles, each once.
// The suppression checks are the one exception: they judge kubectl-secure's own ignore
// entries, which no framework has a control for.
func checkReferences(t *testing.T, c *check.Check) {
	t.Helper()
	if len(c.References) == 0 && c.Category != "suppression" {
		t.Errorf("no References: name the CIS Kubernetes Benchmark, NSA/CISA guide or MITRE ATT&CK controls the check implements (check.CIS, check.NSA, check.MITRE)")
	}
	seen := map[string]bool{}
	for _, r := range c.References {
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
		if !keyForm.MatchString(r.Key()) {
			t.Errorf("reference key %q is not of the form framework-id", r.Key())
		}
		if seen[r.Key()] {
			t.Errorf("reference %s named twice", r.Key())
		}
		seen[r.Key()] = true
	}
}

// keyForm is what users type after --enable: lower case, no spaces, the framework first.
var keyForm = regexp.MustCompile(`^(cis-[0-9]+(\.[0-9]+)+|mitre-t[0-9]{4}(\.[0-9]{3})?|nsa-[a-z]+(-[a-z]+)*(/[a-z]+(-[a-z]+)*)?)$`)

// want is one `# want:` marker: the line that must be reported and what its message says.
type want struct {
	line    int
	message *regexp.Regexp
}

var wantMarker = regexp.MustCompile(`#\s*want:\s*([a-z0-9-]+)(?:\s+"((?:[^"\\]|\\.)*)")?`)

// wants reads the markers for check id from src.
func wants(t *testing.T, src []byte, id string) []want {
	t.Helper()
	var out []want
	for i, line := range strings.Split(string(src), "\n") {
		for _, m := range wantMarker.FindAllStringSubmatch(line, -1) {
			if m[1] != id {
				continue
			}
			w := want{line: i + 1}
			if m[2] != "" {
				re, err := regexp.Compile(strings.ReplaceAll(m[2], `\"`, `"`))
				if err != nil {
					t.Fatalf("line %d: bad want pattern: %v", i+1, err)
				}
				w.message = re
			}
			out = append(out, w)
		}
	}
	return out
}

// reported is what the JSON report says of one finding.
type reported struct {
	Check   string `json:"check"`
	Message string `json:"message"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Fix     *struct {
		Safe bool `json:"safe"`
	} `json:"fix"`
}

// lint runs the command line in dir and returns the findings of check id.
func lint(t *testing.T, dir, id string, args ...string) ([]reported, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	code := cli.Execute(append([]string{"lint", "--enable", id}, args...), streams)
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}
	if code == 2 {
		t.Fatalf("lint %v: exit 2\n%s", args, errOut.String())
	}
	var report struct {
		Findings []reported `json:"findings"`
	}
	if containsPair(args, "-o", "json") {
		if err := json.Unmarshal(out.Bytes(), &report); err != nil {
			t.Fatalf("lint %v: %v\n%s", args, err, out.String())
		}
	}
	var mine []reported
	for _, f := range report.Findings {
		if f.Check == id {
			mine = append(mine, f)
		}
	}
	return mine, errOut.String()
}

func containsPair(args []string, a, b string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == a && args[i+1] == b {
			return true
		}
	}
	return false
}

// conform runs one check's examples.
func conform(t *testing.T, c *check.Check, src string) {
	bad, err := os.ReadFile(filepath.Join(src, "bad.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "good.yaml")); err != nil {
		t.Fatal(err)
	}
	extra := readArgs(t, filepath.Join(src, "args"), nil)
	goodExtra := readArgs(t, filepath.Join(src, "good.args"), extra)
	marks := map[string][]want{"bad.yaml": wants(t, bad, c.ID)}
	n := len(marks["bad.yaml"])
	others, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range others {
		switch name := e.Name(); {
		case e.IsDir(), name == "bad.yaml", name == "good.yaml", name == "args", name == "good.args", strings.HasSuffix(name, ".golden"):
		default:
			data, err := os.ReadFile(filepath.Join(src, name))
			if err != nil {
				t.Fatal(err)
			}
			marks[name] = wants(t, data, c.ID)
			n += len(marks[name])
		}
	}
	if n == 0 {
		t.Fatalf("bad.yaml marks no line with `# want: %s`", c.ID)
	}

	// Work on a copy: the fix step writes.
	dir := t.TempDir()
	copyDir(t, src, dir)
	got, _ := lint(t, dir, c.ID, append(append([]string(nil), extra...), "-o", "json", "bad.yaml")...)
	matchWants(t, marks, got)
	if silent, _ := lint(t, dir, c.ID, append(append([]string(nil), goodExtra...), "-o", "json", "good.yaml")...); len(silent) > 0 {
		t.Errorf("good.yaml fires: %s", describe(silent))
	}

	// The fix step works on a folder holding bad.yaml alone (and the files args names), so
	// files a fix creates (a NetworkPolicy beside the workload) show up as new files.
	fixDir := t.TempDir()
	copyDir(t, dir, fixDir)
	if err := os.Remove(filepath.Join(fixDir, "good.yaml")); err != nil {
		t.Fatal(err)
	}
	before := readDir(t, fixDir)
	fixArgs := append(append([]string(nil), extra...), "--fix", "--unsafe-fixes", ".")
	lint(t, fixDir, c.ID, fixArgs...)
	fixed := readDir(t, fixDir)
	changed := map[string]bool{}
	for name, data := range fixed {
		if old, ok := before[name]; !ok || !bytes.Equal(old, data) {
			changed[name] = true
		}
	}
	goldens, _ := filepath.Glob(filepath.Join(src, "*.golden"))
	for _, g := range goldens {
		name := strings.TrimSuffix(filepath.Base(g), ".golden")
		if !changed[name] && !*update {
			t.Errorf("%s: the fix no longer changes %s", g, name)
		}
	}
	if len(changed) == 0 {
		// Advice only (pin a digest, move a Secret out of the repository): nothing to apply.
		return
	}
	for name := range changed {
		testenv.Golden(t, filepath.Join(src, name+".golden"), fixed[name], *update)
	}
	if left, _ := lint(t, fixDir, c.ID, append(append([]string(nil), extra...), "-o", "json", ".")...); len(left) > 0 {
		t.Errorf("after --fix --unsafe-fixes the check still fires: %s", describe(left))
	}
	lint(t, fixDir, c.ID, fixArgs...)
	for name, data := range readDir(t, fixDir) {
		if !bytes.Equal(data, fixed[name]) {
			t.Errorf("fixing twice changed %s again:\n%s", name, testenv.FirstDifference(fixed[name], data))
		}
	}
}

// readDir returns the files of a flat folder by name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = data
	}
	return out
}

// matchWants compares the findings with the markers: every marked line is reported (with a
// matching message) and nothing unmarked is.
func matchWants(t *testing.T, marks map[string][]want, got []reported) {
	t.Helper()
	used := make([]bool, len(got))
	files := make([]string, 0, len(marks))
	for file := range marks {
		files = append(files, file)
	}
	sort.Strings(files)
	for _, file := range files {
		for _, w := range marks[file] {
			matchWant(t, file, w, got, used)
		}
	}
	for i, f := range got {
		if !used[i] {
			t.Errorf("%s:%d: unexpected finding (no `# want:` on that line): %s", f.File, f.Line, f.Message)
		}
	}
}

// matchWant finds the findings of one marker and marks them used.
func matchWant(t *testing.T, file string, w want, got []reported, used []bool) {
	t.Helper()
	found := false
	for i, f := range got {
		if f.File != file || f.Line != w.line || (w.message != nil && !w.message.MatchString(f.Message)) {
			continue
		}
		found, used[i] = true, true
	}
	if !found {
		pattern := ""
		if w.message != nil {
			pattern = fmt.Sprintf(" with a message matching %q", w.message)
		}
		t.Errorf("%s:%d: want a finding%s; got %s", file, w.line, pattern, describe(got))
	}
}

// readArgs reads a flags file (one flag or value per line, # comments), or returns def
// when there is none.
func readArgs(t *testing.T, path string, def []string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return def
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func describe(fs []reported) string {
	if len(fs) == 0 {
		return "none"
	}
	var s []string
	for _, f := range fs {
		s = append(s, fmt.Sprintf("%s:%d %q", f.File, f.Line, f.Message))
	}
	sort.Strings(s)
	return strings.Join(s, "; ")
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		if strings.HasSuffix(path, ".golden") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
