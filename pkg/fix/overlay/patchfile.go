package overlay

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/yamlquote"
)

// addResource writes a new object into the overlay and lists its file under resources.
func (o *overlayFix) addResource(ch finding.Change) (bool, error) {
	kfile, err := o.ws.Open(o.org.Kustomization)
	if err != nil {
		return false, err
	}
	kroot, err := kustomizationRoot(kfile)
	if err != nil {
		return false, err
	}
	path := filepath.Join(o.org.Dir, ch.FileName)
	registered := listsFile(kroot, ch.FileName, "resources", "bases")
	if !registered {
		if _, err := o.ws.Open(path); err == nil {
			return false, fmt.Errorf("%s exists but is not a resource of %s; list it or move it away", path, o.org.Kustomization)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	changed, err := fix.AddObject(o.ws, &manifest.Object{File: filepath.Join(o.org.Dir, "kustomization.yaml")}, ch)
	if err != nil {
		return false, err
	}
	if !registered {
		if _, err := ensureInDoc(kfile, 0, nil, []yamledit.PatchStep{{Key: "resources"}, {Scalar: yamledit.StrNode(ch.FileName)}}, nil); err != nil {
			return false, fmt.Errorf("listing %s in %s: %w", ch.FileName, kfile.Path, err)
		}
		changed = true
	}
	return changed, nil
}

// writePatch puts a change into the overlay's patch file: the document of the object,
// created when missing, and the file registered under patches: when new.
func (o *overlayFix) writePatch(pre, post *yaml.Node, ch finding.Change) (bool, error) {
	steps, leaf, err := patchSteps(pre, post, ch, o.schema())
	if err != nil {
		return false, err
	}
	kfile, err := o.ws.Open(o.org.Kustomization)
	if err != nil {
		return false, err
	}
	kroot, err := kustomizationRoot(kfile)
	if err != nil {
		return false, err
	}
	path := filepath.Join(o.org.Dir, PatchFileName)
	registered := listsFile(kroot, PatchFileName, "patches", "patchesStrategicMerge")
	if listsFile(kroot, PatchFileName, "resources", "bases") {
		return false, fmt.Errorf("%s lists %s as a resource, not a patch", kfile.Path, PatchFileName)
	}
	pf, err := o.ws.OpenOrCreate(path)
	if err != nil {
		return false, err
	}
	if !registered && !pf.Created {
		return false, fmt.Errorf("%s exists but is not listed under patches in %s; list it or move it away", path, kfile.Path)
	}
	id := o.patchIdentity()
	doc, err := patchDoc(pf, id)
	if err != nil {
		return false, err
	}
	if doc < 0 {
		if err := appendDoc(pf, id); err != nil {
			return false, err
		}
		if doc, err = patchDoc(pf, id); err != nil || doc < 0 {
			return false, fmt.Errorf("%s: the new document does not read back: %v", pf.Path, err)
		}
	}
	changed, err := ensureInDoc(pf, doc, nil, steps, leaf)
	if err != nil {
		return false, fmt.Errorf("%s: %w", pf.Path, err)
	}
	if !registered {
		item := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{yamledit.StrNode("path"), yamledit.StrNode(PatchFileName)}}
		if _, err := ensureInDoc(kfile, 0, nil, []yamledit.PatchStep{{Key: "patches"}, {Item: item, Match: []string{"path"}}}, nil); err != nil {
			return false, fmt.Errorf("registering %s in %s: %w", PatchFileName, kfile.Path, err)
		}
	}
	return changed, nil
}

// patchIdentity is how the patch names the object: as its resource file does, before the
// overlay's namePrefix, nameSuffix and namespace; kustomize matches a patch against every
// name an object had.
func (o *overlayFix) patchIdentity() finding.ObjectRef {
	src := manifest.RefOf(o.org.Source)
	if src.APIVersion == "" {
		src.APIVersion = o.obj.Ref.APIVersion
	}
	if src.Kind == "" {
		src.Kind = o.obj.Ref.Kind
	}
	return src
}

func (o *overlayFix) schema() schemaFor {
	return schemaFor{apiVersion: o.obj.Ref.APIVersion, kind: o.obj.Ref.Kind}
}

// kustomizationRoot parses a kustomization file as the workspace holds it.
func kustomizationRoot(f *fix.File) (*yaml.Node, error) {
	docs, perr := manifest.ParseDocuments(f.Path, f.Data, manifest.DefaultLimits)
	if perr != nil {
		return nil, fmt.Errorf("parsing %s: %s", f.Path, perr.Message)
	}
	if len(docs) != 1 || fieldpath.Deref(docs[0].Root).Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a kustomization must be a single YAML mapping", f.Path)
	}
	return fieldpath.Deref(docs[0].Root), nil
}

// listsFile reports whether one of the kustomization's fields lists name (a plain entry,
// or a patch entry's path).
func listsFile(root *yaml.Node, name string, fields ...string) bool {
	for _, field := range fields {
		for _, item := range fieldpath.Items(fieldpath.MapGet(root, field)) {
			s, _ := fieldpath.Str(item)
			if p := fieldpath.MapGet(item, "path"); p != nil {
				s, _ = fieldpath.Str(p)
			}
			if s != "" && filepath.Clean(s) == name {
				return true
			}
		}
	}
	return false
}

// patchDoc returns the index of the document of pf that patches id, or -1.
func patchDoc(pf *fix.File, id finding.ObjectRef) (int, error) {
	docs, perr := manifest.ParseDocuments(pf.Path, pf.Data, manifest.DefaultLimits)
	if perr != nil {
		return -1, fmt.Errorf("parsing %s: %s", pf.Path, perr.Message)
	}
	for _, d := range docs {
		if manifest.RefOf(fieldpath.Deref(d.Root)) == id {
			return d.Index, nil
		}
	}
	return -1, nil
}

// appendDoc adds a document naming id to the patch file.
func appendDoc(pf *fix.File, id finding.ObjectRef) error {
	q := yamlquote.Scalar
	var b strings.Builder
	if len(pf.Data) == 0 {
		b.WriteString(patchFileHeader)
	} else {
		if pf.Data[len(pf.Data)-1] != '\n' {
			b.WriteString("\n")
		}
		b.WriteString("---\n")
	}
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", q(id.APIVersion), q(id.Kind), q(id.Name))
	if id.Namespace != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", q(id.Namespace))
	}
	s := b.String()
	if strings.Contains(string(pf.Data), "\r\n") {
		s = strings.ReplaceAll(s, "\n", "\r\n")
	}
	pf.Data = append(pf.Data, s...)
	return nil
}
