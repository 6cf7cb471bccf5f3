// kustomize's origin annotations, which say where each built object came from: the build
// asks for them without writing the user's kustomization, and takes them off again.

package kustomize

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"

	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

const originAnnotation = "config.kubernetes.io/origin"

func stripOrigin(r *resource.Resource) error {
	ann := r.GetAnnotations()
	if _, ok := ann[originAnnotation]; !ok {
		return nil
	}
	delete(ann, originAnnotation)
	return r.SetAnnotations(ann)
}

// originFS is the disk, read-only, with the root kustomization read as if it asked for
// origin annotations. The user's file is never written.
type originFS struct {
	filesys.FileSystem
	rootDir  string      // symlink-free absolute directory, as kustomize's loader sees it
	injected atomic.Bool // the root kustomization did not ask for origin annotations itself
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
	// The same size limit as every manifest, also for generator inputs, which readGraph
	// checks before the build; this holds it for a file that grew since.
	data, err := readLimited(path, manifest.DefaultLimits.MaxFileBytes)
	if err != nil || filepath.Dir(path) != f.rootDir || !IsKustomizationFile(path) {
		return data, err
	}
	out, added, err := withOriginAnnotations(data)
	if added {
		f.injected.Store(true)
	}
	return out, err
}

func (f *originFS) Create(string) (filesys.File, error) { return nil, errReadOnly }
func (f *originFS) Mkdir(string) error                  { return errReadOnly }
func (f *originFS) MkdirAll(string) error               { return errReadOnly }
func (f *originFS) RemoveAll(string) error              { return errReadOnly }
func (f *originFS) WriteFile(string, []byte) error      { return errReadOnly }

// withOriginAnnotations adds originAnnotations to buildMetadata, keeping what is there,
// and says whether it had to.
func withOriginAnnotations(data []byte) ([]byte, bool, error) {
	node, err := kyaml.Parse(string(data))
	if err != nil {
		return nil, false, fmt.Errorf("reading kustomization: %w", err)
	}
	list, err := node.Pipe(kyaml.LookupCreate(kyaml.SequenceNode, "buildMetadata"))
	if err != nil {
		return nil, false, fmt.Errorf("reading buildMetadata: %w", err)
	}
	for _, e := range list.YNode().Content {
		if e.Value == types.OriginAnnotations {
			return data, false, nil
		}
	}
	list.YNode().Style = 0
	if err := list.PipeE(kyaml.Append(&kyaml.Node{Kind: kyaml.ScalarNode, Value: types.OriginAnnotations})); err != nil {
		return nil, false, fmt.Errorf("setting buildMetadata: %w", err)
	}
	out, err := node.String()
	return []byte(out), true, err
}
