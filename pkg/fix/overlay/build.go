package overlay

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// build builds dir with the workspace's changes. Builds are cached by the content of the
// changed files the kustomization tree reads, so that the state one object's fixes leave
// is not built again as the starting point of the next object's; one state per directory
// is kept.
func (w *KustomizeWriter) build(ws *fix.Workspace, dir string) ([]kustomize.Built, error) {
	rel := w.relevance(dir)
	files := map[string][]byte{}
	h := sha256.New()
	for _, f := range ws.Changed() {
		if f.Path == fix.Stdin {
			continue
		}
		abs, err := filepath.Abs(f.Path)
		if err != nil {
			return nil, err
		}
		files[abs] = f.Data
		if rel != nil && !rel(abs) {
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", abs, len(f.Data))
		h.Write(f.Data)
	}
	key := hex.EncodeToString(h.Sum(nil))
	if r, ok := w.builds[dir]; ok && r.key == key {
		return r.objs, r.err
	}
	objs, err := kustomize.Rebuild(dir, files)
	w.builds[dir] = buildResult{key: key, objs: objs, err: err}
	return objs, err
}

// relevance returns whether a file can change what dir builds: one of the files its tree
// reads, or a new file in one of its kustomizations' directories. nil: any file can.
func (w *KustomizeWriter) relevance(dir string) func(abs string) bool {
	if r, ok := w.trees[dir]; ok {
		return r
	}
	var r func(string) bool
	if tree, err := kustomize.ReadTree(dir); err == nil {
		files, dirs := map[string]bool{}, map[string]bool{}
		for _, f := range tree.Files {
			files[kustomize.ResolveDirLinks(f)] = true
		}
		for _, d := range tree.Kustomizations {
			dirs[filepath.Dir(kustomize.ResolveDirLinks(filepath.Join(d, "kustomization.yaml")))] = true
		}
		r = func(abs string) bool {
			real := kustomize.ResolveDirLinks(abs)
			return files[real] || dirs[filepath.Dir(real)]
		}
	}
	w.trees[dir] = r
	return r
}

// within reports whether file lies in or below dir.
func within(dir, file string) bool {
	d, err1 := filepath.Abs(dir)
	f, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return false
	}
	if r, err := filepath.EvalSymlinks(d); err == nil {
		d = r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(f)); err == nil {
		f = filepath.Join(r, filepath.Base(f))
	}
	rel, err := filepath.Rel(d, f)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
