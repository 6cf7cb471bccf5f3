package overlay

import (
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// baseKey names one object of a resource file: what several overlays build from.
type baseKey struct {
	file       string
	doc        int
	kind, name string
}

// Plan implements fix.OverlayPlanner. With --fix-to unset, a change that every overlay of the
// run building an object of a shared base (a resource file outside the overlay) needs,
// the same change at the same path, is made once, in the base, instead of once per
// overlay: the built output of each overlay is then what its own patch would have given,
// which FixOverlay verifies by building every one of them. A base used by one overlay of
// the run, a change some overlays do not need, and a fix that adds an object (a policy
// belongs to each deploy unit) keep per-overlay patches, as --fix-to overlay always does.
func (w *KustomizeWriter) Plan(all []*manifest.Object, fixes map[*manifest.Object][]*finding.Fix) {
	if w.To != FixToAuto {
		return
	}
	users := map[baseKey][]*manifest.Object{}
	var keys []baseKey
	for _, obj := range all {
		if obj.Overlay == "" || obj.Generator != "" {
			continue
		}
		org, ok := kustomize.OriginOf(obj)
		if !ok || org.Source == nil || within(org.Dir, org.File) {
			continue
		}
		src := manifest.RefOf(org.Source)
		k := baseKey{file: filepath.Clean(org.File), doc: org.Doc, kind: src.Kind, name: src.Name}
		if users[k] == nil {
			keys = append(keys, k)
		}
		users[k] = append(users[k], obj)
	}
	for _, k := range keys {
		objs := users[k]
		dirs := map[string]bool{}
		for _, o := range objs {
			dirs[o.Overlay] = true
		}
		if len(dirs) < 2 {
			continue
		}
		// sig -> the fix of each object that carries it
		bySig := map[string]map[*manifest.Object]*finding.Fix{}
		for _, o := range objs {
			for _, fx := range fixes[o] {
				if sig, ok := changeSignature(fx); ok {
					if bySig[sig] == nil {
						bySig[sig] = map[*manifest.Object]*finding.Fix{}
					}
					bySig[sig][o] = fx
				}
			}
		}
		for _, of := range bySig {
			if !everyUserNeeds(objs, of) {
				continue // some overlay does not need it: a patch in each that does
			}
			for o, fx := range of {
				var peers []*manifest.Object
				for _, p := range objs {
					if p != o {
						peers = append(peers, p)
					}
				}
				w.shared[fx] = peers
			}
		}
	}
}

// everyUserNeeds reports whether every overlay's object built from one base object needs
// the fix that the objects in of carry: it carries the fix itself; or it is the same object
// (kind, namespace, name) as one that does, whose identical finding the engine reported
// once; or the change is already in place in what it builds, so the base edit leaves it as
// it is.
func everyUserNeeds(objs []*manifest.Object, of map[*manifest.Object]*finding.Fix) bool {
	var changes []finding.Change
	refs := map[finding.ObjectRef]bool{}
	for o, fx := range of {
		changes = fx.Changes
		refs[o.Ref] = true
	}
	for _, o := range objs {
		if of[o] != nil || refs[o.Ref] {
			continue
		}
		root := fieldpath.Deref(o.Root)
		if root != nil && root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = fieldpath.Deref(root.Content[0])
		}
		if root == nil {
			return false
		}
		after := yamledit.CopyNode(root)
		for _, ch := range changes {
			if applyNode(after, ch.Path, ch.Op, ch.Value) != nil {
				return false
			}
		}
		if !equalNodes(root, after) {
			return false
		}
	}
	return true
}

// changeSignature identifies what a fix changes, the same for every overlay that builds
// the object; false for a fix that adds an object.
func changeSignature(fx *finding.Fix) (string, bool) {
	var b strings.Builder
	for _, ch := range fx.Changes {
		if ch.Op == finding.AddObject {
			return "", false
		}
		fmt.Fprintf(&b, "%d %s %T %v\n", ch.Op, ch.Path, ch.Value, ch.Value)
	}
	return b.String(), b.Len() > 0
}
