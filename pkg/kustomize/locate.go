package kustomize

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/api/resource"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// locator maps a field of a built object to the place that set it: an overlay patch that
// sets it, an entry of a kustomization (images:, namespace:, ...) that changed it, or the
// resource in the file it came from; a missing field goes to the deepest existing parent.
type locator struct {
	file      string // display path of the source file
	doc       int
	generator string
	built     *yaml.Node
	source    *yaml.Node // the object as written in file, or the generator entry
	chain     []*kustomization
	names     []string // the object's name as written and as built
	patches   []patchDoc
	b         *builder
}

// patchDoc is one document of a patch that applies to the object: a strategic-merge
// patch (root is a mapping mirroring the object) or a JSON 6902 op list.
type patchDoc struct {
	file string
	root *yaml.Node
	ops  bool
}

func (b *builder) locator(obj *manifest.Object, origin *resource.Origin) *locator {
	g := b.graph
	l := &locator{b: b, built: obj.Root, names: []string{obj.Ref.Name}}
	rootFile := g.nodes[g.root].file
	l.file = b.display(rootFile)
	var owners []string
	switch {
	case origin == nil:
		owners = []string{g.root}
	case origin.ConfiguredIn != "":
		kfile := filepath.Join(g.root, origin.ConfiguredIn)
		owners = []string{filepath.Dir(kfile)}
		l.file = b.display(kfile)
		if k := g.nodes[filepath.Dir(kfile)]; k != nil {
			l.generatorEntry(k, origin.ConfiguredBy.Kind, origin.ConfiguredBy.Name)
		}
	case origin.Path != "":
		abs := filepath.Join(g.root, origin.Path)
		owners = g.owners[abs]
		l.file = b.display(abs)
		sf := b.cache.file(abs, l.file)
		l.doc, l.source = findObject(sf.docs, obj)
		if l.source != nil {
			if n, ok := fieldpath.Str(fieldpath.Lookup(l.source, fieldpath.New("metadata", "name"))); ok {
				l.names = append(l.names, n)
			}
		}
	}
	l.chain = g.chain(owners)
	l.collectPatches(obj)
	return l
}

func (l *locator) generatorEntry(k *kustomization, kind, name string) {
	field := map[string]string{"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}[kind]
	if field == "" {
		return
	}
	l.generator = field
	for _, gen := range fieldpath.Items(fieldpath.MapGet(k.root, field)) {
		if n, _ := fieldpath.Str(fieldpath.MapGet(gen, "name")); n == name {
			l.source = gen
			l.names = append(l.names, name)
			return
		}
	}
}

// findObject picks the document of a source file the built object came from: same kind,
// and the name as written (kustomize may have added a prefix, suffix or namespace).
func findObject(docs []manifest.Document, obj *manifest.Object) (int, *yaml.Node) {
	var fallback *manifest.Document
	bestLen := -1
	var best *manifest.Document
	for i := range docs {
		d := &docs[i]
		ref := manifest.RefOf(fieldpath.Deref(d.Root))
		if ref.Kind != obj.Ref.Kind {
			continue
		}
		if fallback == nil {
			fallback = d
		}
		if ref.Name == obj.Ref.Name && (ref.Namespace == "" || ref.Namespace == obj.Ref.Namespace) {
			return d.Index, fieldpath.Deref(d.Root)
		}
		if ref.Name != "" && strings.Contains(obj.Ref.Name, ref.Name) && len(ref.Name) > bestLen {
			best, bestLen = d, len(ref.Name)
		}
	}
	if best == nil {
		best = fallback
	}
	if best == nil {
		return 0, nil
	}
	return best.Index, fieldpath.Deref(best.Root)
}

// collectPatches finds the patch documents of the chain that target the object, in the
// order in which a later one wins: the root's first, and within a kustomization the
// last patch first.
func (l *locator) collectPatches(obj *manifest.Object) {
	for _, k := range l.chain {
		ps := k.patches()
		for i := len(ps) - 1; i >= 0; i-- {
			p := ps[i]
			docs := l.patchDocs(k, p)
			for j := len(docs) - 1; j >= 0; j-- {
				d := docs[j]
				ops := fieldpath.Deref(d.root).Kind == yaml.SequenceNode
				if p.target != nil {
					if !l.matchesTarget(obj, p.target) {
						continue
					}
				} else if ops || !l.matchesPatch(obj, d.root) {
					continue
				}
				d.ops = ops
				l.patches = append(l.patches, d)
			}
		}
	}
}

func (l *locator) patchDocs(k *kustomization, p patch) []patchDoc {
	if p.path.value != "" {
		abs := k.abs(p.path.value)
		display := l.b.display(abs)
		sf := l.b.cache.file(abs, display)
		var out []patchDoc
		for _, d := range sf.docs {
			out = append(out, patchDoc{file: display, root: d.Root})
		}
		return out
	}
	if p.inline == nil {
		return nil
	}
	text, _ := fieldpath.Str(p.inline)
	docs, _ := manifest.ParseDocuments("", []byte(text), manifest.DefaultLimits)
	line, col := inlineOrigin(k.data, p.inline)
	display := l.b.display(k.file)
	var out []patchDoc
	for _, d := range docs {
		shift(d.Root, p.inline, line, col)
		out = append(out, patchDoc{file: display, root: d.Root})
	}
	return out
}

// inlineOrigin is where the text of an inline patch starts: for a block scalar the line
// after the indicator, at the block's indentation.
func inlineOrigin(data []byte, n *yaml.Node) (line, col int) {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return n.Line, n.Column
	}
	lines := bytes.Split(data, []byte("\n"))
	for i := n.Line; i < len(lines); i++ { // lines[i] is line i+1
		t := bytes.TrimLeft(lines[i], " ")
		if len(bytes.TrimSpace(t)) == 0 {
			continue
		}
		return i + 1, len(lines[i]) - len(t) + 1
	}
	return n.Line, n.Column
}

// shift moves the positions of a parsed inline patch into the kustomization file. A
// quoted or plain scalar cannot be mapped line by line; all of it points at the scalar.
func shift(n, scalar *yaml.Node, line, col int) {
	block := scalar.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0
	var walk func(*yaml.Node)
	seen := map[*yaml.Node]bool{}
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if block {
			n.Column += col - 1
			n.Line += line - 1
		} else {
			n.Line, n.Column = line, col
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
}

func (l *locator) nameMatches(name string, re bool) bool {
	for _, n := range l.names {
		if re {
			if matchRegex(name, n) {
				return true
			}
		} else if n == name {
			return true
		}
	}
	return false
}

func (l *locator) matchesPatch(obj *manifest.Object, root *yaml.Node) bool {
	ref := manifest.RefOf(fieldpath.Deref(root))
	return ref.Kind == obj.Ref.Kind && l.nameMatches(ref.Name, false)
}

// matchesTarget applies a kustomize target selector; its string fields are anchored
// regular expressions.
func (l *locator) matchesTarget(obj *manifest.Object, t *yaml.Node) bool {
	get := func(k string) string { s, _ := fieldpath.Str(fieldpath.MapGet(t, k)); return s }
	group, version := splitAPIVersion(obj.Ref.APIVersion)
	if k := get("kind"); k != "" && !matchRegex(k, obj.Ref.Kind) {
		return false
	}
	if n := get("name"); n != "" && !l.nameMatches(n, true) {
		return false
	}
	if ns := get("namespace"); ns != "" && !matchRegex(ns, obj.Ref.Namespace) {
		return false
	}
	if gr := get("group"); gr != "" && !matchRegex(gr, group) {
		return false
	}
	if v := get("version"); v != "" && !matchRegex(v, version) {
		return false
	}
	for field, meta := range map[string]string{"labelSelector": "labels", "annotationSelector": "annotations"} {
		s := get(field)
		if s == "" {
			continue
		}
		sel, err := labels.Parse(s)
		if err != nil {
			return false
		}
		set := labels.Set{}
		fieldpath.Pairs(fieldpath.Lookup(l.built, fieldpath.New("metadata", meta)), func(k string, _, v *yaml.Node) {
			set[k], _ = fieldpath.Str(v)
		})
		if !sel.Matches(set) {
			return false
		}
	}
	return true
}

func matchRegex(pattern, s string) bool {
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	if err != nil {
		return pattern == s
	}
	return re.MatchString(s)
}

func splitAPIVersion(av string) (group, version string) {
	if i := strings.LastIndex(av, "/"); i >= 0 {
		return av[:i], av[i+1:]
	}
	return "", av
}

// Locate implements manifest.Locator.
func (l *locator) Locate(p fieldpath.Path) manifest.Position {
	if l.generator != "" {
		return l.locateGenerated(p)
	}
	if pos, ok := l.locateEntry(p); ok {
		return pos
	}
	// A patch that sets the field itself wins, the last applied first.
	if len(p) > 0 {
		for _, d := range l.patches {
			if n, depth := d.resolve(l.built, p); depth == len(p) {
				return manifest.NodePosition(d.file, n)
			}
		}
	}
	// Otherwise the deepest existing parent, the source file on a tie: it is where the
	// object is defined.
	best, depth := l.source, -1
	bestFile := l.file
	if l.source != nil {
		_, best, depth = fieldpath.Resolve(l.source, p)
	}
	for _, d := range l.patches {
		if n, dd := d.resolve(l.built, p); n != nil && dd > depth {
			best, depth, bestFile = n, dd, d.file
		}
	}
	return manifest.NodePosition(bestFile, best)
}

// resolve follows p in a patch and returns the deepest node there and how many segments
// of p it covers.
func (d patchDoc) resolve(built *yaml.Node, p fieldpath.Path) (*yaml.Node, int) {
	if !d.ops {
		_, n, depth := fieldpath.Resolve(d.root, p)
		if depth == 0 {
			return nil, 0
		}
		return n, depth
	}
	pointer := concrete(built, p)
	var best *yaml.Node
	bestDepth := 0
	for _, op := range fieldpath.Items(d.root) {
		kind, _ := fieldpath.Str(fieldpath.MapGet(op, "op"))
		if kind != "add" && kind != "replace" {
			continue
		}
		path, _ := fieldpath.Str(fieldpath.MapGet(op, "path"))
		tokens := splitPointer(path)
		if len(tokens) == 0 || len(tokens) > len(pointer) || !prefix(tokens, pointer) {
			continue
		}
		value := fieldpath.MapGet(op, "value")
		_, n, depth := fieldpath.Resolve(value, p[len(tokens):])
		if total := len(tokens) + depth; total > bestDepth {
			best, bestDepth = n, total
		}
	}
	return best, bestDepth
}

// concrete turns p into JSON-pointer tokens for the built object, replacing selectors
// by the index of the item they select. It stops where the built object does.
func concrete(root *yaml.Node, p fieldpath.Path) []string {
	var out []string
	cur := root
	for _, s := range p {
		switch {
		case s.IsKey():
			out = append(out, s.Key)
		case s.IsIndex:
			out = append(out, strconv.Itoa(s.Index))
		default:
			idx := -1
			for i, item := range fieldpath.Items(cur) {
				if v, _ := fieldpath.Str(fieldpath.MapGet(item, s.SelKey)); v == s.SelValue {
					idx = i
					break
				}
			}
			if idx < 0 {
				return out
			}
			out = append(out, strconv.Itoa(idx))
		}
		if cur = fieldpath.Step(cur, s); cur == nil {
			return out
		}
	}
	return out
}

func splitPointer(p string) []string {
	if p == "" || p[0] != '/' {
		return nil
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

func prefix(tokens, pointer []string) bool {
	for i, t := range tokens {
		if t != pointer[i] && !(t == "-" && i == len(tokens)-1) {
			return false
		}
	}
	return true
}

// value is the scalar at p in the source as written, after the patches that set it.
func (l *locator) sourceValue(p fieldpath.Path) (string, bool) {
	for _, d := range l.patches {
		if n, depth := d.resolve(l.built, p); len(p) > 0 && depth == len(p) {
			return fieldpath.Str(n)
		}
	}
	return fieldpath.Str(fieldpath.Lookup(l.source, p))
}

// locateEntry finds kustomization entries that changed a field: namespace:, images:,
// replicas:, labels, annotations and name prefixes.
func (l *locator) locateEntry(p fieldpath.Path) (manifest.Position, bool) {
	builtValue, _ := fieldpath.Str(fieldpath.Lookup(l.built, p))
	srcValue, srcSet := l.sourceValue(p)
	if srcSet && srcValue == builtValue {
		return manifest.Position{}, false
	}
	str := p.String()
	switch {
	case str == "metadata.namespace":
		return l.firstEntry(func(k *kustomization) *yaml.Node { return fieldpath.MapGet(k.root, "namespace") })
	case str == "metadata.name":
		return l.firstEntry(func(k *kustomization) *yaml.Node {
			if n := fieldpath.MapGet(k.root, "namePrefix"); n != nil {
				return n
			}
			return fieldpath.MapGet(k.root, "nameSuffix")
		})
	case str == "spec.replicas":
		return l.firstEntry(func(k *kustomization) *yaml.Node {
			for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "replicas")) {
				if n, _ := fieldpath.Str(fieldpath.MapGet(item, "name")); l.nameMatches(n, false) {
					return fieldpath.MapGet(item, "count")
				}
			}
			return nil
		})
	case len(p) >= 3 && p[len(p)-1].Key == "image" && strings.HasSuffix(p[len(p)-3].Key, "ontainers"):
		names := []string{imageName(builtValue)}
		if srcSet {
			names = append(names, imageName(srcValue))
		}
		return l.firstEntry(func(k *kustomization) *yaml.Node {
			for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "images")) {
				n, _ := fieldpath.Str(fieldpath.MapGet(item, "name"))
				nn, _ := fieldpath.Str(fieldpath.MapGet(item, "newName"))
				for _, want := range names {
					if n == want || nn == want {
						for _, f := range []string{"digest", "newTag", "newName", "name"} {
							if v := fieldpath.MapGet(item, f); v != nil {
								return v
							}
						}
					}
				}
			}
			return nil
		})
	}
	if srcSet {
		return manifest.Position{}, false
	}
	if len(p) >= 2 {
		key := p[len(p)-1].Key
		switch p[len(p)-2].Key {
		case "labels", "matchLabels":
			return l.firstEntry(func(k *kustomization) *yaml.Node {
				if n := fieldpath.MapGet(fieldpath.MapGet(k.root, "commonLabels"), key); n != nil {
					return n
				}
				for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "labels")) {
					if n := fieldpath.MapGet(fieldpath.MapGet(item, "pairs"), key); n != nil {
						return n
					}
				}
				return nil
			})
		case "annotations":
			return l.firstEntry(func(k *kustomization) *yaml.Node {
				return fieldpath.MapGet(fieldpath.MapGet(k.root, "commonAnnotations"), key)
			})
		}
	}
	return manifest.Position{}, false
}

func (l *locator) firstEntry(find func(*kustomization) *yaml.Node) (manifest.Position, bool) {
	for _, k := range l.chain {
		if n := find(k); n != nil {
			return manifest.NodePosition(l.b.display(k.file), n), true
		}
	}
	return manifest.Position{}, false
}

// locateGenerated points into a configMapGenerator or secretGenerator entry: the literal
// or file that produced a data key, else the entry itself.
func (l *locator) locateGenerated(p fieldpath.Path) manifest.Position {
	if l.source == nil {
		return manifest.NodePosition(l.file, nil)
	}
	if len(p) >= 2 && (p[0].Key == "data" || p[0].Key == "stringData" || p[0].Key == "binaryData") {
		key := p[1].Key
		for _, item := range fieldpath.Items(fieldpath.MapGet(l.source, "literals")) {
			if s, _ := fieldpath.Str(item); strings.HasPrefix(s, key+"=") {
				return manifest.NodePosition(l.file, item)
			}
		}
		for _, item := range fieldpath.Items(fieldpath.MapGet(l.source, "files")) {
			s, _ := fieldpath.Str(item)
			if k, _, ok := strings.Cut(s, "="); ok && k == key || !ok && filepath.Base(s) == key {
				return manifest.NodePosition(l.file, item)
			}
		}
		if n := fieldpath.MapGet(l.source, "envs"); n != nil {
			return manifest.NodePosition(l.file, n)
		}
	}
	return manifest.NodePosition(l.file, l.source)
}

// imageName strips the tag and digest from an image reference.
func imageName(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref = ref[:i]
	}
	return ref
}
