package kustomize

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

const (
	originAnnotation      = "config.kubernetes.io/origin"
	transformerAnnotation = "alpha.config.kubernetes.io/transformations"
)

// Cache holds the parsed source files of kustomizations, so that a base shared by several
// overlays is read and parsed once per run. It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	files map[string]*sourceFile
}

type sourceFile struct {
	once sync.Once
	docs []manifest.Document
	data []byte
	err  *finding.InputError
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{files: map[string]*sourceFile{}} }

// file returns the parsed documents of an absolute path; display names it in errors.
func (c *Cache) file(abs, display string) *sourceFile {
	c.mu.Lock()
	f, ok := c.files[abs]
	if !ok {
		f = &sourceFile{}
		c.files[abs] = f
	}
	c.mu.Unlock()
	f.once.Do(func() {
		data, err := os.ReadFile(abs)
		if err != nil {
			f.err = &finding.InputError{File: display, Message: describe(err)}
			return
		}
		f.data = data
		f.docs, f.err = manifest.ParseDocuments(display, data, manifest.DefaultLimits)
	})
	return f
}

// Build runs kustomize on dir, as `kubectl kustomize dir` would but without any network
// access or plugin execution, and returns the built objects, each located in the files
// the user wrote. dir is used as given for display paths.
func Build(dir string, cache *Cache) ([]*manifest.Object, error) {
	if cache == nil {
		cache = NewCache()
	}
	g, err := readGraph(dir)
	if err != nil {
		return nil, err
	}
	b := &builder{dir: dir, graph: g, cache: cache}
	if len(g.errs) > 0 {
		return nil, b.relocate(g.errs[0])
	}
	if len(g.remote) > 0 {
		r := g.remote[0]
		return nil, &finding.InputError{File: b.display(r.File), Line: r.Line, Message: fmt.Sprintf(
			"remote reference %q: kubectl-secure builds offline; vendor the base into the repository or lint its rendered output", r.Ref)}
	}
	// Parse every local resource file first: a syntax error is then reported with its own
	// file and line rather than inside kustomize's long message.
	for f := range g.files {
		if g.owners[f] == nil {
			continue
		}
		if sf := cache.file(f, b.display(f)); sf.err != nil {
			return nil, sf.err
		}
	}

	fs, err := newOriginFS(g.root)
	if err != nil {
		return nil, fmt.Errorf("preparing build of %s: %w", dir, err)
	}
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	resMap, err := krusty.MakeKustomizer(opts).Run(fs, g.root)
	if err != nil {
		return nil, &finding.InputError{File: b.display(g.nodes[g.root].file), Message: "kustomize build failed: " + oneLine(err.Error())}
	}
	var objs []*manifest.Object
	for _, r := range resMap.Resources() {
		obj, err := b.object(r)
		if err != nil {
			return nil, &finding.InputError{File: b.display(g.nodes[g.root].file), Message: err.Error()}
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

type builder struct {
	dir   string
	graph *graph
	cache *Cache
}

// display turns an absolute path into the path the user would type: relative to the
// directory they gave when they gave a relative one.
func (b *builder) display(abs string) string {
	if filepath.IsAbs(b.dir) {
		return abs
	}
	return filepath.Join(b.dir, relOrAbs(b.graph.root, abs))
}

func (b *builder) relocate(err error) error {
	var ie *finding.InputError
	if errors.As(err, &ie) && filepath.IsAbs(ie.File) {
		c := *ie
		c.File = b.display(ie.File)
		return &c
	}
	return err
}

// object converts one built resource, reading and then removing the origin annotation.
func (b *builder) object(r *resource.Resource) (*manifest.Object, error) {
	origin, err := r.GetOrigin()
	if err != nil {
		return nil, fmt.Errorf("reading origin of %s: %w", r.CurId(), err)
	}
	if err := stripAnnotations(r); err != nil {
		return nil, fmt.Errorf("cleaning %s: %w", r.CurId(), err)
	}
	data, err := r.AsYAML()
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", r.CurId(), err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("decoding built %s: %v", r.CurId(), err)
	}
	root := doc.Content[0]
	obj := &manifest.Object{Ref: manifest.RefOf(root), Root: root, Overlay: b.dir}
	if obj.Ref.Kind == "" {
		return nil, nil
	}
	loc := b.locator(obj, origin)
	obj.File, obj.Doc, obj.Generator = loc.file, loc.doc, loc.generator
	obj.Locator = loc
	return obj, nil
}

func stripAnnotations(r *resource.Resource) error {
	ann := r.GetAnnotations()
	_, a := ann[originAnnotation]
	_, t := ann[transformerAnnotation]
	if !a && !t {
		return nil
	}
	delete(ann, originAnnotation)
	delete(ann, transformerAnnotation)
	return r.SetAnnotations(ann)
}

// originFS is the disk, read-only, with the root kustomization read as if it asked for
// origin annotations. The user's file is never written.
type originFS struct {
	filesys.FileSystem
	rootDir string // symlink-free absolute directory, as kustomize's loader sees it
}

func newOriginFS(root string) (*originFS, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	return &originFS{FileSystem: filesys.MakeFsOnDisk(), rootDir: real}, nil
}

var errReadOnly = errors.New("kubectl-secure builds kustomizations read-only")

func (f *originFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || filepath.Dir(path) != f.rootDir || !isKustomizationName(filepath.Base(path)) {
		return data, err
	}
	return withOriginAnnotations(data)
}

func (f *originFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (f *originFS) Mkdir(string) error                  { return errReadOnly }
func (f *originFS) MkdirAll(string) error               { return errReadOnly }
func (f *originFS) RemoveAll(string) error              { return errReadOnly }
func (f *originFS) WriteFile(string, []byte) error      { return errReadOnly }

func isKustomizationName(name string) bool {
	for _, n := range fileNames {
		if n == name {
			return true
		}
	}
	return false
}

// withOriginAnnotations adds originAnnotations to buildMetadata, keeping what is there.
func withOriginAnnotations(data []byte) ([]byte, error) {
	node, err := kyaml.Parse(string(data))
	if err != nil {
		return nil, fmt.Errorf("reading kustomization: %w", err)
	}
	list, err := node.Pipe(kyaml.LookupCreate(kyaml.SequenceNode, "buildMetadata"))
	if err != nil {
		return nil, fmt.Errorf("reading buildMetadata: %w", err)
	}
	for _, e := range list.YNode().Content {
		if e.Value == types.OriginAnnotations {
			return data, nil
		}
	}
	list.YNode().Style = 0
	if err := list.PipeE(kyaml.Append(&kyaml.Node{Kind: kyaml.ScalarNode, Value: types.OriginAnnotations})); err != nil {
		return nil, fmt.Errorf("setting buildMetadata: %w", err)
	}
	out, err := node.String()
	return []byte(out), err
}

// oneLine flattens kustomize's multi-line, nested error messages.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
