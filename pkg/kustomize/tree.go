package kustomize

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Tree is what one kustomization reads, transitively: the files that belong to it (so a
// repository walk does not lint them again as plain manifests) and the kustomizations it
// builds on.
type Tree struct {
	Files          []string // absolute paths: kustomization files, resources, patches, generator inputs
	Kustomizations []string // absolute directories, the root first
	Remote         []Remote // references that would need the network
	// Component is set when the root is a kind: Component, which is meant to be included
	// by other kustomizations; Resources are the root's own local resources entries,
	// files and directories, absolute and in order.
	Component bool
	Resources []string
	// Missing are the local paths the tree names that do not exist (absolute): what a
	// build would fail on, and what to fetch when the tree is read from a revision's files.
	Missing []string
}

// Remote is a reference to a remote base or file, which kubectl-secure refuses to fetch.
type Remote struct {
	File string // absolute path of the kustomization that names it
	Line int
	Ref  string
}

// graph is a kustomization and everything below it, parsed.
type graph struct {
	root  string                    // absolute directory of the root kustomization
	nodes map[string]*kustomization // by absolute directory
	order []string                  // directories in breadth-first order from the root
	// applied lists the directories in the order kustomize applies their transformers:
	// a kustomization after its resources and its components.
	applied []string
	// parents maps a kustomization directory to the directories that include it as a
	// resource or component; owners maps a resource file to the kustomizations listing it.
	parents    map[string][]string
	children   map[string][]string // resources first, then components, as listed
	components map[string][]string
	owners     map[string][]string
	patchFiles map[string][]string // patch file -> the kustomizations listing it
	files      map[string]bool
	// rootResources are the root's local resources entries, resolved, in order.
	rootResources []string
	remote        []Remote
	errs          []error  // references that cannot be built: missing files, unreadable kustomizations
	missing       []string // absolute paths of the local references that do not exist
}

// ReadTree reads the kustomization in dir and every local kustomization it uses.
func ReadTree(dir string) (Tree, error) {
	g, err := readGraph(dir, NewCache())
	if err != nil {
		return Tree{}, err
	}
	t := Tree{Kustomizations: g.order, Remote: g.remote, Resources: g.rootResources, Missing: g.missing}
	if kind, _ := fieldpath.Str(fieldpath.MapGet(g.nodes[g.root].root, "kind")); kind == "Component" {
		t.Component = true
	}
	for f := range g.files {
		t.Files = append(t.Files, f)
	}
	sort.Strings(t.Files)
	return t, nil
}

func readGraph(dir string, cache *Cache) (*graph, error) {
	root, err := readKustomization(dir, cache)
	if err != nil {
		return nil, err
	}
	g := &graph{
		root:       root.dir,
		nodes:      map[string]*kustomization{root.dir: root},
		parents:    map[string][]string{},
		children:   map[string][]string{},
		components: map[string][]string{},
		owners:     map[string][]string{},
		patchFiles: map[string][]string{},
		files:      map[string]bool{},
	}
	w := &graphWalk{g: g, cache: cache, queue: []*kustomization{root}}
	for len(w.queue) > 0 {
		k := w.queue[0]
		w.queue = w.queue[1:]
		g.order = append(g.order, k.dir)
		g.files[k.file] = true
		w.visitEntries(k)
	}
	g.applied = g.applyOrder()
	return g, nil
}

// graphWalk reads the kustomizations of a graph breadth first from the root.
type graphWalk struct {
	g     *graph
	cache *Cache
	queue []*kustomization // read, their entries not visited yet
}

// visitEntries follows the entries of k: resources and components, generator,
// transformer and validator configurations, then the files k reads (patches, generator
// inputs and the rest).
func (w *graphWalk) visitEntries(k *kustomization) {
	for _, r := range k.resources() {
		w.visit(k, r, true, false)
	}
	for _, r := range k.stringList("components") {
		w.visit(k, r, true, true)
	}
	for _, field := range []string{"generators", "transformers", "validators"} {
		for _, r := range k.stringList(field) {
			if !isInline(r.value) {
				w.visit(k, r, false, false)
			}
		}
	}
	var refs, patches []ref
	for _, p := range k.patches() {
		if p.path.value != "" {
			patches = append(patches, p.path)
		}
	}
	refs = append(refs, patches...)
	refs = append(refs, k.generatorInputs()...)
	refs = append(refs, k.otherFiles()...)
	for i, r := range refs {
		w.visitFile(k, r, i < len(patches))
	}
}

// visit follows an entry of k that kustomize resolves as a file or else a kustomization
// directory; git URLs win over local paths, as in kustomize's loader. include says
// whether its objects end up in the build.
func (w *graphWalk) visit(k *kustomization, r ref, include, component bool) {
	g := w.g
	if isGitRemote(r.value) {
		g.remote = append(g.remote, Remote{File: k.file, Line: r.node.Line, Ref: r.value})
		return
	}
	p := k.abs(r.value)
	info, err := os.Stat(p)
	switch {
	case err != nil:
		g.recordMissing(k, r, err)
	case info.IsDir():
		if k.dir == g.root && include && !component {
			g.rootResources = append(g.rootResources, resolveLinks(p))
		}
		w.dirEntry(k, r, resolveLinks(p), include, component)
	case g.readable(k, r, info):
		p = ResolveDirLinks(p)
		g.files[p] = true
		if include {
			g.owners[p] = append(g.owners[p], k.dir)
		}
		if k.dir == g.root && include && !component {
			g.rootResources = append(g.rootResources, p)
		}
	}
}

// visitFile follows an entry of k that kustomize reads as a file: a patch, a generator
// input or another file kustomization reads.
func (w *graphWalk) visitFile(k *kustomization, r ref, patch bool) {
	g := w.g
	// kustomize's file loader fetches http(s) URLs before it looks at the disk.
	if isHTTP(r.value) {
		g.remote = append(g.remote, Remote{File: k.file, Line: r.node.Line, Ref: r.value})
		return
	}
	p := k.abs(r.value)
	info, err := os.Stat(p)
	switch {
	case err != nil:
		g.recordMissing(k, r, err)
	case g.readable(k, r, info):
		p = ResolveDirLinks(p)
		g.files[p] = true
		if patch {
			g.patchFiles[p] = append(g.patchFiles[p], k.dir)
		}
	}
}

// dirEntry reads the kustomization in directory p, which entry r of k names: kustomize
// loads a directory entry as a kustomization (resources, components, generators,
// transformers, validators).
func (w *graphWalk) dirEntry(k *kustomization, r ref, p string, include, component bool) {
	g := w.g
	if include {
		if component {
			g.components[k.dir] = append(g.components[k.dir], p)
		}
		g.children[k.dir] = append(g.children[k.dir], p)
		g.parents[p] = append(g.parents[p], k.dir)
	}
	if _, seen := g.nodes[p]; seen {
		return
	}
	if _, ok := KustomizationFile(p); !ok {
		// Point at the entry naming the directory: that is what needs a fix.
		g.missing = append(g.missing, p)
		g.errs = append(g.errs, &finding.InputError{File: k.file, Line: r.node.Line, Message: fmt.Sprintf("%q: %s", r.value, NoKustomization)})
		g.nodes[p] = nil
		return
	}
	child, err := readKustomization(p, w.cache)
	if err != nil {
		g.errs = append(g.errs, err)
		g.nodes[p] = nil
		return
	}
	g.nodes[p] = child
	w.queue = append(w.queue, child)
}

// readable reports whether the file entry r of k names (info, not a directory) can be
// read, and records at the entry why not otherwise: it is not a regular file, or it is
// over the size limit. kustomize reads a file whole (a resource, a generator input): the
// limit every manifest obeys holds before it reads it.
func (g *graph) readable(k *kustomization, r ref, info os.FileInfo) bool {
	switch {
	case !info.Mode().IsRegular():
		g.errs = append(g.errs, &finding.InputError{File: k.file, Line: r.node.Line, Message: fmt.Sprintf("%q is not a regular file", r.value)})
		return false
	case info.Size() > manifest.DefaultLimits.MaxFileBytes:
		g.errs = append(g.errs, &finding.InputError{File: k.file, Line: r.node.Line, Message: fmt.Sprintf(
			"%q is %d bytes, over the %d-byte limit for input files", r.value, info.Size(), manifest.DefaultLimits.MaxFileBytes)})
		return false
	}
	return true
}

// recordMissing records an entry naming nothing on disk: a remote reference when it looks like
// one (kustomize would try the network), otherwise a clear error at the entry, before
// kustomize reports it inside a long chain of wrapped errors.
func (g *graph) recordMissing(k *kustomization, r ref, err error) {
	if isRemote(r.value) {
		g.remote = append(g.remote, Remote{File: k.file, Line: r.node.Line, Ref: r.value})
		return
	}
	g.missing = append(g.missing, k.abs(r.value))
	g.errs = append(g.errs, &finding.InputError{File: k.file, Line: r.node.Line, Message: fmt.Sprintf("%q: %s", r.value, pathErrorText(err))})
}

// applyOrder lists the kustomizations in the order kustomize runs their transformers:
// depth first, a kustomization's resources, then its components, then itself.
func (g *graph) applyOrder() []string {
	var out []string
	done := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		if done[dir] {
			return
		}
		done[dir] = true
		for _, c := range g.children[dir] {
			walk(c)
		}
		out = append(out, dir)
	}
	walk(g.root)
	return out
}

// chain returns the kustomizations whose patches and entries can apply to a resource read
// from file (or generated by the kustomization in file's directory): the owners, their
// ancestors up to the root, and the components any of them include. The one applied last
// comes first: its patches and entries win.
func (g *graph) chain(owners []string) []*kustomization {
	in := map[string]bool{}
	var walk func(dir string)
	walk = func(dir string) {
		if in[dir] {
			return
		}
		in[dir] = true
		for _, p := range g.parents[dir] {
			walk(p)
		}
	}
	for _, o := range owners {
		walk(o)
	}
	// Components of the kustomizations on the chain apply to their resources too.
	for changed := true; changed; {
		changed = false
		for dir := range in {
			for _, c := range g.components[dir] {
				if !in[c] {
					in[c] = true
					changed = true
				}
			}
		}
	}
	var out []*kustomization
	for i := len(g.applied) - 1; i >= 0; i-- {
		if dir := g.applied[i]; in[dir] && g.nodes[dir] != nil {
			out = append(out, g.nodes[dir])
		}
	}
	return out
}

// includedBy returns the kustomizations dir includes as resources or components, directly
// or through others.
func (g *graph) includedBy(dir string) map[string]bool {
	in := map[string]bool{}
	var walk func(string)
	walk = func(d string) {
		for _, c := range g.children[d] {
			if !in[c] {
				in[c] = true
				walk(c)
			}
		}
	}
	walk(dir)
	return in
}

// within reports whether file lies in or below dir once symbolic links are resolved, as
// kustomize's load restrictor requires of every file a kustomization reads.
func within(dir, file string) bool {
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false
	}
	fd, err := filepath.EvalSymlinks(filepath.Dir(file))
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(d, fd)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolveLinks resolves the symbolic links of a path that exists, as kustomize's loader
// does for the directories it builds; a path it cannot resolve stays as it is.
func resolveLinks(p string) string {
	if real, err := filepath.EvalSymlinks(p); err == nil {
		return real
	}
	return p
}

// ResolveDirLinks resolves the symbolic links of a file's directory, not of the file
// itself, which need not exist: the path by which kustomize's load restrictor checks, and
// the key under which the graph knows a file whichever way a kustomization or kustomize's
// origin annotation names it. The fix writer matches the files it writes by it.
func ResolveDirLinks(p string) string {
	p = filepath.Clean(p)
	return filepath.Join(resolveLinks(filepath.Dir(p)), filepath.Base(p))
}

func relOrAbs(base, p string) string {
	if r, err := filepath.Rel(base, p); err == nil {
		return r
	}
	return p
}
