// Which patches of a kustomization apply to an object: the patch documents of the chain,
// chosen by their target selector (kustomize's own matching) or by the object they name.

package kustomize

import (
	"bytes"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

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

func (l *locator) patchDocs(k *kustomization, p patch) []patchDoc {
	if p.path.value != "" {
		abs := ResolveDirLinks(k.abs(p.path.value))
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
