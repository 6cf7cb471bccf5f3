package kustomize

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
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
	generator string // configMapGenerator or secretGenerator, for generated objects
	genName   string // the generator entry's name
	built     *yaml.Node
	source    *yaml.Node // the object as written in file, or the generator entry
	chain     []*kustomization
	names     []string // the object's name as written and as built
	patches   []patchDoc
	b         *builder
	// sx indexes the lists and mappings of built, source and patches, so that locating
	// a finding per container of a large pod is linear overall.
	sx *fieldpath.StepIndex
}

// patchDoc is one document of a patch that applies to the object: a strategic-merge
// patch (root is a mapping mirroring the object) or a JSON 6902 op list.
type patchDoc struct {
	file string
	root *yaml.Node
	ops  bool
	// jsonOps are the operations of a JSON 6902 patch, in order, with their paths also
	// translated to the indices of the built object.
	jsonOps []jsonOp
}

type jsonOp struct {
	op     string
	orig   []string // path as JSON-pointer tokens, as written
	tokens []string // the same, array indices as in the built object
	value  *yaml.Node
	item   *yaml.Node // the operation as written (`- op: remove` ...), where a removal is reported
	dead   bool       // a later operation removed what this one set
}

func (b *builder) locator(obj *manifest.Object, origin *resource.Origin) *locator {
	g := b.graph
	l := &locator{b: b, built: obj.Root, names: []string{obj.Ref.Name}, sx: &fieldpath.StepIndex{}}
	rootFile := g.nodes[g.root].file
	l.file = b.display(rootFile)
	var owners []string
	switch {
	case origin == nil:
		owners = []string{g.root}
	case origin.ConfiguredIn != "":
		kfile := realDir(filepath.Join(g.root, origin.ConfiguredIn))
		owners = []string{filepath.Dir(kfile)}
		l.file = b.display(kfile)
		if k := g.nodes[filepath.Dir(kfile)]; k != nil {
			l.generatorEntry(k, origin.ConfiguredBy.Kind, obj.Ref.Name)
		}
	case origin.Path != "":
		abs := realDir(filepath.Join(g.root, origin.Path))
		owners = g.owners[abs]
		l.file = b.display(abs)
		sf := b.cache.file(abs)
		l.doc, l.source = findObject(sf.docs, obj)
		if l.source != nil {
			if n, ok := fieldpath.Str(fieldpath.LookupKeys(l.source, "metadata", "name")); ok {
				l.names = append(l.names, n)
			}
		}
	}
	l.chain = g.chain(owners)
	l.collectPatches(obj)
	return l
}

// generatorEntry finds the configMapGenerator or secretGenerator entry that generated
// the object. kustomize's origin names the generator kind only, so the entry is the one
// whose name the built name contains (after prefixes, suffixes and the content hash); the
// longest such name on a tie.
func (l *locator) generatorEntry(k *kustomization, kind, built string) {
	field := generatorFields[kind]
	if field == "" {
		return
	}
	l.generator = field
	best := ""
	for _, gen := range fieldpath.Items(fieldpath.MapGet(k.root, field)) {
		if n, _ := fieldpath.Str(fieldpath.MapGet(gen, "name")); n != "" && strings.Contains(built, n) && len(n) > len(best) {
			l.source, best = gen, n
		}
	}
	if best != "" {
		l.names = append(l.names, best)
		l.genName = best
	}
}

var generatorFields = map[string]string{"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator"}

// findObject picks the document of a source file the built object came from: same kind,
// and the name as written (kustomize may have added a prefix, suffix or namespace). The
// items of a List document (kind: ConfigMapList, List, ...) are objects of their own, as
// kustomize expands them.
func findObject(docs []manifest.Document, obj *manifest.Object) (int, *yaml.Node) {
	type candidate struct {
		doc  int
		root *yaml.Node
	}
	var all []candidate
	for _, d := range docs {
		root := fieldpath.Deref(d.Root)
		all = append(all, candidate{d.Index, root})
		if kind, _ := fieldpath.Str(fieldpath.MapGet(root, "kind")); strings.HasSuffix(kind, "List") {
			for _, item := range fieldpath.Items(fieldpath.MapGet(root, "items")) {
				all = append(all, candidate{d.Index, fieldpath.Deref(item)})
			}
		}
	}
	var fallback, best *candidate
	bestLen := -1
	for i := range all {
		c := &all[i]
		ref := manifest.RefOf(c.root)
		if ref.Kind != obj.Ref.Kind {
			continue
		}
		if fallback == nil {
			fallback = c
		}
		if ref.Name == obj.Ref.Name && (ref.Namespace == "" || ref.Namespace == obj.Ref.Namespace) {
			return c.doc, c.root
		}
		if ref.Name != "" && strings.Contains(obj.Ref.Name, ref.Name) && len(ref.Name) > bestLen {
			best, bestLen = c, len(ref.Name)
		}
	}
	if best == nil {
		best = fallback
	}
	if best == nil {
		return 0, nil
	}
	return best.doc, best.root
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
	l.translateOps()
}

// translateOps rewrites the array indices of JSON 6902 paths from the object as it was
// when each operation ran to the built object: an operation that inserts into (or removes
// from) a list later shifts the items after it. Operations are replayed in the order
// kustomize applied them; strategic-merge patches are taken not to reorder lists.
func (l *locator) translateOps() {
	var ops []*jsonOp
	for i := len(l.patches) - 1; i >= 0; i-- {
		d := &l.patches[i]
		if !d.ops {
			continue
		}
		for _, item := range fieldpath.Items(d.root) {
			kind, _ := fieldpath.Str(fieldpath.MapGet(item, "op"))
			path, _ := fieldpath.Str(fieldpath.MapGet(item, "path"))
			tokens := splitPointer(path)
			d.jsonOps = append(d.jsonOps, jsonOp{op: kind, orig: tokens, tokens: slices.Clone(tokens),
				value: fieldpath.MapGet(item, "value"), item: fieldpath.Deref(item)})
		}
		for j := range d.jsonOps {
			ops = append(ops, &d.jsonOps[j])
		}
	}
	for i, e := range ops {
		for _, later := range ops[i+1:] {
			if e.dead {
				break
			}
			e.shift(later)
		}
	}
	for _, e := range ops {
		// An append lands wherever the list ended then: find the item by its value.
		if n := len(e.tokens); e.op == "add" && n > 0 && e.tokens[n-1] == "-" {
			e.tokens[n-1] = strconv.Itoa(appendedIndex(l.built, e.tokens[:n-1], e.value))
		}
	}
}

// resolveSource follows the built object's path p in the source as written: list
// indices moved by JSON 6902 insertions are moved back, and an item selected by its built
// name is found under the name written, which a prefix or suffix extended.
func (l *locator) resolveSource(p fieldpath.Path) (node, deepest *yaml.Node, depth int) {
	p = l.sourcePath(p)
	cur := fieldpath.Deref(l.source)
	if cur == nil {
		return nil, nil, 0
	}
	deepest = cur
	for i, seg := range p {
		next := l.sx.Step(cur, seg)
		if next == nil && seg.IsSelector() {
			next = looseSelect(cur, seg)
		}
		if next == nil {
			return nil, deepest, i
		}
		cur, deepest = next, next
	}
	return cur, deepest, len(p)
}

// looseSelect picks the item of a list whose key holds the longest part of the selected
// value: subjects[name=prod-app] is the subject written as app.
func looseSelect(list *yaml.Node, seg fieldpath.Segment) *yaml.Node {
	var best *yaml.Node
	bestLen := 0
	for _, item := range fieldpath.Items(list) {
		if v, ok := fieldpath.Str(fieldpath.MapGet(item, seg.SelKey)); ok && len(v) > bestLen && strings.Contains(seg.SelValue, v) {
			best, bestLen = fieldpath.Deref(item), len(v)
		}
	}
	return best
}

// sourcePath undoes, on the list indices of p, the insertions and removals of the JSON
// 6902 operations, the last applied first.
func (l *locator) sourcePath(p fieldpath.Path) fieldpath.Path {
	hasIndex := false
	for _, seg := range p {
		hasIndex = hasIndex || seg.IsIndex
	}
	if !hasIndex {
		return p
	}
	pointer := concrete(l.built, p, l.sx)
	for _, d := range l.patches {
		for i := len(d.jsonOps) - 1; i >= 0; i-- {
			op := d.jsonOps[i]
			n := len(op.orig)
			if n == 0 || n > len(pointer) || !prefix(op.orig[:n-1], pointer) {
				continue
			}
			k, err1 := strconv.Atoi(op.orig[n-1])
			t, err2 := strconv.Atoi(pointer[n-1])
			if err1 != nil || err2 != nil {
				continue
			}
			switch {
			case op.op == "add" && t > k:
				pointer[n-1] = strconv.Itoa(t - 1)
			case op.op == "remove" && t >= k:
				pointer[n-1] = strconv.Itoa(t + 1)
			}
		}
	}
	out := slices.Clone(p)
	for i, seg := range out {
		if seg.IsIndex && i < len(pointer) {
			if t, err := strconv.Atoi(pointer[i]); err == nil {
				out[i] = fieldpath.Index(t)
			}
		}
	}
	return out
}

// shift moves the indices of e past a later operation that inserted into or removed from
// a list on e's path.
func (e *jsonOp) shift(later *jsonOp) {
	n := len(later.tokens)
	if n == 0 || n > len(e.tokens) || (later.op != "add" && later.op != "remove") {
		return
	}
	k, err := strconv.Atoi(later.tokens[n-1])
	if err != nil {
		return
	}
	for i := 0; i < n-1; i++ {
		if later.tokens[i] != e.tokens[i] {
			return
		}
	}
	t, err := strconv.Atoi(e.tokens[n-1])
	if err != nil {
		return
	}
	switch {
	case later.op == "add" && t >= k:
		e.tokens[n-1] = strconv.Itoa(t + 1)
	case later.op == "remove" && t == k:
		e.dead = true
	case later.op == "remove" && t > k:
		e.tokens[n-1] = strconv.Itoa(t - 1)
	}
}

// appendedIndex finds the item of the built list at tokens that an appended value became:
// the last one holding all of value, else the last item.
func appendedIndex(built *yaml.Node, tokens []string, value *yaml.Node) int {
	list := built
	for _, t := range tokens {
		if list = stepPointer(list, t); list == nil {
			return -1
		}
	}
	items := fieldpath.Items(list)
	for i := len(items) - 1; i >= 0; i-- {
		if subsumes(items[i], value) {
			return i
		}
	}
	return len(items) - 1
}

func stepPointer(n *yaml.Node, token string) *yaml.Node {
	n = fieldpath.Deref(n)
	if n != nil && n.Kind == yaml.SequenceNode {
		i, err := strconv.Atoi(token)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil
		}
		return fieldpath.Deref(n.Content[i])
	}
	return fieldpath.MapGet(n, token)
}

// subsumes reports whether built holds everything patch sets.
func subsumes(built, patch *yaml.Node) bool {
	built, patch = fieldpath.Deref(built), fieldpath.Deref(patch)
	if built == nil || patch == nil {
		return built == patch
	}
	switch patch.Kind {
	case yaml.MappingNode:
		ok := built.Kind == yaml.MappingNode
		fieldpath.Pairs(patch, func(k string, _, v *yaml.Node) {
			ok = ok && subsumes(fieldpath.MapGet(built, k), v)
		})
		return ok
	case yaml.SequenceNode:
		if built.Kind != yaml.SequenceNode || len(built.Content) != len(patch.Content) {
			return false
		}
		for i := range patch.Content {
			if !subsumes(built.Content[i], patch.Content[i]) {
				return false
			}
		}
		return true
	}
	return built.Kind == yaml.ScalarNode && built.Value == patch.Value
}

func (l *locator) patchDocs(k *kustomization, p patch) []patchDoc {
	if p.path.value != "" {
		abs := realDir(k.abs(p.path.value))
		display := l.b.display(abs)
		sf := l.b.cache.file(abs)
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

// nameMatches reports whether a patch or entry naming name applies to the object. A
// patch may name the object as it was when the patch ran: after the prefixes and suffixes
// of the kustomizations below, before those above. That name lies between the name as
// written and the name as built.
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
	if re || name == "" || !strings.Contains(l.names[0], name) {
		return false
	}
	for _, n := range l.names[1:] {
		if strings.Contains(name, n) {
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
		fieldpath.Pairs(fieldpath.LookupKeys(l.built, "metadata", meta), func(k string, _, v *yaml.Node) {
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
	// The merge key of a list item (containers[name=app].name) only names the item in a
	// strategic-merge patch; it is set where the item was written.
	if n := len(p); n >= 2 && p[n-2].IsSelector() && p[n-1].IsKey() && p[n-1].Key == p[n-2].SelKey {
		if src, _, _ := l.resolveSource(p); src != nil {
			return manifest.NodePosition(l.file, src)
		}
	}
	if pos, ok := l.locatePatch(p); ok {
		return pos
	}
	if pos, ok := l.locateRemoval(p); ok {
		return pos
	}
	// Otherwise the deepest existing parent, the source file on a tie: it is where the
	// object is defined.
	best, depth := l.source, -1
	bestFile := l.file
	if l.source != nil {
		_, best, depth = l.resolveSource(p)
	}
	for _, d := range l.patches {
		if n, dd := d.resolve(l.built, p, l.sx); n != nil && dd > depth {
			best, depth, bestFile = n, dd, d.file
		}
	}
	return manifest.NodePosition(bestFile, best)
}

// locatePatch finds the patch that sets the field itself, the last applied first. A
// strategic-merge patch merges a mapping or a list of mappings into what the source
// already has; there the source is where the field is defined.
func (l *locator) locatePatch(p fieldpath.Path) (manifest.Position, bool) {
	if len(p) == 0 {
		return manifest.Position{}, false
	}
	for _, d := range l.patches {
		n, depth := d.resolve(l.built, p, l.sx)
		if depth != len(p) {
			continue
		}
		if src, _, _ := l.resolveSource(p); !d.ops && merges(n) && src != nil {
			continue
		}
		return manifest.NodePosition(d.file, n), true
	}
	return manifest.Position{}, false
}

// locateRemoval finds the JSON 6902 `op: remove` that removed a field the built object
// lacks, or one of its parents: the overlay that deletes `allowPrivilegeEscalation: false`
// is what the user edits, not the base line that still sets it. The last applied wins. A
// removal counts only when what it names is missing from the built object, so a remove of
// a list item whose index a later item now fills is not taken for the field's.
func (l *locator) locateRemoval(p fieldpath.Path) (manifest.Position, bool) {
	if len(p) == 0 {
		return manifest.Position{}, false
	}
	if _, _, depth := fieldpath.Resolve(l.built, p); depth == len(p) {
		return manifest.Position{}, false
	}
	pointer := concrete(l.built, p, l.sx)
	for _, d := range l.patches {
		for i := len(d.jsonOps) - 1; i >= 0; i-- {
			op := d.jsonOps[i]
			tokens := op.tokens
			if op.op != "remove" || op.item == nil || len(tokens) == 0 || len(tokens) > len(pointer) || !prefix(tokens, pointer) {
				continue
			}
			if existsAt(l.built, tokens) {
				continue
			}
			return manifest.NodePosition(d.file, op.item), true
		}
	}
	return manifest.Position{}, false
}

// existsAt reports whether the JSON pointer tokens name a node of n.
func existsAt(n *yaml.Node, tokens []string) bool {
	n = fieldpath.Deref(n)
	for _, t := range tokens {
		if n = stepPointer(n, t); n == nil {
			return false
		}
	}
	return true
}

func merges(n *yaml.Node) bool {
	n = fieldpath.Deref(n)
	switch {
	case n == nil:
		return false
	case n.Kind == yaml.MappingNode:
		return true
	case n.Kind == yaml.SequenceNode:
		return len(n.Content) > 0 && fieldpath.Deref(n.Content[0]).Kind == yaml.MappingNode
	}
	return false
}

// identity lists the fields by which a strategic-merge patch selects its object: they
// are in the patch but do not set anything.
var identity = map[string]bool{"apiVersion": true, "kind": true, "metadata.name": true, "metadata.namespace": true}

// resolve follows p in a patch and returns the deepest node there and how many segments
// of p it covers.
func (d patchDoc) resolve(built *yaml.Node, p fieldpath.Path, sx *fieldpath.StepIndex) (*yaml.Node, int) {
	if !d.ops {
		if identity[p.String()] {
			return nil, 0
		}
		_, n, depth := sx.Resolve(d.root, p)
		if depth == 0 {
			return nil, 0
		}
		return n, depth
	}
	pointer := concrete(built, p, sx)
	var best *yaml.Node
	bestDepth := 0
	// The last operation applied wins a tie.
	for i := len(d.jsonOps) - 1; i >= 0; i-- {
		op := d.jsonOps[i]
		if op.dead || op.op != "add" && op.op != "replace" {
			continue
		}
		tokens := op.tokens
		if len(tokens) == 0 || len(tokens) > len(pointer) || !prefix(tokens, pointer) {
			continue
		}
		_, n, depth := sx.Resolve(op.value, p[len(tokens):])
		if total := len(tokens) + depth; total > bestDepth {
			best, bestDepth = n, total
		}
	}
	return best, bestDepth
}

// concrete turns p into JSON-pointer tokens for the built object, replacing selectors
// by the index of the item they select. It stops where the built object does.
func concrete(root *yaml.Node, p fieldpath.Path, sx *fieldpath.StepIndex) []string {
	var out []string
	cur := root
	for _, s := range p {
		switch {
		case s.IsKey():
			out = append(out, s.Key)
		case s.IsIndex:
			out = append(out, strconv.Itoa(s.Index))
		default:
			idx := sx.SelectIndex(cur, s.SelKey, s.SelValue)
			if s.SelValue == "" {
				// An empty value also matches an item without the key, as it always has.
				idx = -1
				for i, item := range fieldpath.Items(cur) {
					if v, _ := fieldpath.Str(fieldpath.MapGet(item, s.SelKey)); v == "" {
						idx = i
						break
					}
				}
			}
			if idx < 0 {
				return out
			}
			out = append(out, strconv.Itoa(idx))
		}
		if cur = sx.Step(cur, s); cur == nil {
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
		if t != pointer[i] {
			return false
		}
	}
	return true
}

// sourceValue is the scalar at p in the source as written, after the patches that set it.
func (l *locator) sourceValue(p fieldpath.Path) (string, bool) {
	for _, d := range l.patches {
		if n, depth := d.resolve(l.built, p, l.sx); len(p) > 0 && depth == len(p) {
			return fieldpath.Str(n)
		}
	}
	src, _, _ := l.resolveSource(p)
	return fieldpath.Str(src)
}

// locateEntry finds kustomization entries that changed a field: namespace:, images:,
// replicas:, labels, annotations and name prefixes. A field the build does not have, or
// that holds what the source and its patches wrote, was not changed by any.
func (l *locator) locateEntry(p fieldpath.Path) (manifest.Position, bool) {
	builtNode := l.sx.Lookup(l.built, p)
	if builtNode == nil || len(p) == 0 {
		return manifest.Position{}, false
	}
	builtValue, _ := fieldpath.Str(builtNode)
	srcValue, srcSet := l.sourceValue(p)
	if srcSet && srcValue == builtValue {
		return manifest.Position{}, false
	}
	last := p[len(p)-1].Key
	switch {
	case p.String() == "metadata.name":
		return l.firstEntry(func(k *kustomization) *yaml.Node {
			if n := fieldpath.MapGet(k.root, "namePrefix"); n != nil {
				return n
			}
			return fieldpath.MapGet(k.root, "nameSuffix")
		})
	case last == "namespace" && p[len(p)-1].IsKey():
		// metadata.namespace, and the references kustomize's namespace transformer
		// rewrites with it (RoleBinding subjects, webhook services).
		return l.firstEntry(func(k *kustomization) *yaml.Node { return fieldpath.MapGet(k.root, "namespace") })
	case p.String() == "spec.replicas":
		return l.firstEntry(func(k *kustomization) *yaml.Node {
			for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "replicas")) {
				if n, _ := fieldpath.Str(fieldpath.MapGet(item, "name")); l.nameMatches(n, false) {
					return fieldpath.MapGet(item, "count")
				}
			}
			return nil
		})
	case len(p) >= 3 && last == "image" && strings.HasSuffix(p[len(p)-3].Key, "ontainers"):
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
	if len(p) >= 2 {
		switch p[len(p)-2].Key {
		case "labels", "matchLabels", "selector":
			return l.firstEntry(func(k *kustomization) *yaml.Node {
				if n := fieldpath.MapGet(fieldpath.MapGet(k.root, "commonLabels"), last); n != nil {
					return n
				}
				for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "labels")) {
					if n := fieldpath.MapGet(fieldpath.MapGet(item, "pairs"), last); n != nil {
						return n
					}
				}
				return nil
			})
		case "annotations":
			return l.firstEntry(func(k *kustomization) *yaml.Node {
				return fieldpath.MapGet(fieldpath.MapGet(k.root, "commonAnnotations"), last)
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

// locateGenerated points into a configMapGenerator or secretGenerator entry: the literal,
// file or env line that produced a data key, the entry's name, namespace, type or
// options, else the kustomization entry that changed the field, else the entry itself.
func (l *locator) locateGenerated(p fieldpath.Path) manifest.Position {
	if l.source == nil {
		return manifest.NodePosition(l.file, nil)
	}
	str := p.String()
	if len(p) >= 2 && (p[0].Key == "data" || p[0].Key == "stringData" || p[0].Key == "binaryData") {
		if pos, ok := l.generatedKey(p[1].Key); ok {
			return pos
		}
	}
	var own *yaml.Node
	switch {
	case str == "metadata.name":
		own = fieldpath.MapGet(l.source, "name")
	case str == "metadata.namespace":
		own = fieldpath.MapGet(l.source, "namespace")
	case str == "type":
		own = fieldpath.MapGet(l.source, "type")
	case len(p) == 3 && p[0].Key == "metadata" && (p[1].Key == "labels" || p[1].Key == "annotations"):
		own = fieldpath.LookupKeys(l.source, "options", p[1].Key, p[2].Key)
	}
	if own != nil {
		return manifest.NodePosition(l.file, own)
	}
	if pos, ok := l.locateEntry(p); ok {
		return pos
	}
	if pos, ok := l.locatePatch(p); ok {
		return pos
	}
	return manifest.NodePosition(l.file, l.source)
}

// generatedKey finds the literal, file or env file line that produced a data key, in the
// kustomizations of the chain: an overlay's generator with behavior: merge adds keys to
// its base's.
func (l *locator) generatedKey(key string) (manifest.Position, bool) {
	for _, k := range l.chain {
		for _, gen := range fieldpath.Items(fieldpath.MapGet(k.root, l.generator)) {
			if n, _ := fieldpath.Str(fieldpath.MapGet(gen, "name")); n != l.genName {
				continue
			}
			file := l.b.display(k.file)
			for _, item := range fieldpath.Items(fieldpath.MapGet(gen, "literals")) {
				if s, _ := fieldpath.Str(item); strings.HasPrefix(s, key+"=") {
					return manifest.NodePosition(file, item), true
				}
			}
			for _, item := range fieldpath.Items(fieldpath.MapGet(gen, "files")) {
				s, _ := fieldpath.Str(item)
				if k, _, ok := strings.Cut(s, "="); ok && k == key || !ok && filepath.Base(s) == key {
					return manifest.NodePosition(file, item), true
				}
			}
			envs := fieldpath.Items(fieldpath.MapGet(gen, "envs"))
			if n := fieldpath.MapGet(gen, "env"); n != nil {
				envs = append(envs, n)
			}
			for _, item := range envs {
				s, _ := fieldpath.Str(item)
				abs := k.abs(s)
				if line := envLine(l.b.cache.file(abs).data, key); line > 0 {
					return manifest.Position{File: l.b.display(abs), Line: line, Column: 1}, true
				}
			}
		}
	}
	return manifest.Position{}, false
}

// envLine is the line of an env file that sets key, or 0.
func envLine(data []byte, key string) int {
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, _, _ := bytes.Cut(line, []byte("="))
		if string(bytes.TrimSpace(k)) == key {
			return i + 1
		}
	}
	return 0
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
