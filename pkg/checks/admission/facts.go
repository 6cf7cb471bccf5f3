package admission

import (
	"bytes"
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/nspolicy"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// facts are what the admission checks keep of each object: a *namespaceFact for a
// Namespace, a *workloadFact for an object with pod templates.
var facts = &check.Facts{Name: "pod-security-admission", Of: objectFact}

// namespaceFact is a Namespace with its policy and where its labels are written.
type namespaceFact struct {
	obj    *manifest.Object
	policy *nspolicy.Namespace
	// labelAt are the positions of its pod-security labels' values, by key; labelsAt is
	// metadata.labels (or metadata, or the object, when absent), labelsPath its path.
	labelAt    map[string]manifest.Position
	labelsAt   manifest.Position
	labelsPath fieldpath.Path
}

// workloadFact is one object with pod templates.
type workloadFact struct {
	obj       *manifest.Object
	namespace check.Namespace
	pods      []podFact
}

// podFact is one pod template, kept as the JSON the API server would decode (the tree is
// released before the cross-object checks run; decoding happens only for pods in a
// namespace that sets a policy).
type podFact struct {
	path      fieldpath.Path
	at        manifest.Position // of the pod spec
	meta      []byte            // JSON of the pod metadata, nil when absent
	spec      []byte            // JSON of the pod spec
	unencoded bool              // the spec holds what JSON cannot carry
}

func objectFact(o *manifest.Object, s *check.Settings) any {
	if ns := nspolicy.Read(o); ns != nil {
		f := &namespaceFact{obj: o, policy: ns, labelAt: map[string]manifest.Position{}}
		for key := range ns.Labels {
			f.labelAt[key] = o.Locate(nspolicy.LabelsPath.Keys(key))
		}
		switch {
		case o.Get(nspolicy.LabelsPath) != nil:
			f.labelsPath = nspolicy.LabelsPath
		case o.Field("metadata") != nil:
			f.labelsPath = fieldpath.New("metadata")
		}
		f.labelsAt = o.Locate(f.labelsPath)
		return f
	}
	pods := workload.Pods(o)
	if len(pods) == 0 {
		return nil
	}
	w := &workloadFact{obj: o, namespace: s.ScopeOf(o)}
	for _, p := range pods {
		pf := podFact{path: p.Path, at: o.Locate(p.Path)}
		var buf bytes.Buffer
		ok := writeJSON(&buf, p.Spec, 0)
		pf.spec = bytes.Clone(buf.Bytes())
		if p.Meta != nil {
			buf.Reset()
			ok = writeJSON(&buf, p.Meta, 0) && ok
			pf.meta = bytes.Clone(buf.Bytes())
		}
		pf.unencoded = !ok
		w.pods = append(w.pods, pf)
	}
	return w
}

// maxDepth bounds the encoding; the loader already refused deeper documents.
const maxDepth = 100

// writeJSON writes n as the JSON sigs.k8s.io/yaml would make of it: the loader has already
// resolved every scalar as kubectl does (manifest's normalize), so the tags say the JSON
// type. It reports false for what has no JSON form (a non-finite float, too deep a tree).
func writeJSON(b *bytes.Buffer, n *yaml.Node, depth int) bool {
	n = fieldpath.Deref(n)
	if n == nil || depth > maxDepth {
		b.WriteString("null")
		return n == nil
	}
	ok := true
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, n.Content[i].Value)
			b.WriteByte(':')
			ok = writeJSON(b, n.Content[i+1], depth+1) && ok
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			ok = writeJSON(b, c, depth+1) && ok
		}
		b.WriteByte(']')
	default:
		ok = writeScalar(b, n)
	}
	return ok
}

func writeScalar(b *bytes.Buffer, n *yaml.Node) bool {
	switch n.ShortTag() {
	case "!!null":
		b.WriteString("null")
	case "!!bool":
		v, err := strconv.ParseBool(n.Value)
		if err != nil {
			writeString(b, n.Value)
			return true
		}
		b.WriteString(strconv.FormatBool(v))
	case "!!int":
		if v, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			b.WriteString(strconv.FormatInt(v, 10))
		} else {
			writeString(b, n.Value)
		}
	case "!!float":
		v, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return false
		}
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	default:
		writeString(b, n.Value)
	}
	return true
}

// writeString writes s as a JSON string.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
