package fix

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// checkNewObject refuses an object a fix would add whose namespace is not a DNS-1123 label
// or whose name is not a DNS-1123 subdomain, as the API server would: such a value came
// from the manifest as written, and copying it into a new file would put text chosen by
// whoever wrote the manifest into a file the tool vouches for.
func checkNewObject(ref finding.ObjectRef) error {
	if ref.Namespace != "" {
		if errs := validation.IsDNS1123Label(ref.Namespace); len(errs) > 0 {
			return fmt.Errorf("add object: namespace %q is not a valid DNS-1123 label (%s); not written", ref.Namespace, strings.Join(errs, "; "))
		}
	}
	if errs := validation.IsDNS1123Subdomain(ref.Name); len(errs) > 0 {
		return fmt.Errorf("add object: name %q is not a valid DNS-1123 subdomain (%s); not written", ref.Name, strings.Join(errs, "; "))
	}
	return nil
}

// ValidateAdds checks the AddObject changes of a fix before anything of it is applied.
func ValidateAdds(fx *finding.Fix) error {
	for _, ch := range fx.Changes {
		if ch.Op != finding.AddObject {
			continue
		}
		if _, err := NewObjectRef(ch); err != nil {
			return err
		}
	}
	return nil
}

// NewObjectRef reads the object an AddObject change adds and checks its file name and
// identity: the change names a file beside the object's, and one valid object.
func NewObjectRef(ch finding.Change) (finding.ObjectRef, error) {
	name := ch.FileName
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return finding.ObjectRef{}, fmt.Errorf("add object: %q is not a file name", name)
	}
	src, ok := ch.Value.(string)
	if !ok {
		return finding.ObjectRef{}, fmt.Errorf("add object: value is %T, not YAML text", ch.Value)
	}
	res := manifest.Parse(name, []byte(src), manifest.DefaultLimits)
	if res.Err != nil {
		return finding.ObjectRef{}, fmt.Errorf("add object: %s", res.Err.Message)
	}
	if len(res.Objects) != 1 {
		return finding.ObjectRef{}, fmt.Errorf("add object: value holds %d objects, want 1", len(res.Objects))
	}
	if err := checkNewObject(res.Objects[0].Ref); err != nil {
		return finding.ObjectRef{}, err
	}
	return res.Objects[0].Ref, nil
}

// AddObject writes a new object into ch.FileName beside obj's file, as a further document
// when that file exists. An object of the same kind, namespace and name already there
// means the fix is in place.
func AddObject(ws *Workspace, obj *manifest.Object, ch finding.Change) (bool, error) {
	ref, err := NewObjectRef(ch)
	if err != nil {
		return false, err
	}
	path := Stdin
	if obj.File != Stdin {
		path = filepath.Join(filepath.Dir(obj.File), ch.FileName)
	}
	f, err := ws.OpenOrCreate(path)
	if err != nil {
		return false, err
	}
	for _, o := range manifest.Parse(path, f.Data, manifest.DefaultLimits).Objects {
		if o.Ref.Kind == ref.Kind && o.Ref.Name == ref.Name && o.Ref.Namespace == ref.Namespace {
			return false, nil
		}
	}
	doc := strings.TrimLeft(ch.Value.(string), "\n")
	doc = strings.TrimPrefix(doc, "---\n")
	if !strings.HasSuffix(doc, "\n") {
		doc += "\n"
	}
	var b bytes.Buffer
	b.Write(f.Data)
	if len(bytes.TrimSpace(f.Data)) > 0 {
		if !bytes.HasSuffix(f.Data, []byte("\n")) {
			b.WriteString("\n")
		}
		b.WriteString("---\n")
	}
	b.WriteString(doc)
	out := b.Bytes()
	if bytes.Contains(f.Data, []byte("\r\n")) {
		// Only the appended part: the existing text keeps its bytes.
		tail := out[len(f.Data):]
		tail = bytes.ReplaceAll(bytes.ReplaceAll(tail, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		out = append(append([]byte(nil), f.Data...), tail...)
	}
	f.Data = out
	return true, nil
}
