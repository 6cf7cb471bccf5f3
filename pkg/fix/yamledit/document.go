package yamledit

import (
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Document is the text of one YAML document being edited, with the style new text is
// written in (indentation, quoting, line endings), detected from the document itself.
type Document struct {
	t  *text
	st style
}

// NewDocument reads src, which parses to root, for editing.
func NewDocument(src []byte, root *yaml.Node) *Document {
	return &Document{t: newText(src), st: detectStyle(root, src)}
}

// UseCRLF makes new lines end in "\r\n" when crlf holds: a one-line document has no line
// ending of its own, and ends as the file around it does.
func (d *Document) UseCRLF(crlf bool) { d.st.crlf = crlf }

// Context is what a change needs to know beyond the document's own text.
type Context struct {
	// Removed are the list elements earlier changes removed, so that indices the findings
	// took before those removals still name the same elements.
	Removed Removals
	// Shared are the anchors that aliases refer to: text reached through them is used in
	// other places too and is not edited.
	Shared map[string]bool
	// Index, when not nil, indexes the large lists and mappings of the document (a batch
	// of changes to one large object).
	Index *fieldpath.StepIndex
}

// Edit is the text edits of one change and what they touch.
type Edit struct {
	Edits []TextEdit
	// Steps are the concrete keys and indices the change goes through (selectors
	// resolved), for checking the edit against the decoded object.
	Steps fieldpath.Path
	// Anchor is the node whose text the change edits and Through the nodes on the way to
	// it: changes that neither edit nor go through what another one edits can be computed
	// on one parse.
	Anchor  *yaml.Node
	Through []*yaml.Node
}

// Change computes the edits that make ch on the object at root, a node of the document.
// It returns ErrNoop when the change is already in place.
func (d *Document) Change(root *yaml.Node, ch finding.Change, c Context) (Edit, error) {
	edits, steps, r, err := changeEditsAt(d.t, d.st, root, ch, c.Removed, c.Shared, c.Index)
	if err != nil {
		return Edit{}, err
	}
	anchor, through := touches(r, ch)
	return Edit{Edits: edits, Steps: steps, Anchor: anchor, Through: through}, nil
}

// touches returns the node whose text a change edits and the nodes on the way to it. A
// change of a field that exists edits the collection that holds it (removing the last
// entry rewrites the collection); a creation edits the deepest node that exists.
func touches(r *resolved, ch finding.Change) (*yaml.Node, []*yaml.Node) {
	i := len(r.nodes) - 1
	if r.depth == len(ch.Path) && i > 0 {
		i--
	}
	return r.nodes[i], r.nodes[:i]
}

// Cut is a place where a YAML stream can be cut between documents.
type Cut struct {
	Offset int // byte offset of the first byte of the next document
	Line   int // 0-based line at Offset
}

// DocumentCuts returns where src can be cut into its documents: before each "---" line and
// after each "..." line, in order.
func DocumentCuts(src []byte) []Cut {
	t := newText(src)
	var cuts []Cut
	for l := 0; l < t.nlines(); l++ {
		if !t.isDocMarker(l) {
			continue
		}
		if t.src[t.lineStart(l)] == '-' {
			cuts = append(cuts, Cut{Offset: t.lineStart(l), Line: l}) // "---" starts a document
		} else {
			cuts = append(cuts, Cut{Offset: t.lineStart(l + 1), Line: l + 1}) // "..." ends one
		}
	}
	return cuts
}

// IsNull reports a null scalar.
func IsNull(n *yaml.Node) bool { return isNull(n) }

// CopyNode returns a deep copy of n.
func CopyNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = CopyNode(x)
	}
	return &c
}

// StrNode is a string scalar.
func StrNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// NullNode is a null scalar.
func NullNode() *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}
