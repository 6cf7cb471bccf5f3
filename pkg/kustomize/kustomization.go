// Package kustomize builds Kustomize overlays in-process with krusty and maps every built
// object back to the file a developer has to edit: the base resource, the overlay's patch,
// or the entry of a kustomization.yaml (images:, namespace:, ...) that set a field.
package kustomize

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/konfig"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// fileNames are the names kustomize accepts for a kustomization, in its order of preference.
var fileNames = konfig.RecognizedKustomizationFileNames()

// NoKustomization is the message for a directory that holds none of the kustomization
// file names.
const NoKustomization = "no kustomization.yaml, kustomization.yml or Kustomization in this directory"

// IsKustomizationFile reports whether path names a kustomization file, by its base name.
func IsKustomizationFile(path string) bool {
	return slices.Contains(fileNames, filepath.Base(path))
}

// KustomizationFile returns the kustomization file in dir, if there is one.
func KustomizationFile(dir string) (string, bool) {
	for _, name := range fileNames {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// kustomization is one parsed kustomization file, with positions.
type kustomization struct {
	dir  string // absolute directory
	file string // absolute path of the kustomization file
	data []byte
	root *yaml.Node
}

// ref is a string entry of a kustomization (a resource, a patch path, ...) and its node.
type ref struct {
	value string
	node  *yaml.Node
}

func readKustomization(dir string, cache *Cache) (*kustomization, error) {
	file, ok := KustomizationFile(dir)
	if !ok {
		return nil, &finding.InputError{File: dir, Message: NoKustomization}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", dir, err)
	}
	// kustomize's loader resolves symbolic links before it joins relative paths; so do
	// we, or ../base from a linked overlay would lead elsewhere.
	abs = resolveLinks(abs)
	absFile := filepath.Join(abs, filepath.Base(file))
	sf := cache.file(absFile)
	if sf.err != nil {
		return nil, sf.err
	}
	docs := sf.docs
	if len(docs) != 1 || fieldpath.Deref(docs[0].Root).Kind != yaml.MappingNode {
		line := 1
		if len(docs) > 1 {
			line = docs[1].Root.Line
		}
		return nil, &finding.InputError{File: absFile, Line: line, Message: "a kustomization must be a single YAML mapping"}
	}
	return &kustomization{dir: abs, file: absFile, data: sf.data, root: fieldpath.Deref(docs[0].Root)}, nil
}

// stringList returns the string items of a list field.
func (k *kustomization) stringList(field string) []ref {
	var out []ref
	for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, field)) {
		if s, ok := fieldpath.Str(item); ok && s != "" {
			out = append(out, ref{s, item})
		}
	}
	return out
}

// resources lists resources and the deprecated bases.
func (k *kustomization) resources() []ref {
	return append(k.stringList("resources"), k.stringList("bases")...)
}

// patch is one patch entry: a file or inline text, with an optional target.
type patch struct {
	path   ref        // file, or empty for inline
	inline *yaml.Node // the inline patch's scalar, or nil
	target *yaml.Node // target selector mapping, or nil
	json   bool       // declared as a JSON 6902 patch
}

// patches lists the patches in the order kustomize applies them: patchesStrategicMerge,
// then patches, then patchesJson6902 (its builtin transformers run in that order).
func (k *kustomization) patches() []patch {
	var out []patch
	for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "patchesStrategicMerge")) {
		s, _ := fieldpath.Str(item)
		// kustomize takes an entry for inline YAML when it is not a file name.
		if strings.Contains(s, "\n") || strings.Contains(s, ":") && !k.exists(s) {
			out = append(out, patch{inline: item})
		} else if s != "" {
			out = append(out, patch{path: ref{s, item}})
		}
	}
	for _, field := range []string{"patches", "patchesJson6902"} {
		for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, field)) {
			p := patch{target: fieldpath.MapGet(item, "target"), json: field == "patchesJson6902"}
			if n := fieldpath.MapGet(item, "path"); n != nil {
				s, _ := fieldpath.Str(n)
				p.path = ref{s, n}
			} else if n := fieldpath.MapGet(item, "patch"); n != nil {
				p.inline = n
			} else {
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

// generatorInputs lists the files and env files configMapGenerator and secretGenerator read.
func (k *kustomization) generatorInputs() []ref {
	var out []ref
	for _, field := range []string{"configMapGenerator", "secretGenerator"} {
		for _, gen := range fieldpath.Items(fieldpath.MapGet(k.root, field)) {
			for _, item := range fieldpath.Items(fieldpath.MapGet(gen, "files")) {
				s, _ := fieldpath.Str(item)
				if i := strings.Index(s, "="); i >= 0 {
					s = s[i+1:]
				}
				if s != "" {
					out = append(out, ref{s, item})
				}
			}
			for _, item := range fieldpath.Items(fieldpath.MapGet(gen, "envs")) {
				if s, _ := fieldpath.Str(item); s != "" {
					out = append(out, ref{s, item})
				}
			}
			if n := fieldpath.MapGet(gen, "env"); n != nil {
				if s, _ := fieldpath.Str(n); s != "" {
					out = append(out, ref{s, n})
				}
			}
		}
	}
	return out
}

// otherFiles lists the remaining files a kustomization reads: transformer configurations,
// CRD schemas, replacement files, the OpenAPI schema and Helm values. Generator,
// transformer and validator entries may be directories; readGraph visits them.
func (k *kustomization) otherFiles() []ref {
	var out []ref
	for _, field := range []string{"configurations", "crds"} {
		out = append(out, k.stringList(field)...)
	}
	for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "replacements")) {
		if n := fieldpath.MapGet(item, "path"); n != nil {
			if s, _ := fieldpath.Str(n); s != "" {
				out = append(out, ref{s, n})
			}
		}
	}
	if n := fieldpath.LookupKeys(k.root, "openapi", "path"); n != nil {
		if s, _ := fieldpath.Str(n); s != "" {
			out = append(out, ref{s, n})
		}
	}
	for _, item := range fieldpath.Items(fieldpath.MapGet(k.root, "helmCharts")) {
		if n := fieldpath.MapGet(item, "valuesFile"); n != nil {
			if s, _ := fieldpath.Str(n); s != "" {
				out = append(out, ref{s, n})
			}
		}
	}
	return out
}

func (k *kustomization) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(k.dir, p)
}

func (k *kustomization) exists(p string) bool {
	_, err := os.Stat(k.abs(p))
	return err == nil
}

// isGitRemote reports the entries kustomize's loader clones with git before it even looks
// for a local directory of that name: URLs with a scheme, scp-like user@host:path and
// github.com/org/repo shorthands (the rules of kustomize's internal/git.NewRepoSpecFromURL).
func isGitRemote(s string) bool {
	if len(s) >= 5 && strings.EqualFold(s[:5], "git::") {
		s = s[5:]
	}
	lower := strings.ToLower(s)
	for _, prefix := range []string{"ssh://", "https://", "http://", "file://", "github.com/", "github.com:"} {
		if strings.HasPrefix(lower, prefix) {
			return true
		}
	}
	return gitUser.MatchString(s)
}

var gitUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isHTTP reports the file references kustomize downloads instead of reading the disk.
func isHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}

// isRemote reports references that look meant for the network: URLs, git remotes and
// hosted-repository shorthands such as gitlab.com/org/repo/path?ref=v1. It names the
// problem when such an entry is not on disk.
func isRemote(s string) bool {
	if isGitRemote(s) || strings.Contains(s, "://") || strings.Contains(s, "?ref=") ||
		strings.Contains(s, "?version=") || strings.Contains(s, "//ref=") {
		return true
	}
	first, _, found := strings.Cut(s, "/")
	if !found || strings.HasPrefix(s, ".") || filepath.IsAbs(s) {
		return false
	}
	// A first segment that is a host name: gitlab.example.org/...
	return strings.Contains(first, ".") && !strings.HasSuffix(first, ".yaml") && !strings.HasSuffix(first, ".yml")
}

// isInline reports generator and transformer entries that hold a configuration rather
// than name a file.
func isInline(s string) bool {
	return strings.ContainsAny(s, "\n{") || strings.Contains(s, ": ")
}

// pathErrorText is an error's text without the path an *os.PathError repeats: the
// finding names the file already.
func pathErrorText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
