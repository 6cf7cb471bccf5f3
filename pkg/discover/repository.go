package discover

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// walkRepository finds everything to lint below root: each top kustomization (one no other
// kustomization in the tree uses as a resource or component) once, and every YAML file
// that belongs to no kustomization tree and is no Helm chart's own file as a plain
// manifest, and renders every chart that is no other chart's subchart. It also says which
// directories it left out and which charts it found.
func walkRepository(root string, includeHidden bool, chartOpts *chart.Options) walk {
	repo, errs := scanRepository(root, includeHidden)
	inputs := repo.tops()
	for _, dir := range repo.topCharts() {
		inputs = append(inputs, chartInputs(dir, chartOpts)...)
	}
	for _, f := range repo.files {
		if repo.members[repo.abs(f)] || kustomize.IsKustomizationFile(f) || repo.isChartFile(f) || repo.inChartCI(f) {
			continue
		}
		inputs = append(inputs, Input{Kind: File, Path: f, InKustomizeTree: repo.inKustomizeTree(f)})
	}
	sort.SliceStable(inputs, func(i, j int) bool { return inputs[i].Path < inputs[j].Path })
	w := walk{inputs: inputs, errs: errs, skipped: repo.skipped}
	for _, dir := range repo.chartDirs {
		w.charts = append(w.charts, Chart{Dir: dir, Name: chartName(dir)})
	}
	return w
}

// walk is what walkRepository found.
type walk struct {
	inputs  []Input
	errs    []finding.InputError
	skipped []string
	charts  []Chart
}

// repository is what a walk below a directory found.
type repository struct {
	files, kdirs []string                   // as walked: YAML files and kustomization directories
	treeOf       map[string]*kustomize.Tree // by walked kustomization directory, when it could be read
	members      map[string]bool            // absolute paths of files some kustomization reads
	used         map[string]bool            // absolute dirs of kustomizations another one uses
	abs          func(string) string
	// skipped are the hidden and node_modules directories left out that hold manifest
	// files; chartDirs the directories holding a Chart.yaml, in walk order.
	skipped, chartDirs []string
	isChart            map[string]bool
	kdirSet            map[string]bool // absolute kdirs, made on first use by inKustomizeTree
}

func scanRepository(root string, includeHidden bool) (*repository, []finding.InputError) {
	var (
		files, kdirs       []string
		skipped, chartDirs []string
		errs               []finding.InputError
		isKDir             = map[string]bool{}
		isChart            = map[string]bool{}
	)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, finding.InputError{File: p, Message: describe(err)})
			return nil
		}
		if d.IsDir() {
			if p == root {
				return nil
			}
			switch skipDir(p, d.Name(), includeHidden) {
			case skipNoted:
				if holdsManifests(p) {
					skipped = append(skipped, p)
				}
				return filepath.SkipDir
			case skipQuietly:
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() == chartFile && !isChart[filepath.Dir(p)] && isRegularFile(p, d) {
			isChart[filepath.Dir(p)] = true
			chartDirs = append(chartDirs, filepath.Dir(p))
		}
		// A directory is a kustomization when its listing, which the walk reads anyway,
		// has a kustomization file: no stat of the three names in every directory.
		if kustomize.IsKustomizationFile(p) && !isKDir[filepath.Dir(p)] && isRegularFile(p, d) {
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

	repo := &repository{files: files, kdirs: kdirs, treeOf: map[string]*kustomize.Tree{},
		members: map[string]bool{}, used: map[string]bool{},
		skipped: skipped, chartDirs: chartDirs, isChart: isChart,
		// filepath.Abs asks for the working directory, two stats, on every call: ask once.
		abs: absFunc()}
	for _, dir := range kdirs {
		tree, err := kustomize.ReadTree(dir)
		if err != nil {
			// The build of this kustomization reports the problem with its location.
			continue
		}
		repo.treeOf[dir] = &tree
		for _, f := range tree.Files {
			repo.members[f] = true
		}
		for _, k := range tree.Kustomizations {
			if k != repo.abs(dir) {
				repo.used[k] = true
			}
		}
	}
	return repo, errs
}

// tops are the top kustomizations, each to build once; a Component among them is
// optional, with what to lint instead if it does not build on its own.
func (r *repository) tops() []Input {
	var inputs []Input
	for _, dir := range r.kdirs {
		if !r.used[r.abs(dir)] {
			inputs = append(inputs, Input{Kind: Kustomize, Path: dir})
			if t := r.treeOf[dir]; t != nil {
				inputs[len(inputs)-1].Optional = t.Component
				inputs[len(inputs)-1].Reads = t.Files
			}
		}
	}
	r.setFallbacks(inputs)
	return inputs
}

// inContext lints named files as part of the repository below root: a file some Kustomize
// tree there reads (a resource, a patch, a kustomization) is linted through the builds of
// the top kustomizations whose trees read it, not as a manifest of its own; any other file
// is linted as itself. The walk's own errors concern files nobody named and are dropped.
func inContext(root string, named []string, includeHidden bool, chartOpts *chart.Options) []Input {
	repo, _ := scanRepository(root, includeHidden)
	tops := repo.tops()
	readBy := map[string][]int{} // absolute file -> the tops whose trees read it
	for i, top := range tops {
		if t := repo.treeOf[top.Path]; t != nil {
			for _, f := range t.Files {
				readBy[f] = append(readBy[f], i)
			}
		}
	}
	var inputs []Input
	built := map[int]bool{}
	for _, f := range named {
		// Tree paths have their symbolic links resolved.
		real := repo.abs(f)
		if r, err := filepath.EvalSymlinks(real); err == nil {
			real = r
		}
		owners := readBy[real]
		switch c := repo.chartOf(filepath.Dir(repo.walked(root, f))); {
		case c != "":
			// A chart's values, templates or Chart.yaml: linted through its renders.
			inputs = append(inputs, chartInputs(c, chartOpts)...)
			continue
		case len(owners) > 0:
		case kustomize.IsKustomizationFile(f):
			// Its tree could not be read: the build says why, at the line to fix.
			inputs = append(inputs, Input{Kind: Kustomize, Path: filepath.Dir(f)})
			continue
		default:
			inputs = append(inputs, Input{Kind: File, Path: f, InKustomizeTree: repo.inKustomizeTree(f)})
			continue
		}
		for _, i := range owners {
			if !built[i] {
				built[i] = true
				inputs = append(inputs, tops[i])
			}
		}
	}
	return inputs
}

// setFallbacks gives each optional input (a top Component) the resources of its own that
// no other top kustomization lints, each claimed by the first component listing it: what
// is linted instead if the component does not build on its own.
func (r *repository) setFallbacks(inputs []Input) {
	covered := map[string]bool{} // read by a top kustomization that is not a component
	for _, in := range inputs {
		if t := r.treeOf[in.Path]; t != nil && !in.Optional {
			for _, f := range t.Files {
				covered[f] = true
			}
			for _, k := range t.Kustomizations {
				covered[k] = true
			}
		}
	}
	shown := map[string]string{} // display path of what the walk found, by absolute path
	for _, f := range r.files {
		shown[r.abs(f)] = f
	}
	isDir := map[string]bool{}
	for _, d := range r.kdirs {
		shown[r.abs(d)] = d
		isDir[r.abs(d)] = true
	}
	// Tree paths have their symbolic links resolved: so must the directory they are shown
	// relative to.
	wd, _ := os.Getwd()
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	claimed := map[string]bool{}
	for i := range inputs {
		t := r.treeOf[inputs[i].Path]
		if !inputs[i].Optional || t == nil {
			continue
		}
		for _, res := range t.Resources {
			if covered[res] || claimed[res] {
				continue
			}
			claimed[res] = true
			p, ok := shown[res]
			if !ok {
				// Outside the walk (../shared from the repository root): as the user would type it.
				if rel, err := filepath.Rel(wd, res); err == nil && wd != "" {
					p = rel
				} else {
					p = res
				}
			}
			kind := File
			if isDir[res] || isDirectory(res) {
				kind = Kustomize
			}
			inputs[i].Fallback = append(inputs[i].Fallback, Input{Kind: kind, Path: p})
		}
	}
}

// inKustomizeTree reports whether file f (as walked) lies in the directory of a
// kustomization the walk found, or below one.
func (r *repository) inKustomizeTree(f string) bool {
	if r.kdirSet == nil {
		r.kdirSet = make(map[string]bool, len(r.kdirs))
		for _, d := range r.kdirs {
			r.kdirSet[r.abs(d)] = true
		}
	}
	for dir := filepath.Dir(r.abs(f)); ; {
		if r.kdirSet[dir] {
			return true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

func isDirectory(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// How a walk treats a directory.
const (
	walkIn      = iota
	skipNoted   // left out, and named in a note if it holds manifest files
	skipQuietly // left out: never holds manifests
)

// skipDir leaves out version-control directories (never manifests), hidden directories and
// node_modules (tool and dependency files, unless includeHidden: kubectl apply -R reads
// them, so leaving them out is said), and the templates of Helm charts, which are Go
// templates rather than manifests until Helm renders them (the chart itself is noted).
func skipDir(p, name string, includeHidden bool) int {
	switch {
	case vcsDirs[name]:
		return skipQuietly
	case strings.HasPrefix(name, ".") || name == "node_modules":
		if includeHidden {
			return walkIn
		}
		return skipNoted
	case name == "templates":
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), chartFile)); err == nil {
			return skipQuietly
		}
	}
	return walkIn
}

// vcsDirs hold a version-control system's own data.
var vcsDirs = map[string]bool{".git": true, ".hg": true, ".svn": true, ".bzr": true, ".jj": true}

// holdsManifestsLimit bounds how many entries holdsManifests looks at: a huge directory
// with no manifest file (a virtualenv, a cache) costs no more than this, and is named
// (nothing skipped in silence) when the limit is reached first.
const holdsManifestsLimit = 10000

// holdsManifests reports whether any file below dir has a manifest extension. It stops at
// the first one; node_modules has a package.json near its top.
func holdsManifests(dir string) bool {
	found, seen := false, 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if seen++; seen > holdsManifestsLimit || !d.IsDir() && hasExtension(p) {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// chartFile marks a Helm chart's directory.
const chartFile = "Chart.yaml"

// isChartFile reports a chart's own file, read by Helm and not a manifest: Chart.yaml,
// values files, the values schema and Helm 2's requirements.yaml, in a chart's directory.
func (r *repository) isChartFile(f string) bool {
	if !r.isChart[filepath.Dir(f)] {
		return false
	}
	name := filepath.Base(f)
	switch name {
	case chartFile, "values.schema.json", "requirements.yaml", "requirements.yml":
		return true
	}
	ext := filepath.Ext(name)
	return strings.HasPrefix(name, "values") && (ext == ".yaml" || ext == ".yml")
}

// chartName is the name a Chart.yaml gives its chart, "" when it cannot be read.
func chartName(dir string) string {
	p := filepath.Join(dir, chartFile)
	if info, err := os.Stat(p); err != nil || info.Size() > 1<<20 {
		return ""
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	var chart struct {
		Name string `yaml:"name"`
	}
	if yaml.Unmarshal(data, &chart) != nil {
		return ""
	}
	return chart.Name
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
