package podsecurity

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
	"k8s.io/pod-security-admission/api"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// The fix engine applies Changes to the text a user wrote; this test applies them to node
// trees with the same semantics, so that the checks' half of the contract is verified on
// its own: once every fix is applied, PSA's restricted level has nothing left to say about
// a pod except what only advice can fix (hostPath and restricted volume types).

// applyChanges applies changes to an object's tree. Every Remove target is resolved before
// anything is edited, so that removing one list element does not move another's index.
func applyChanges(root *yaml.Node, changes []finding.Change) error {
	type removal struct{ parent, child *yaml.Node }
	var removals []removal
	for _, c := range changes {
		if c.Op != finding.Remove {
			continue
		}
		parent := fieldpath.Lookup(root, c.Path[:len(c.Path)-1])
		child := fieldpath.Lookup(root, c.Path)
		if parent == nil || child == nil {
			continue // already gone: removing is idempotent
		}
		removals = append(removals, removal{parent, child})
	}
	for _, c := range changes {
		var err error
		switch c.Op {
		case finding.Set:
			err = set(root, c.Path, c.Value)
		case finding.Append:
			err = appendScalar(root, c.Path, c.Value)
		case finding.Remove:
		default:
			err = fmt.Errorf("unexpected op %d", c.Op)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Path, err)
		}
	}
	for _, r := range removals {
		switch r.parent.Kind {
		case yaml.MappingNode:
			for i := 1; i < len(r.parent.Content); i += 2 {
				if fieldpath.Deref(r.parent.Content[i]) == r.child {
					r.parent.Content = append(r.parent.Content[:i-1], r.parent.Content[i+1:]...)
					break
				}
			}
		case yaml.SequenceNode:
			for i, item := range r.parent.Content {
				if fieldpath.Deref(item) == r.child {
					r.parent.Content = append(r.parent.Content[:i], r.parent.Content[i+1:]...)
					break
				}
			}
		}
	}
	return nil
}

func scalar(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}, nil
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}, nil
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v, 10)}, nil
	case string:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}, nil
	}
	return nil, fmt.Errorf("value %v (%T) is not a scalar", v, v)
}

// ensure returns the node at p, creating missing (or null) mappings on the way.
func ensure(root *yaml.Node, p fieldpath.Path) (*yaml.Node, error) {
	cur := fieldpath.Deref(root)
	for i, s := range p {
		if !s.IsKey() {
			next := fieldpath.Step(cur, s)
			if next == nil {
				return nil, fmt.Errorf("no element %s", p[:i+1])
			}
			cur = next
			continue
		}
		if cur.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s is not a mapping", p[:i])
		}
		_, v := fieldpath.MapEntry(cur, s.Key)
		if v == nil || !workload.Present(v) {
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			if v != nil {
				*v = *m // a null value becomes the mapping
				m = v
			} else {
				cur.Content = append(cur.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s.Key}, m)
			}
			v = m
		}
		cur = v
	}
	return cur, nil
}

func set(root *yaml.Node, p fieldpath.Path, value any) error {
	parent, err := ensure(root, p[:len(p)-1])
	if err != nil {
		return err
	}
	n, err := scalar(value)
	if err != nil {
		return err
	}
	last := p[len(p)-1]
	if !last.IsKey() {
		old := fieldpath.Step(parent, last)
		if old == nil {
			return fmt.Errorf("no element %s", p)
		}
		*old = *n
		return nil
	}
	if _, v := fieldpath.MapEntry(parent, last.Key); v != nil {
		*v = *n
		return nil
	}
	parent.Content = append(parent.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: last.Key}, n)
	return nil
}

func appendScalar(root *yaml.Node, p fieldpath.Path, value any) error {
	n, err := scalar(value)
	if err != nil {
		return err
	}
	seq := fieldpath.Lookup(root, p)
	if seq == nil || !workload.Present(seq) {
		if err := set(root, p, ""); err != nil {
			return err
		}
		seq = fieldpath.Lookup(root, p)
		*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	}
	if seq.Kind != yaml.SequenceNode {
		return fmt.Errorf("not a sequence")
	}
	for _, item := range seq.Content {
		if s, _ := fieldpath.Str(item); s == n.Value {
			return nil
		}
	}
	seq.Content = append(seq.Content, n)
	return nil
}

// fixOutcome counts what applying every fix did to the pods of one input set.
type fixOutcome struct {
	pods, fixed, adviceOnly, failures int
	agreement                         *agreement
}

// applyAllFixes lints objs (parsed from data, file by file), applies every fix with
// changes to a fresh parse of the same text, and checks the fixed pods with PSA.
func applyAllFixes(t *testing.T, files map[string][]byte) fixOutcome {
	t.Helper()
	own := append([]*check.Check(nil), check.All()...)
	a := newAgreement(t)
	var out fixOutcome
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		before := manifest.Parse(name, files[name], manifest.DefaultLimits)
		after := manifest.Parse(name, files[name], manifest.DefaultLimits)
		if before.Err != nil {
			continue
		}
		for i, obj := range before.Objects {
			if len(workload.Pods(obj)) == 0 {
				continue
			}
			fixedObj := after.Objects[i]
			var changes []finding.Change
			advice := map[string]bool{} // PSA controls only advice can fix
			for _, f := range lint.RunChecks(own, []*manifest.Object{obj}, nil) {
				if f.Fix == nil || len(f.Fix.Changes) == 0 {
					if f.PSS != "" {
						advice[a.psaOf[f.Check]] = true
					}
					continue
				}
				changes = append(changes, f.Fix.Changes...)
			}
			if err := applyChanges(fixedObj.Root, changes); err != nil {
				t.Errorf("%s doc %d %s: applying fixes: %v", name, obj.Doc, obj.Ref, err)
				out.failures++
				continue
			}
			// The fixed pods are new inputs for the agreement test too.
			a.object(fixedObj, false)
			for _, p := range workload.Pods(fixedObj) {
				meta, spec, err := toAPI(p)
				if err != nil {
					continue // did not decode before fixing either
				}
				out.pods++
				var left []string
				for _, c := range a.controls {
					if c.level != api.LevelRestricted && overridden(a.controls, c.id) {
						continue
					}
					if res := c.run(meta, spec); !res.Allowed {
						covered := advice[c.id]
						for _, o := range c.overrides {
							covered = covered || advice[o]
						}
						if !covered {
							left = append(left, fmt.Sprintf("%s (%s)", c.id, res.ForbiddenDetail))
						} else {
							out.adviceOnly++
						}
					}
				}
				if len(left) > 0 {
					out.failures++
					if out.failures <= maxErrors {
						t.Errorf("%s doc %d %s %s: still violates restricted after every fix: %s", name, obj.Doc, obj.Ref, p.Path, strings.Join(left, "; "))
					}
					continue
				}
				out.fixed++
			}
		}
	}
	out.agreement = a
	return out
}

func readFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			files[rel] = data
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return files
}

func TestFixesReachRestrictedFixtures(t *testing.T) {
	o := applyAllFixes(t, readFiles(t, filepath.Join("testdata", "psa")))
	if o.pods == 0 {
		t.Fatal("no fixture pod was fixed")
	}
	t.Logf("fixtures: %d pods fixed, %d pass restricted but for controls with no mechanical fix (%d such violations left), %d failures", o.pods, o.fixed, o.adviceOnly, o.failures)
	o.agreement.log("fixtures after fixing")
}

func TestFixesReachRestrictedCorpus(t *testing.T) {
	dir := filepath.Join(checktest.CorpusDir(t), "manifests")
	if testing.Short() {
		t.Skip("corpus skipped in -short mode")
	}
	o := applyAllFixes(t, readFiles(t, dir))
	t.Logf("corpus: %d pods fixed, %d pass restricted but for controls with no mechanical fix (%d such violations left), %d failures", o.pods, o.fixed, o.adviceOnly, o.failures)
	o.agreement.log("corpus after fixing")
}
