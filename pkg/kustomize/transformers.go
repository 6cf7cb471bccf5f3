// The entries of a kustomization that change fields of the objects it builds: namespace:,
// namePrefix:, images:, replicas:, labels and annotations.

package kustomize

import (
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

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
				if n, _ := fieldpath.Str(fieldpath.MapGet(item, "name")); l.nameMatches(n) {
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
		return l.firstEntry(func(k *kustomization) *yaml.Node { return imageEntry(k, names) })
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

// imageEntry is the images: entry of k that rewrote an image named one of names (as built
// or as written): its digest, newTag, newName or name, the first it has.
func imageEntry(k *kustomization, names []string) *yaml.Node {
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
}

// firstEntry is the entry find picks in the kustomization applied last that has one.
func (l *locator) firstEntry(find func(*kustomization) *yaml.Node) (manifest.Position, bool) {
	for _, k := range l.chain {
		if n := find(k); n != nil {
			return manifest.NodePosition(l.b.display(k.file), n), true
		}
	}
	return manifest.Position{}, false
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
