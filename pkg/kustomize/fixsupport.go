package kustomize

import (
	"fmt"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Origin is what the writer of fixes needs to know about an object Build built: the
// kustomization that built it, the document it was read from, and the patches that change
// it. Paths are display paths, as Build shows them in objects and positions.
type Origin struct {
	Dir           string // the directory that was built (manifest.Object.Overlay)
	Kustomization string // its kustomization file
	// File and Doc are the resource file and document the object was read from, and Source
	// the object as written there (positions in File); File is "" and Source nil when the
	// object was generated or its origin is unknown.
	File   string
	Doc    int
	Source *yaml.Node
	// Patches are the patch documents that apply to the object, the last applied first.
	Patches []Patch
}

// Patch is one document of a patch that applies to an object.
type Patch struct {
	File string     // the patch file, or the kustomization that holds an inline patch
	Doc  int        // document index within File; -1 for an inline patch
	Root *yaml.Node // the document (positions in File)
	// Inline: the patch is text inside a kustomization. JSON: a JSON 6902 operation list.
	// Targeted: a target selector chooses the objects, so the patch may change others too.
	Inline, JSON, Targeted bool
}

// OriginOf returns where obj was written; false when Build did not build it.
func OriginOf(obj *manifest.Object) (Origin, bool) {
	l, ok := obj.Locator.(*locator)
	if !ok || l == nil || l.b == nil {
		return Origin{}, false
	}
	g := l.b.graph
	o := Origin{Dir: l.b.dir, Kustomization: l.b.display(g.nodes[g.root].file)}
	if l.generator == "" && l.source != nil {
		o.File, o.Doc, o.Source = l.file, l.doc, l.source
	}
	for _, k := range l.chain {
		ps := k.patches()
		for i := len(ps) - 1; i >= 0; i-- {
			p := ps[i]
			docs := l.indexedPatchDocs(k, p)
			for j := len(docs) - 1; j >= 0; j-- {
				d := docs[j]
				d.JSON = fieldpath.Deref(d.Root).Kind == yaml.SequenceNode
				if p.target != nil {
					if !l.matchesTarget(obj, p.target) {
						continue
					}
					d.Targeted = true
				} else if d.JSON || !l.matchesPatch(obj, d.Root) {
					continue
				}
				o.Patches = append(o.Patches, d)
			}
		}
	}
	return o, true
}

// indexedPatchDocs is patchDocs with each document's index in its file.
func (l *locator) indexedPatchDocs(k *kustomization, p patch) []Patch {
	if p.path.value == "" {
		var out []Patch
		for _, d := range l.patchDocs(k, p) {
			out = append(out, Patch{File: d.file, Doc: -1, Root: d.root, Inline: true})
		}
		return out
	}
	abs := k.abs(p.path.value)
	display := l.b.display(abs)
	var out []Patch
	for _, d := range l.b.cache.file(abs).docs {
		out = append(out, Patch{File: display, Doc: d.Index, Root: d.Root})
	}
	return out
}

// Rebuild builds dir again with the contents of files (by absolute path) in place of what
// the disk holds, and files that are not on disk yet added: the fix writer checks with it
// what its edits do before anything is written. It returns the built objects in order.
func Rebuild(dir string, files map[string][]byte) ([]*yaml.Node, error) {
	g, err := readGraph(dir, NewCache())
	if err != nil {
		return nil, err
	}
	if len(g.errs) > 0 {
		return nil, g.errs[0]
	}
	if len(g.remote) > 0 {
		return nil, fmt.Errorf("%s: remote reference %q", g.remote[0].File, g.remote[0].Ref)
	}
	// The caller names files as the user sees them; the graph names them by the paths
	// the kustomizations lead to. Symbolic links may make the two differ: match them by
	// their real paths, and put new files in the directory of the graph they belong to.
	byReal := map[string][]byte{}
	for f, data := range files {
		byReal[fixRealPath(f)] = data
	}
	dirs := map[string]string{}
	for d := range g.nodes {
		dirs[fixRealPath(d)] = d
	}
	contents := map[string][]byte{}
	for f := range g.files {
		if data, ok := byReal[fixRealPath(f)]; ok {
			contents[f] = data
			delete(byReal, fixRealPath(f))
		}
	}
	for f, data := range byReal {
		if d, ok := dirs[filepath.Dir(f)]; ok {
			f = filepath.Join(d, filepath.Base(f))
		}
		contents[f] = data
	}
	mem := filesys.MakeFsInMemory()
	paths := make([]string, 0, len(g.files)+len(contents))
	for f := range g.files {
		paths = append(paths, f)
	}
	for f := range contents {
		if !g.files[f] {
			paths = append(paths, f)
		}
	}
	sort.Strings(paths)
	for _, f := range paths {
		data, ok := contents[f]
		if !ok {
			if data, err = readLimited(f, manifest.DefaultLimits.MaxFileBytes); err != nil {
				return nil, fmt.Errorf("reading %s: %w", f, err)
			}
		}
		if err := mem.MkdirAll(filepath.Dir(f)); err != nil {
			return nil, fmt.Errorf("preparing %s: %w", f, err)
		}
		if err := mem.WriteFile(f, data); err != nil {
			return nil, fmt.Errorf("preparing %s: %w", f, err)
		}
	}
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	resMap, err := krusty.MakeKustomizer(opts).Run(mem, g.root)
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %s", oneLine(err.Error()))
	}
	var out []*yaml.Node
	for _, r := range resMap.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", r.CurId(), err)
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
			return nil, fmt.Errorf("decoding built %s: %v", r.CurId(), err)
		}
		out = append(out, doc.Content[0])
	}
	return out, nil
}

// fixRealPath resolves the symbolic links of p's directory; p itself need not exist.
func fixRealPath(p string) string {
	p = filepath.Clean(p)
	if d, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		return filepath.Join(d, filepath.Base(p))
	}
	return p
}
