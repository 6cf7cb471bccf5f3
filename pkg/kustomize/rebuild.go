package kustomize

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Rebuild builds dir again with the contents of files (by absolute path) in place of what
// the disk holds, and files that are not on disk yet added: the fix writer checks with it
// what its edits do before anything is written. It returns the built objects in order.
func Rebuild(dir string, files map[string][]byte) ([]Built, error) {
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
	// The caller names files as the user sees them, kustomize by their real paths: match
	// them with symbolic links resolved.
	byReal := map[string][]byte{}
	for f, data := range files {
		byReal[ResolveDirLinks(f)] = data
	}
	fs := &overrideFS{FileSystem: filesys.MakeFsOnDisk(), files: byReal}
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	restore := quietStderr()
	resMap, err := krusty.MakeKustomizer(opts).Run(fs, g.root)
	restore()
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %s", oneLine(err.Error()))
	}
	var out []Built
	for _, r := range resMap.Resources() {
		out = append(out, Built{
			Ref: finding.ObjectRef{APIVersion: r.GetApiVersion(), Kind: r.GetKind(), Namespace: r.GetNamespace(), Name: r.GetName()},
			Sum: fingerprint(r.YNode()),
			res: r,
		})
	}
	return out, nil
}

// Built is one object of a Rebuild. Turning every object back into YAML costs more than
// the build on large inputs (CRD bundles); the fingerprint tells which ones to look at.
type Built struct {
	Ref finding.ObjectRef
	Sum [32]byte // of the content, as kustomize holds it
	res *resource.Resource
}

// Node returns the object as Build would show it.
func (b Built) Node() (*yaml.Node, error) {
	data, err := b.res.AsYAML()
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", b.Ref, err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("decoding built %s: %v", b.Ref, err)
	}
	return doc.Content[0], nil
}

func fingerprint(n *kyaml.Node) [32]byte {
	h := sha256.New()
	var walk func(n *kyaml.Node)
	walk = func(n *kyaml.Node) {
		if n == nil {
			h.Write([]byte{0})
			return
		}
		fmt.Fprintf(h, "%d\x00%s\x00%d\x00%s\x00", n.Kind, n.Tag, len(n.Value), n.Value)
		fmt.Fprintf(h, "%d\x00", len(n.Content))
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// overrideFS is the disk, read-only, with some files replaced or added.
type overrideFS struct {
	filesys.FileSystem
	files map[string][]byte // by real path
}

func (f *overrideFS) lookup(p string) (string, []byte, bool) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", nil, false
	}
	real := ResolveDirLinks(abs)
	data, ok := f.files[real]
	return real, data, ok
}

func (f *overrideFS) ReadFile(p string) ([]byte, error) {
	if _, data, ok := f.lookup(p); ok {
		return append([]byte(nil), data...), nil
	}
	return f.FileSystem.ReadFile(p)
}

func (f *overrideFS) Exists(p string) bool {
	if _, _, ok := f.lookup(p); ok {
		return true
	}
	return f.FileSystem.Exists(p)
}

func (f *overrideFS) IsDir(p string) bool {
	if _, _, ok := f.lookup(p); ok {
		return false
	}
	return f.FileSystem.IsDir(p)
}

func (f *overrideFS) CleanedAbs(p string) (filesys.ConfirmedDir, string, error) {
	if real, _, ok := f.lookup(p); ok {
		return filesys.ConfirmedDir(filepath.Dir(real)), filepath.Base(real), nil
	}
	return f.FileSystem.CleanedAbs(p)
}

func (f *overrideFS) Open(p string) (filesys.File, error) {
	if _, _, ok := f.lookup(p); ok {
		return nil, fmt.Errorf("%s: opening a changed file is not supported", p)
	}
	return f.FileSystem.Open(p)
}

func (f *overrideFS) Create(string) (filesys.File, error) { return nil, errRebuildReadOnly }
func (f *overrideFS) Mkdir(string) error                  { return errRebuildReadOnly }
func (f *overrideFS) MkdirAll(string) error               { return errRebuildReadOnly }
func (f *overrideFS) RemoveAll(string) error              { return errRebuildReadOnly }
func (f *overrideFS) WriteFile(string, []byte) error      { return errRebuildReadOnly }

var errRebuildReadOnly = errors.New("a rebuild for fixes reads the disk only")

var stderrMu sync.Mutex

// quietStderr silences kustomize's deprecation warnings, which it prints straight to
// os.Stderr: the build the user asked for showed them already, and a fix may rebuild an
// overlay many times.
func quietStderr() (restore func()) {
	stderrMu.Lock()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		stderrMu.Unlock()
		return func() {}
	}
	saved := os.Stderr
	os.Stderr = devnull
	return func() {
		os.Stderr = saved
		devnull.Close()
		stderrMu.Unlock()
	}
}
