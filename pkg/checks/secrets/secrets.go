// Package secrets implements the checks of the "secrets" category: credentials written
// into manifests (env values, ConfigMaps, arguments, annotations, Secret objects and
// Kustomize secretGenerators), secrets handed to processes through the environment, and
// service account tokens mounted into pods that do not need them.
//
// The detectors (detect.go) are deliberately conservative: a lint finding that is wrong
// half the time is switched off, so placeholders, templates, references to secret
// managers and encrypted values never fire, and messages never print a secret.
package secrets

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const category = "secrets"

// envEntry is one item of a container's env list.
type envEntry struct {
	name      string
	container fieldpath.Path    // path of the container
	item      fieldpath.Segment // selects the item in env
	node      *yaml.Node
}

// path is the path of keys below the item. Only reported entries need one, so it is not
// built for every entry.
func (e envEntry) path(keys ...string) fieldpath.Path {
	return e.container.Child(fieldpath.Key("env"), e.item).Keys(keys...)
}

// envEntries lists the container's env items, each selected by name when the name is
// unique in the list (env[name=DB_PASSWORD]), by index otherwise.
func envEntries(c workload.Container) []envEntry {
	items := fieldpath.Items(fieldpath.MapGet(c.Node, "env"))
	seen := map[string]int{}
	for _, it := range items {
		if n, ok := fieldpath.Str(fieldpath.MapGet(it, "name")); ok {
			seen[n]++
		}
	}
	var out []envEntry
	for i, it := range items {
		if it == nil || it.Kind != yaml.MappingNode {
			continue
		}
		name, _ := fieldpath.Str(fieldpath.MapGet(it, "name"))
		seg := fieldpath.Index(i)
		if name != "" && seen[name] == 1 && !strings.ContainsAny(name, "[]=") {
			seg = fieldpath.Select("name", name)
		}
		out = append(out, envEntry{name: name, container: c.Path, item: seg, node: it})
	}
	return out
}

// sopsEncrypted reports an object from a SOPS-encrypted file: SOPS adds a top-level
// `sops:` key with its metadata, and every value is ciphertext.
func sopsEncrypted(o *manifest.Object) bool {
	return fieldpath.MapGet(o.Root, "sops") != nil
}

// describeAll joins the masked descriptions of detections for a message; several values of
// one format are counted rather than listed.
func describeAll(ds []Detection) string {
	var parts []string
	count := map[string]int{}
	for _, d := range ds {
		count[d.Format]++
	}
	for _, d := range ds {
		switch n := count[d.Format]; {
		case n == 1:
			parts = append(parts, d.Describe())
		case n > 1:
			parts = append(parts, fmt.Sprintf("%s (%d values)", d.Format, n))
			count[d.Format] = 0
		}
	}
	switch len(parts) {
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// anyStrong reports a provider credential among ds.
func anyStrong(ds []Detection) bool {
	for _, d := range ds {
		if d.Strong {
			return true
		}
	}
	return false
}
