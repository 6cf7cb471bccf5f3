// Objects that a configMapGenerator or secretGenerator made.

package kustomize

import (
	"bytes"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

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
