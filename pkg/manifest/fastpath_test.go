package manifest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/blockyaml"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/yamltest"
)

// TestSkimAgreesWithFullParse parses every YAML file of the repository's testdata and of
// the corpus both ways, per document (skimming and building trees directly where it can)
// and with yaml.v3 alone: the same documents, objects and errors, and identical trees for
// the documents that are not skimmed.
func TestSkimAgreesWithFullParse(t *testing.T) {
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
			if segs == nil {
				return nil
			}
			files++
			full, fullErr := parseStream(p, data, DefaultLimits)
			fast, fastErr, ok := parseSegments(p, segs, DefaultLimits, nil)
			if !ok {
				return nil // ParseDocuments takes parseStream's result itself
			}
			if (fullErr == nil) != (fastErr == nil) || fullErr != nil && fullErr.Line != fastErr.Line {
				t.Errorf("%s: errors differ: full %v, skim %v", p, fullErr, fastErr)
				return nil
			}
			fullObjs, fastObjs := objectsOf(p, full), objectsOf(p, fast)
			if len(fullObjs) != len(fastObjs) {
				t.Errorf("%s: %d objects, skim %d", p, len(fullObjs), len(fastObjs))
				return nil
			}
			for i := range fullObjs {
				a, b := fullObjs[i], fastObjs[i]
				if a.Ref != b.Ref || a.Doc != b.Doc || a.Root.Line != b.Root.Line {
					t.Errorf("%s: object %d: %v doc %d line %d, skim %v doc %d line %d", p, i, a.Ref, a.Doc, a.Root.Line, b.Ref, b.Doc, b.Root.Line)
					continue
				}
				if blockyaml.SkimmedKind(a.Ref.Kind) {
					continue
				}
				if d := yamltest.SameTree(a.Root, b.Root); d != "" {
					t.Errorf("%s: %v: %s", p, a.Ref, d)
				}
			}
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
