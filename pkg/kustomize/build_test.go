package kustomize

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	fp "github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

var fixtures = []string{prod, prodEU, dev, base}

// TestBuildMatchesKubectl checks that the objects Build returns are those `kubectl
// kustomize` prints, for the fixtures.
func TestBuildMatchesKubectl(t *testing.T) {
	kubectl := needKubectl(t)
	cache := NewCache()
	for _, dir := range fixtures {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			objs, err := Build(dir, cache)
			if err != nil {
				t.Fatal(err)
			}
			if diff := compareWithKubectl(t, kubectl, dir, objs); diff != "" {
				t.Error(diff)
			}
			if lc := checkLocations(t, objs); len(lc.wrong) > 0 {
				t.Errorf("%d of %d fields located at another value:\n%s", len(lc.wrong), lc.leaves, strings.Join(lc.wrong, "\n"))
			}
		})
	}
}

// TestBuildCorpusMatchesKubectl builds every kustomization of the real-world corpus and
// compares it with kubectl's output. A kustomization that needs the network must be
// refused as remote; it is counted apart. It also checks that the fields of the built
// objects are located at their values.
func TestBuildCorpusMatchesKubectl(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the corpus build and kubectl comparison take several seconds")
	}
	corpus := checktest.CorpusDir(t)
	kubectl := needKubectl(t)
	dirs := corpusDirs(t, corpus)
	cache := NewCache()
	var matched, remote, failed atomic.Int32
	var mu sync.Mutex
	var located locationCheck
	t.Run("dirs", func(t *testing.T) {
		for _, rel := range dirs {
			t.Run(rel, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(corpus, rel)
				objs, err := Build(dir, cache)
				if err != nil {
					var ie *finding.InputError
					if errors.As(err, &ie) && strings.Contains(ie.Message, "remote reference") {
						remote.Add(1)
						t.Logf("refused as remote: %v", err)
						return
					}
					failed.Add(1)
					t.Fatalf("Build: %v", err)
				}
				lc := checkLocations(t, objs)
				mu.Lock()
				located.add(lc)
				mu.Unlock()
				if diff := compareWithKubectl(t, kubectl, dir, objs); diff != "" {
					failed.Add(1)
					t.Error(diff)
					return
				}
				matched.Add(1)
			})
		}
	})
	t.Logf("corpus: %d kustomizations, %d match kubectl kustomize, %d refused as remote, %d failed",
		len(dirs), matched.Load(), remote.Load(), failed.Load())
	t.Logf("corpus locations: %d scalar fields, %d in kustomization files, %d at the same value in the file they point to, %d elsewhere",
		located.leaves, located.entries, located.same, len(located.wrong))
	// What remains are values kustomize rewrites without a kustomization entry of the
	// object's own: name references (configMap.name with its hash), vars and replacements;
	// the field is then reported where it is written, with the value before the rewrite.
	if inFiles := located.leaves - located.entries; located.same*100 < inFiles*99 {
		t.Errorf("only %d of %d fields located at the same value; first ones:\n%s", located.same, inFiles, strings.Join(located.wrong[:min(20, len(located.wrong))], "\n"))
	}
}

// locationCheck counts, over the scalar fields of built objects, where Locate points: a
// kustomization file (an entry such as images: or a generator), or a node of a resource
// or patch file that holds the very value the build has.
type locationCheck struct {
	leaves, entries, same int
	wrong                 []string
}

func (c *locationCheck) add(o locationCheck) {
	c.leaves += o.leaves
	c.entries += o.entries
	c.same += o.same
	c.wrong = append(c.wrong, o.wrong...)
}

func checkLocations(t *testing.T, objs []*manifest.Object) locationCheck {
	t.Helper()
	var c locationCheck
	files := map[string]*yaml.Node{}
	for _, o := range objs {
		if o.Ref.Kind == "CustomResourceDefinition" {
			continue // manifest skims CRD schemas: they hold nothing a check reads
		}
		eachScalar(o.Root, nil, func(p fp.Path, n *yaml.Node) {
			c.leaves++
			pos := o.Locate(p)
			switch filepath.Ext(pos.File) {
			case ".yaml", ".yml", ".json":
			default:
				c.entries++ // kustomization files, and env and data files of generators
				return
			}
			if IsKustomizationFile(pos.File) {
				c.entries++
				return
			}
			doc, ok := files[pos.File]
			if !ok {
				doc = decodeAll(t, pos.File)
				files[pos.File] = doc
			}
			if src := scalarAt(doc, pos.Line, pos.Column); src != nil && src.Value == n.Value {
				c.same++
				return
			}
			c.wrong = append(c.wrong, fmt.Sprintf("%s %s = %.40q -> %s", o.Ref, p, n.Value, posString(pos)))
		})
	}
	return c
}

// eachScalar calls fn with the path of every scalar under n, selecting list items by name
// when they have one, as checks do.
func eachScalar(n *yaml.Node, p fp.Path, fn func(fp.Path, *yaml.Node)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			eachScalar(n.Content[i+1], p.Keys(n.Content[i].Value), fn)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			seg := fp.Index(i)
			if v := fp.MapGet(item, "name"); item.Kind == yaml.MappingNode && v != nil && v.Kind == yaml.ScalarNode {
				seg = fp.Select("name", v.Value)
			}
			eachScalar(item, p.Child(seg), fn)
		}
	case yaml.ScalarNode:
		fn(p, n)
	}
}

func decodeAll(t *testing.T, file string) *yaml.Node {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	all := &yaml.Node{Kind: yaml.SequenceNode}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var d yaml.Node
		if err := dec.Decode(&d); err != nil {
			return all
		}
		all.Content = append(all.Content, &d)
	}
}

func scalarAt(n *yaml.Node, line, col int) *yaml.Node {
	if n.Kind == yaml.ScalarNode && n.Line == line && n.Column == col {
		return n
	}
	for _, c := range n.Content {
		if s := scalarAt(c, line, col); s != nil {
			return s
		}
	}
	return nil
}

func needKubectl(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "kubectl", "builds are compared with kubectl kustomize")
}

func corpusDirs(t testing.TB, corpus string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpus, "KUSTOMIZE_DIRS.txt"))
	if err != nil {
		testenv.Skip(t, "corpus has no KUSTOMIZE_DIRS.txt: %v", err)
	}
	defer f.Close()
	var dirs []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); line != "" && !strings.HasPrefix(line, "#") {
			dirs = append(dirs, line)
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return dirs
}

// compareWithKubectl decodes both builds into plain values and compares them object by
// object, keyed by apiVersion, kind, namespace and name. It returns "" when they agree.
func compareWithKubectl(t *testing.T, kubectl, dir string, objs []*manifest.Object) string {
	t.Helper()
	cmd := exec.Command(kubectl, "kustomize", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.String())
	}
	want := map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var v any
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding kubectl output: %v", err)
		}
		if v != nil {
			v = plain(t, v)
			want[objectKey(v)] = v
		}
	}
	got := map[string]any{}
	for _, o := range objs {
		var v any
		if err := o.Root.Decode(&v); err != nil {
			t.Fatalf("decoding %s: %v", o.Ref, err)
		}
		v = plain(t, v)
		k := objectKey(v)
		if _, dup := got[k]; dup {
			return "duplicate object " + k
		}
		got[k] = v
	}
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+k)
		case !reflect.DeepEqual(g, w):
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			diffs = append(diffs, fmt.Sprintf("%s differs:\n got  %s\n want %s", k, gj, wj))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, "extra "+k)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("... and %d more", len(diffs)-3))
	}
	return strings.Join(diffs, "\n")
}

// plain turns a decoded YAML value into what JSON would hold, so that both sides have the
// same number and map types.
func plain(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return out
}

func objectKey(v any) string {
	m, _ := v.(map[string]any)
	md, _ := m["metadata"].(map[string]any)
	return fmt.Sprintf("%v %v %v/%v", m["apiVersion"], m["kind"], md["namespace"], md["name"])
}

// TestBuildNeverWrites builds every fixture and checks that no file of the tree changed:
// the origin annotations kustomize needs are injected in memory.
func TestBuildNeverWrites(t *testing.T) {
	before := hashTree(t, shop)
	cache := NewCache()
	for _, dir := range fixtures {
		if _, err := Build(dir, cache); err != nil {
			t.Fatalf("Build(%s): %v", dir, err)
		}
	}
	if after := hashTree(t, shop); after != before {
		t.Errorf("the fixture tree changed during Build: %s -> %s", before, after)
	}
}

// hashTree hashes the names, modes and contents of every file and directory under root.
func hashTree(t *testing.T, root string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", p, info.Mode(), info.ModTime().UnixNano())
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestCacheParsesSharedBaseOnce builds two overlays of one base with one cache: the base
// files are parsed by the first build only.
func TestCacheParsesSharedBaseOnce(t *testing.T) {
	cache := NewCache()
	if _, err := Build(prod, cache); err != nil {
		t.Fatal(err)
	}
	first := cache.parsed.Load()
	seen := cachedFiles(cache)
	for _, f := range []string{"deployment.yaml", "service.yaml", "kustomization.yaml"} {
		abs, _ := filepath.Abs(filepath.Join(base, f))
		if !seen[abs] {
			t.Fatalf("the first build did not cache %s; cached %v", abs, seen)
		}
	}
	if _, err := Build(dev, cache); err != nil {
		t.Fatal(err)
	}
	added := cache.parsed.Load() - first
	devDir, _ := filepath.Abs(dev)
	var devFiles int
	for f := range cachedFiles(cache) {
		if seen[f] {
			continue
		}
		if !strings.HasPrefix(f, devDir+string(filepath.Separator)) {
			t.Errorf("the second build parsed %s, which is not in the second overlay", f)
		}
		devFiles++
	}
	if added != int64(devFiles) || added == 0 {
		t.Errorf("the second build parsed %d files, want the %d files of %s", added, devFiles, dev)
	}
	// Without a shared cache the base is parsed again.
	other := NewCache()
	if _, err := Build(dev, other); err != nil {
		t.Fatal(err)
	}
	if other.parsed.Load() <= added {
		t.Errorf("a fresh cache parsed %d files, want more than the %d of the shared one", other.parsed.Load(), added)
	}
}

func cachedFiles(c *Cache) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for f := range c.files {
		out[f] = true
	}
	return out
}

// BenchmarkBuildCorpus builds every kustomization of the corpus with one cache per run,
// as `kubectl secure lint` does for a repository.
func BenchmarkBuildCorpus(b *testing.B) {
	corpus := checktest.CorpusDir(b)
	dirs := corpusDirs(b, corpus)
	b.ReportAllocs()
	for b.Loop() {
		cache := NewCache()
		for _, rel := range dirs {
			if _, err := Build(filepath.Join(corpus, rel), cache); err != nil {
				var ie *finding.InputError
				if !errors.As(err, &ie) || !strings.Contains(ie.Message, "remote reference") {
					b.Fatalf("%s: %v", rel, err)
				}
			}
		}
	}
	b.ReportMetric(float64(len(dirs)), "dirs/op")
}

// TestBuildMetadataKept checks that a kustomization asking for build annotations itself
// gets them, as kubectl prints them: Build strips only the origin annotation it added.
func TestBuildMetadataKept(t *testing.T) {
	kubectl := needKubectl(t)
	for _, meta := range []string{"[originAnnotations]", "[transformerAnnotations]", "[originAnnotations, transformerAnnotations]", "[managedByLabel]"} {
		t.Run(meta, func(t *testing.T) {
			root := testtree.Write(t, map[string]string{
				"base/kustomization.yaml":    "resources:\n  - deployment.yaml\n",
				"base/deployment.yaml":       deployment,
				"overlay/kustomization.yaml": "resources:\n  - ../base\nnamePrefix: p-\nbuildMetadata: " + meta + "\nconfigMapGenerator:\n  - name: c\n    literals:\n      - a=b\n",
			})
			dir := filepath.Join(root, "overlay")
			objs, err := Build(dir, NewCache())
			if err != nil {
				t.Fatal(err)
			}
			if diff := compareWithKubectl(t, kubectl, dir, objs); diff != "" {
				t.Error(diff)
			}
			web := find(objs, "Deployment", "p-web")
			if web == nil {
				t.Fatalf("no Deployment p-web in %v", refs(objs))
			}
			_, hasOrigin := annotations(web)[originAnnotation]
			if want := strings.Contains(meta, "originAnnotations"); hasOrigin != want {
				t.Errorf("origin annotation kept = %v, want %v", hasOrigin, want)
			}
			if got, want := posString(web.Locate(app.Keys("image"))), filepath.Join(root, "base/deployment.yaml")+":10:18"; got != want {
				t.Errorf("image located at %s, want %s", got, want)
			}
		})
	}
}

func annotations(o *manifest.Object) map[string]string {
	out := map[string]string{}
	fp.Pairs(o.Get(fp.New("metadata", "annotations")), func(k string, _, v *yaml.Node) {
		out[k], _ = fp.Str(v)
	})
	return out
}

// TestBuildRefusesDuplicateKeys: kubectl kustomize refuses a resource or patch with a
// duplicate mapping key (kyaml decodes it strictly); the build is refused at the file and
// line of the duplicate, never built from a tree that reads the first value.
func TestBuildRefusesDuplicateKeys(t *testing.T) {
	dup := strings.Replace(deployment, "image:", "image: nginx:1\n          image:", 1)
	for _, tc := range []struct {
		name  string
		files map[string]string
		file  string
	}{
		{"resource", map[string]string{
			"kustomization.yaml": "resources:\n  - deployment.yaml\n",
			"deployment.yaml":    dup,
		}, "deployment.yaml"},
		{"patch", map[string]string{
			"kustomization.yaml": "resources:\n  - deployment.yaml\npatches:\n  - path: patch.yaml\n",
			"deployment.yaml":    deployment,
			"patch.yaml":         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  name: web\nspec:\n  replicas: 2\n",
		}, "patch.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := testtree.Write(t, tc.files)
			_, err := Build(root, NewCache())
			var ie *finding.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Build = %v, want an input error", err)
			}
			if !strings.HasSuffix(ie.File, tc.file) || ie.Line == 0 || !strings.Contains(ie.Message, "duplicate key") {
				t.Errorf("error %+v, want a duplicate key in %s at its line", ie, tc.file)
			}
		})
	}
}
