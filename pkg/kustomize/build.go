package kustomize

import (
	"errors"
	"fmt"
	goyaml "go.yaml.in/yaml/v3"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Cache holds the parsed source files of kustomizations, so that a base shared by several
// overlays is read and parsed once per run. It is safe for concurrent use.
type Cache struct {
	mu     sync.Mutex
	files  map[string]*sourceFile
	parsed atomic.Int64 // files read and parsed, for tests
	limits manifest.Limits
}

type sourceFile struct {
	once sync.Once
	docs []manifest.Document
	data []byte
	err  *finding.InputError // File is absolute: each build shows it its own way
}

// NewCache returns an empty cache.
func NewCache() *Cache { return NewCacheWith(manifest.DefaultLimits) }

// NewCacheWith is NewCache parsing the files it reads under limits (with their NoFastPath,
// the source files are read by yaml.v3 alone, as the plain files of the same run).
func NewCacheWith(limits manifest.Limits) *Cache {
	return &Cache{files: map[string]*sourceFile{}, limits: limits}
}

// file returns the parsed documents of an absolute path.
func (c *Cache) file(abs string) *sourceFile {
	c.mu.Lock()
	f, ok := c.files[abs]
	if !ok {
		f = &sourceFile{}
		c.files[abs] = f
	}
	c.mu.Unlock()
	f.once.Do(func() {
		c.parsed.Add(1)
		data, err := readLimited(abs, manifest.DefaultLimits.MaxFileBytes)
		if err != nil {
			f.err = &finding.InputError{File: abs, Message: pathErrorText(err)}
			return
		}
		f.data = data
		f.docs, f.err = manifest.ParseDocuments(abs, data, c.limits)
	})
	return f
}

var errDeadline = errors.New("deadline exceeded")

// runWithDeadline runs build and returns its result, or errDeadline once max has passed
// (max <= 0: no deadline). kustomize's library takes no context and cannot be stopped, so
// a build past its deadline is abandoned: its goroutine runs on, read-only, until it ends
// or the process exits, which the run does soon after reporting the error.
func runWithDeadline(max time.Duration, build func() (resmap.ResMap, error)) (resmap.ResMap, error) {
	if max <= 0 {
		return build()
	}
	type result struct {
		m   resmap.ResMap
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned build's send never blocks
	go func() {
		m, err := build()
		done <- result{m, err}
	}()
	timer := time.NewTimer(max)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.m, r.err
	case <-timer.C:
		return nil, errDeadline
	}
}

// readLimited reads a regular file, refusing one over max bytes before reading it.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if max > 0 && info.Size() > max {
		return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit", info.Size(), max)
	}
	return io.ReadAll(f)
}

// ErrUnmatchedTarget marks a build kustomize refused because a patch or a replacement names
// an object the build does not have. A Component built on its own fails this way when it
// patches objects of the kustomizations meant to include it.
var ErrUnmatchedTarget = errors.New("a patch or replacement targets an object the build does not have")

// buildError is a failed kustomize build: an input error, which errors.Is also reports as
// ErrUnmatchedTarget when that is why it failed.
type buildError struct {
	*finding.InputError
	unmatched bool
}

func (e *buildError) Unwrap() []error {
	if e.unmatched {
		return []error{e.InputError, ErrUnmatchedTarget}
	}
	return []error{e.InputError}
}

// unmatchedTarget recognises kustomize's messages (api v0.21) for a patch or replacement
// whose target is not in the build.
func unmatchedTarget(msg string) bool {
	for _, s := range []string{"no resource matches strategic merge patch", "failed to find unique target for patch",
		"unable to find patch target", "nothing selected by"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Build runs kustomize on dir, as `kubectl kustomize dir` would but without any network
// access or plugin execution, and returns the built objects, each located in the files
// the user wrote. dir is used as given for display paths.
func Build(dir string, cache *Cache) ([]*manifest.Object, error) {
	return BuildLimited(dir, cache, manifest.DefaultLimits)
}

// BuildLimited is Build under limits: its MaxBuildTime and LoadOutsideRoot apply to the
// build (file sizes are always manifest.DefaultLimits.MaxFileBytes, as for every file the
// cache reads).
func BuildLimited(dir string, cache *Cache, limits manifest.Limits) ([]*manifest.Object, error) {
	if cache == nil {
		cache = NewCache()
	}
	b := newBuilder(dir, cache)
	g, err := readGraph(dir, cache)
	if err != nil {
		return nil, b.displayError(err)
	}
	b.graph = g
	if len(g.errs) > 0 {
		return nil, b.displayError(g.errs[0])
	}
	if len(g.remote) > 0 {
		r := g.remote[0]
		return nil, &finding.InputError{File: b.display(r.File), Line: r.Line, Message: fmt.Sprintf(
			"remote reference %q: kubectl-secure builds offline; vendor the base into the repository or lint its rendered output", r.Ref)}
	}
	if err := b.parseInputs(limits); err != nil {
		return nil, err
	}

	fs, err := newOriginFS(g.root)
	if err != nil {
		return nil, fmt.Errorf("preparing build of %s: %w", dir, err)
	}
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	if limits.LoadOutsideRoot {
		// Remote bases stay refused (readGraph) and plugins disabled (above): none
		// widens what is read from this disk, nothing else.
		opts.LoadRestrictions = types.LoadRestrictionsNone
	}
	resMap, err := runWithDeadline(limits.MaxBuildTime, func() (resmap.ResMap, error) {
		return krusty.MakeKustomizer(opts).Run(fs, g.root)
	})
	if errors.Is(err, errDeadline) {
		return nil, &finding.InputError{File: b.display(g.nodes[g.root].file), Message: fmt.Sprintf(
			"kustomize build of %s did not finish within %s; abandoned", b.display(g.root), limits.MaxBuildTime)}
	}
	if err != nil {
		msg := oneLine(err.Error())
		file, line := b.quotedEntry(msg)
		ie := &finding.InputError{File: b.display(file), Line: line, Message: "kustomize build failed: " + b.displayMessage(msg, fs.rootDir)}
		return nil, &buildError{InputError: ie, unmatched: unmatchedTarget(msg)}
	}
	var objs []*manifest.Object
	for _, r := range resMap.Resources() {
		obj, err := b.object(r, fs.injected.Load())
		if err != nil {
			return nil, &finding.InputError{File: b.display(g.nodes[g.root].file), Message: err.Error()}
		}
		if obj != nil {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// parseInputs parses every local resource and patch file of the graph before kustomize
// runs: a syntax error is then reported with its own file and line rather than inside
// kustomize's long message. A file outside its kustomization's directory is not read:
// kustomize's load restrictor refuses it with its own message.
func (b *builder) parseInputs(limits manifest.Limits) error {
	g := b.graph
	owners := map[string][]string{}
	for _, m := range []map[string][]string{g.owners, g.patchFiles} {
		for f, dirs := range m {
			owners[f] = append(owners[f], dirs...)
		}
	}
	files := make([]string, 0, len(owners))
	for f := range owners {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		if !limits.LoadOutsideRoot && !ownedWithin(owners[f], f) {
			continue
		}
		sf := b.cache.file(f)
		if sf.err != nil {
			return b.displayError(sf.err)
		}
		// kubectl kustomize refuses a file with a duplicate key ("mapping key already
		// defined"); the embedded kustomize would build it from one of the values.
		for _, d := range sf.docs {
			if d.Duplicate != nil {
				return b.displayError(d.Duplicate)
			}
		}
	}
	return nil
}

type builder struct {
	dir   string // as the user gave it
	root  string // absolute and free of symbolic links, as in the graph
	wd    string // the working directory, free of symbolic links
	graph *graph
	cache *Cache
}

func newBuilder(dir string, cache *Cache) *builder {
	b := &builder{dir: dir, cache: cache}
	if abs, err := filepath.Abs(dir); err == nil {
		b.root = resolveLinks(abs)
	}
	if wd, err := os.Getwd(); err == nil {
		b.wd = resolveLinks(wd)
	}
	return b
}

// display turns an absolute path into the path the user would type: relative to the
// working directory when they gave a relative directory, under that directory as they
// spelled it when the file is inside.
func (b *builder) display(abs string) string {
	if filepath.IsAbs(b.dir) {
		return abs
	}
	rel, err := filepath.Rel(b.root, abs)
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.Join(b.dir, rel)
	}
	// Outside it: the directory may have been reached through a symbolic link, so go
	// from the real working directory.
	if b.wd != "" {
		if rel, err := filepath.Rel(b.wd, abs); err == nil {
			return rel
		}
	}
	return filepath.Join(b.dir, relOrAbs(b.root, abs))
}

// displayError shows the absolute path of an input error the way the user gave dir.
func (b *builder) displayError(err error) error {
	var ie *finding.InputError
	if !errors.As(err, &ie) || !filepath.IsAbs(ie.File) {
		return err
	}
	c := *ie
	c.File = b.display(ie.File)
	return &c
}

// quotedEntry finds the kustomization entry a kustomize error quotes, so that the error points
// at its line; the root kustomization when none is quoted.
func (b *builder) quotedEntry(msg string) (string, int) {
	g := b.graph
	for _, dir := range g.order {
		k := g.nodes[dir]
		if k == nil {
			continue
		}
		refs := append(k.resources(), k.stringList("components")...)
		for _, p := range k.patches() {
			if p.path.value != "" {
				refs = append(refs, p.path)
			}
		}
		refs = append(refs, k.generatorInputs()...)
		refs = append(refs, k.otherFiles()...)
		for _, r := range refs {
			if strings.Contains(msg, "'"+r.value+"'") || strings.Contains(msg, "("+r.value+")") {
				return k.file, r.node.Line
			}
		}
	}
	return g.nodes[g.root].file, 0
}

// displayMessage rewrites the resolved absolute paths kustomize puts in its messages the way the
// user gave the directory: relative to the working directory when dir is relative.
func (b *builder) displayMessage(msg, realRoot string) string {
	if filepath.IsAbs(b.dir) {
		return msg
	}
	sep := string(filepath.Separator)
	msg = strings.ReplaceAll(msg, "'"+realRoot+"'", "'"+filepath.Clean(b.dir)+"'")
	if b.wd != "" {
		return strings.ReplaceAll(msg, b.wd+sep, "")
	}
	return strings.ReplaceAll(msg, realRoot+sep, filepath.Clean(b.dir)+sep)
}

func ownedWithin(owners []string, file string) bool {
	for _, o := range owners {
		if within(o, file) {
			return true
		}
	}
	return false
}

// object converts one built resource, reading the origin annotation and removing it when
// the build added it (a kustomization that asks for it keeps it, as kubectl would).
func (b *builder) object(r *resource.Resource, strip bool) (*manifest.Object, error) {
	origin, err := r.GetOrigin()
	if err != nil {
		return nil, fmt.Errorf("reading origin of %s: %w", r.CurId(), err)
	}
	if strip {
		if err := stripOrigin(r); err != nil {
			return nil, fmt.Errorf("cleaning %s: %w", r.CurId(), err)
		}
	}
	// The built tree is copied node by node into the parser's node type: encoding it to
	// YAML and parsing that again cost a fifth of a build.
	root := convertNode(r.YNode(), map[*goyaml.Node]*yaml.Node{})
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("built %s is not a mapping", r.CurId())
	}
	obj := &manifest.Object{Ref: manifest.RefOf(root), Root: root, Overlay: b.dir}
	if obj.Ref.Kind == "" {
		return nil, nil
	}
	loc := b.locator(obj, origin)
	obj.File, obj.Doc, obj.Generator = loc.file, loc.doc, loc.generator
	obj.Locator = loc
	return obj, nil
}

// oneLine flattens kustomize's multi-line, nested error messages.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// convertNode copies a kyaml (go.yaml.in/yaml/v3) node tree into a gopkg.in/yaml.v3 one.
// The two are forks of the same code with the same kinds and styles. Aliases keep pointing
// at the copy of their anchor.
func convertNode(n *goyaml.Node, seen map[*goyaml.Node]*yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if c, ok := seen[n]; ok {
		return c
	}
	c := &yaml.Node{
		Kind: yaml.Kind(n.Kind), Style: yaml.Style(n.Style), Tag: n.Tag, Value: n.Value, Anchor: n.Anchor,
		HeadComment: n.HeadComment, LineComment: n.LineComment, FootComment: n.FootComment,
		Line: n.Line, Column: n.Column,
	}
	seen[n] = c
	if n.Kind == goyaml.ScalarNode && c.Tag == "" {
		// Nodes kustomize creates may leave the tag unresolved; resolve it the way a parse
		// of the encoded text would.
		c.Tag = n.ShortTag()
	}
	if len(n.Content) > 0 {
		c.Content = make([]*yaml.Node, len(n.Content))
		for i, k := range n.Content {
			c.Content[i] = convertNode(k, seen)
		}
	}
	if n.Alias != nil {
		c.Alias = convertNode(n.Alias, seen)
	}
	return c
}
