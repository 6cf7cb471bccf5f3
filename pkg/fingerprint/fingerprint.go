// Package fingerprint says what a finding is about in terms that survive edits which do
// not touch the problem: the object as its source file names it, the field path with list
// positions replaced by what the element is, and a hash of the offending value. Line
// numbers, formatting (flow or block style, quoting, key order) and the order of documents
// are not part of it, so a baseline or an earlier revision's findings still recognise a
// finding after lines were inserted above it or the file was reformatted.
package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// SourceNamer is implemented by the locators of objects built from other text (Kustomize):
// the object as its source names it, so that a finding in a base has one identity however
// many overlays build it and whatever names and namespaces they give it.
type SourceNamer interface {
	SourceRef() (finding.ObjectRef, bool)
}

// Identify is the identity of a finding a check reported on obj at p. The object's tree
// must still be there (see manifest.Object.Release); for a released object the identity
// falls back to the reference as built and the path as reported, which is stable from run
// to run but not across reformatting of list elements.
func Identify(obj *manifest.Object, p fieldpath.Path) finding.Identity {
	if obj == nil {
		return finding.Identity{Path: p.String()}
	}
	id := finding.Identity{Object: obj.Ref}
	if sn, ok := obj.Locator.(SourceNamer); ok {
		if ref, ok := sn.SourceRef(); ok {
			id.Object = ref
		}
	}
	if obj.Root == nil {
		id.Path = p.String()
		return id
	}
	path, value := walk(obj.Root, p)
	id.Path, id.Value = path, value
	return id
}

// walk renders p with each list index replaced by the element's identity, and hashes the
// value at its end ("" when the path does not exist, or names the whole object).
func walk(root *yaml.Node, p fieldpath.Path) (string, string) {
	cur := fieldpath.Deref(root)
	var b strings.Builder
	for i, s := range p {
		seg := fieldpath.Path{s}.String()
		if s.IsIndex && cur != nil {
			if items := fieldpath.Items(cur); s.Index >= 0 && s.Index < len(items) {
				seg = elementKey(items[s.Index])
			}
		}
		if s.IsKey() && i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
		if cur != nil {
			cur = fieldpath.Step(cur, s)
		}
	}
	if cur == nil || len(p) == 0 {
		return b.String(), ""
	}
	return b.String(), Hash(cur)
}

// elementKey names a list element by what it is rather than where it is: its name when it
// has one ([name=web], as fieldpath's selectors do for containers), its value when it is a
// scalar ([=SYS_ADMIN]), and otherwise a hash of its content ([#3fa2...]), so inserting an
// element before it does not change it.
func elementKey(n *yaml.Node) string {
	n = fieldpath.Deref(n)
	if name, ok := fieldpath.Str(fieldpath.MapGet(n, "name")); ok && n.Kind == yaml.MappingNode {
		return "[name=" + name + "]"
	}
	if n.Kind == yaml.ScalarNode {
		return "[=" + n.Value + "]"
	}
	return "[#" + Hash(n)[:8] + "]"
}

// Hash is a short hash of a node's value as JSON: the same for block and flow style,
// quoted and plain scalars of the same type, and mappings whatever their key order.
func Hash(n *yaml.Node) string {
	var v any
	text := ""
	if err := n.Decode(&v); err == nil {
		if b, err := json.Marshal(v); err == nil {
			text = string(b)
		}
	}
	if text == "" { // keys JSON cannot hold: the scalar text, or the kind of node
		text = n.Tag + ":" + n.Value + ":" + strconv.Itoa(len(n.Content))
	}
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

// Object renders an object's identity for a fingerprint: kind and API group (not version:
// moving apps/v1beta2 to apps/v1 is the same object), namespace and name.
func Object(ref finding.ObjectRef) string {
	kind := ref.Kind
	if group, _, ok := strings.Cut(ref.APIVersion, "/"); ok && group != "" {
		kind += "." + group
	}
	return kind + "/" + ref.Namespace + "/" + ref.Name
}
