package manifest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/blockyaml"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/yamltest"
	"gopkg.in/yaml.v3"
)

// TestNoFastPathReadsTheSame parses every YAML file of the repository's testdata and of
// the corpus both ways, with the fast path (internal/blockyaml: per document, skimming and
// building trees directly where it can) and with Limits.NoFastPath (yaml.v3 alone): the
// same objects at the same places, the same errors, and identical trees but for the values
// the skimmer leaves out. It holds the fast path to its reference and the triage switch to
// its promise that only the speed changes.
func TestNoFastPathReadsTheSame(t *testing.T) {
	roots := []string{filepath.Join("..", "..", "testdata")}
	corpus := os.Getenv("KUBECTL_SECURE_CORPUS")
	if corpus == "" {
		corpus = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(corpus); err == nil {
		roots = append(roots, corpus)
	} else {
		t.Logf("corpus not found at %s: checking testdata only", corpus)
	}
	var files, skimmed, validated, built int
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			segs := blockyaml.Split(data)
			for _, s := range segs {
				if blockyaml.Valid(s.Text) {
					validated++
					if !yamltest.Accepts(s.Text) {
						t.Errorf("%s:%d: validator accepted a document yaml.v3 refuses", p, s.StartLine+1)
					}
				}
				if blockyaml.Skimmable(s.Text) && blockyaml.Valid(s.Text) {
					skimmed++
				} else if blockyaml.Valid(s.Text) {
					if _, ok := blockyaml.Build(s.Text, s.StartLine, false); ok {
						built++
					}
				}
			}
			files++
			agreeWithoutFastPath(t, p, data)
			return nil
		})
	}
	t.Logf("%d files compared; %d documents validated, %d skimmed, %d others built without yaml.v3", files, validated, skimmed, built)
}

func objectsOf(file string, docs []Document) []*Object {
	var out []*Object
	for _, d := range docs {
		out, _ = appendObjects(out, nil, file, d.Index, d.Root)
	}
	return out
}

// agreeWithoutFastPath compares Parse of data with and without the fast path.
func agreeWithoutFastPath(t *testing.T, file string, data []byte) {
	t.Helper()
	reference := DefaultLimits
	reference.NoFastPath = true
	want, got := Parse(file, data, reference), Parse(file, data, DefaultLimits)
	if w, g := fmt.Sprint(want.All()), fmt.Sprint(got.All()); w != g {
		t.Errorf("%s: errors differ:\nwithout the fast path %s\nwith it %s", file, w, g)
	}
	if len(want.Objects) != len(got.Objects) {
		t.Errorf("%s: %d objects without the fast path, %d with it", file, len(want.Objects), len(got.Objects))
		return
	}
	for i, a := range want.Objects {
		b := got.Objects[i]
		if a.Ref != b.Ref || a.Doc != b.Doc || a.File != b.File {
			t.Errorf("%s: object %d: %v doc %d, with the fast path %v doc %d", file, i, a.Ref, a.Doc, b.Ref, b.Doc)
			continue
		}
		if d := sameSkimmedTree(a.Root, b.Root); d != "" {
			t.Errorf("%s: %v: %s", file, a.Ref, d)
		}
	}
}

// sameSkimmedTree is yamltest.SameTree, but the values of a skimmed kind's spec and status,
// which the fast path leaves out, are not compared (their keys are).
func sameSkimmedTree(want, got *yaml.Node) string {
	kind, _ := fieldpath.Str(fieldpath.MapGet(want, "kind"))
	if !blockyaml.SkimmedKind(kind) || want.Kind != yaml.MappingNode || got.Kind != yaml.MappingNode || len(want.Content) != len(got.Content) {
		return yamltest.SameTree(want, got)
	}
	for i := 0; i+1 < len(want.Content); i += 2 {
		if d := yamltest.SameTree(want.Content[i], got.Content[i]); d != "" {
			return d
		}
		if k := want.Content[i].Value; k == "spec" || k == "status" {
			continue
		}
		if d := yamltest.SameTree(want.Content[i+1], got.Content[i+1]); d != "" {
			return d
		}
	}
	return ""
}

// TestNoFastPathReadsCRDsWhole shows the switch reaches the parser: the skimmer leaves a
// CRD's spec out, yaml.v3 alone reads it.
func TestNoFastPathReadsCRDsWhole(t *testing.T) {
	crd := []byte("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x\nspec:\n  group: example.com\n")
	reference := DefaultLimits
	reference.NoFastPath = true
	for _, tc := range []struct {
		lim  Limits
		want yaml.Kind
	}{{DefaultLimits, yaml.ScalarNode}, {reference, yaml.MappingNode}} {
		res := Parse("crd.yaml", crd, tc.lim)
		if len(res.Objects) != 1 {
			t.Fatalf("NoFastPath=%v: %d objects, want 1", tc.lim.NoFastPath, len(res.Objects))
		}
		if spec := res.Objects[0].Field("spec"); spec == nil || spec.Kind != tc.want {
			t.Errorf("NoFastPath=%v: spec is %v, want kind %d", tc.lim.NoFastPath, spec, tc.want)
		}
	}
}
