package discover

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// walkRepository finds everything to lint below root: each top kustomization (one no other
// kustomization in the tree uses as a resource or component) once, and every YAML file
// that belongs to no kustomization tree as a plain manifest.
func walkRepository(root string) ([]Input, []finding.InputError) {
	var (
		files, kdirs []string
		errs         []finding.InputError
		isKDir       = map[string]bool{}
	)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, finding.InputError{File: p, Message: describe(err)})
			return nil
		}
		if d.IsDir() {
			if p != root && skipDir(p, d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		// A directory is a kustomization when its listing, which the walk reads anyway,
		// has a kustomization file: no stat of the three names in every directory.
		if isKustomizationFile(p) && !isKDir[filepath.Dir(p)] && isRegularFile(p, d) {
			isKDir[filepath.Dir(p)] = true
			kdirs = append(kdirs, filepath.Dir(p))
		}
		if !hasExtension(p) {
			return nil
		}
		if e := escapes(root, p, d); e != nil {
			errs = append(errs, *e)
			return nil
		}
		if isRegularFile(p, d) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, finding.InputError{File: root, Message: describe(err)})
	}

	// filepath.Abs asks for the working directory, two stats, on every call: ask once.
	abs := absFunc()
	members := map[string]bool{} // absolute paths of files some kustomization reads
	used := map[string]bool{}    // absolute dirs of kustomizations another one uses
	for _, dir := range kdirs {
		tree, err := kustomize.ReadTree(dir)
		if err != nil {
			// The build of this kustomization reports the problem with its location.
			continue
		}
		for _, f := range tree.Files {
			members[f] = true
		}
		for _, k := range tree.Kustomizations {
			if k != abs(dir) {
				used[k] = true
			}
		}
	}
	var inputs []Input
	for _, dir := range kdirs {
		if !used[abs(dir)] {
			inputs = append(inputs, Input{Kind: Kustomize, Path: dir})
		}
	}
	for _, f := range files {
		if members[abs(f)] || isKustomizationFile(f) {
			continue
		}
		inputs = append(inputs, Input{Kind: File, Path: f})
	}
	sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].Path < inputs[j].Path })
	return inputs, errs
}

// skipDir leaves out version-control and tool directories, and the templates of Helm
// charts, which are Go templates rather than manifests until Helm renders them.
func skipDir(p, name string) bool {
	if strings.HasPrefix(name, ".") || name == "node_modules" {
		return true
	}
	if name == "templates" {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "Chart.yaml")); err == nil {
			return true
		}
	}
	return false
}

func isKustomizationFile(p string) bool {
	switch filepath.Base(p) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}

// absFunc returns filepath.Abs with the working directory read once; a path it cannot
// make absolute stays as it is, cleaned.
func absFunc() func(string) string {
	wd, err := os.Getwd()
	return func(p string) string {
		switch {
		case filepath.IsAbs(p):
			return filepath.Clean(p)
		case err != nil:
			return filepath.Clean(p)
		}
		return filepath.Join(wd, p)
	}
}
