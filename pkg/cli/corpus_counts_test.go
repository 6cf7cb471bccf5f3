package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// TestCorpusFindingCounts pins how many findings each check reports on the real-world
// corpus: the plain manifests, the Kustomize directories and each whole repository linted
// as a user would (`lint .` inside it). A change in a count is a change in what users see;
// -update rewrites testdata/golden/corpus-counts.golden, and the diff is what a reviewer
// reads.
func TestCorpusFindingCounts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: lints the whole corpus")
	}
	corpus := testenv.CorpusDir(t)
	type run struct {
		name string
		dir  string // working directory
		args []string
	}
	runs := []run{{name: "manifests", dir: corpus, args: []string{"manifests"}}}
	kdirs, err := os.ReadFile(filepath.Join(corpus, "KUSTOMIZE_DIRS.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var ks []string
	for _, l := range strings.Split(string(kdirs), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			ks = append(ks, l)
		}
	}
	runs = append(runs, run{name: "kustomize (KUSTOMIZE_DIRS.txt)", dir: corpus, args: ks})
	repos, _ := filepath.Glob(filepath.Join(corpus, "repos", "*"))
	sort.Strings(repos)
	for _, r := range repos {
		runs = append(runs, run{name: "repos/" + filepath.Base(r), dir: r, args: []string{"."}})
	}

	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range runs {
		if err := os.Chdir(r.dir); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		code := Execute(append([]string{"lint", "-o", "json"}, r.args...), genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		if err := os.Chdir(wd); err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Findings []struct{ Check string } `json:"findings"`
			Errors   []json.RawMessage        `json:"errors"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("%s: %v\n%s", r.name, err, errOut.String())
		}
		counts := map[string]int{}
		for _, f := range rep.Findings {
			counts[f.Check]++
		}
		ids := make([]string, 0, len(counts))
		for id := range counts {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		fmt.Fprintf(&b, "== %s: exit %d, %d findings, %d errors\n", r.name, code, len(rep.Findings), len(rep.Errors))
		for _, id := range ids {
			fmt.Fprintf(&b, "%-34s %d\n", id, counts[id])
		}
	}
	testenv.Golden(t, filepath.Join("testdata", "golden", "corpus-counts.golden"), []byte(b.String()), *update)
}
