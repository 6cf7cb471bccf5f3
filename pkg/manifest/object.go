// Package manifest turns bytes into Kubernetes objects that remember where every field was
// written: the file, the document, and a yaml.v3 node tree with file-absolute positions.
package manifest

import (
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/blockyaml"
)

// Position is a place in a file the user can open. Line and Column are 1-based.
type Position struct {
	File   string
	Line   int
	Column int
}

// Locator maps a field of an object to the place where a developer has to edit it. For a
// plain file that is the node itself; for an object built by Kustomize it is the base
// resource, the overlay patch or the kustomization entry that produced the value.
type Locator interface {
	Locate(p fieldpath.Path) Position
}

// Object is one Kubernetes object as the checks see it.
type Object struct {
	Ref  finding.ObjectRef
	File string // display path of the file the object came from
	Doc  int    // 0-based document index within File
	// Root is the object's mapping node. For objects built by Kustomize it is the built
	// object, not the text the user wrote; Locator bridges the two. Both are nil once the
	// object is released.
	Root    *yaml.Node
	Locator Locator
	// Overlay is the display path of the Kustomize directory that built the object, or "";
	// for an object a Helm chart rendered, the chart's deploy unit (pkg/chart.Unit).
	Overlay string
	// Chart is the display path of the Helm chart that rendered the object, or "": its
	// text is rendered output, fixed by editing values or templates, not in place.
	Chart string
	// Generator is "secretGenerator" or "configMapGenerator" for objects a kustomization
	// generates rather than reads from a file; File then names the kustomization.
	Generator string

	memoMu sync.Mutex
	memo   map[any]any
	// index makes Get and Locate on large lists and mappings constant time after one pass
	// (see fieldpath.StepIndex); made on first use, dropped by Release.
	index     *fieldpath.StepIndex
	indexOnce sync.Once

	// Set by Release: where the object starts, and its first line when it is text of File.
	released  bool
	at        Position
	startLine int
}

// Release drops the object's tree, locator and memo once every check that reads them has
// run, so that a lint run holds the trees of the files being checked, not of the whole
// input. What later stages ask of an object stays: its reference, file, document, where it
// is written (Locate answers that position for every path) and StartLine. Objects that
// reached a check through the same pointer must not be read afterwards.
func (o *Object) Release() {
	if o.released {
		return
	}
	o.at = o.Locate(nil)
	o.startLine = o.StartLine()
	o.Root, o.Locator, o.memo, o.index = nil, nil, nil, nil
	o.released = true
}

// Released reports whether Release dropped the object's tree.
func (o *Object) Released() bool { return o.released }

// Instance identifies the object among everything a run loaded: its build, the document it
// came from and its reference. It stays valid after Release.
func (o *Object) Instance() finding.Instance {
	return finding.Instance{Build: o.Overlay, File: o.File, Doc: o.Doc, Ref: o.Ref}
}

// StartLine is the line of File where the object's mapping starts, or 0 for an object
// built by Kustomize, whose tree is not text of any one file.
func (o *Object) StartLine() int {
	switch {
	case o.released:
		return o.startLine
	case o.Locator != nil || o.Root == nil:
		return 0
	}
	return o.Root.Line
}

// Memo returns the value computed for key, computing it on first use. Checks run
// concurrently and many derive the same facts (the pod specs of an object); this computes
// them once. compute runs under the object's lock, so it must not call Memo itself.
func (o *Object) Memo(key any, compute func() any) any {
	o.memoMu.Lock()
	defer o.memoMu.Unlock()
	if v, ok := o.memo[key]; ok {
		return v
	}
	if o.memo == nil {
		o.memo = map[any]any{}
	}
	v := compute()
	o.memo[key] = v
	return v
}

// Index returns the object's step index over Root. Checks that select items by name in
// loops (one finding per container) go through it, so that their cost stays linear.
// It has its own once rather than memoMu, so that a Memo computation may use it. After
// Release it is nil, which steps without memory.
func (o *Object) Index() *fieldpath.StepIndex {
	o.indexOnce.Do(func() {
		if !o.released {
			o.index = &fieldpath.StepIndex{}
		}
	})
	return o.index
}

// Get returns the node at p, or nil.
func (o *Object) Get(p fieldpath.Path) *yaml.Node { return o.Index().Lookup(o.Root, p) }

// Field returns the node at the mapping keys below the root, or nil, without building a path.
func (o *Object) Field(keys ...string) *yaml.Node { return fieldpath.LookupKeys(o.Root, keys...) }

// Locate returns where the field at p (or its nearest existing parent) is written.
func (o *Object) Locate(p fieldpath.Path) Position {
	if o.released {
		return o.at
	}
	if o.Locator != nil {
		return o.Locator.Locate(p)
	}
	return NodeLocator{File: o.File, Root: o.Root, Index: o.Index()}.Locate(p)
}

// NodeLocator locates fields in the same tree the checks read: plain files.
type NodeLocator struct {
	File string
	Root *yaml.Node
	// Index, when set, memoises the steps over Root (a nil Index scans).
	Index *fieldpath.StepIndex
}

func (l NodeLocator) Locate(p fieldpath.Path) Position {
	_, n, _ := l.Index.Resolve(l.Root, p)
	return NodePosition(l.File, n)
}

// NodePosition is the position of n in file; a nil node maps to line 1.
func NodePosition(file string, n *yaml.Node) Position {
	if n == nil {
		return Position{File: file, Line: 1, Column: 1}
	}
	return Position{File: file, Line: n.Line, Column: n.Column}
}

// RefOf reads apiVersion, kind, metadata.namespace and metadata.name of an object node.
func RefOf(root *yaml.Node) finding.ObjectRef {
	get := func(keys ...string) string {
		s, _ := fieldpath.Str(fieldpath.LookupKeys(root, keys...))
		return s
	}
	name := get("metadata", "name")
	if name == "" {
		name = get("metadata", "generateName")
	}
	return finding.ObjectRef{
		APIVersion: get("apiVersion"),
		Kind:       get("kind"),
		Namespace:  get("metadata", "namespace"),
		Name:       name,
	}
}

// An Object is what a fix applies to.
var _ finding.Target = (*Object)(nil)

// Skimmed reports whether objects of kind may have been read without their spec and
// status (the fast path skims CustomResourceDefinitions: no check reads their schemas),
// so that a reader of whole objects (a ValidatingAdmissionPolicy) leaves them alone.
func Skimmed(kind string) bool { return blockyaml.SkimmedKind(kind) }
