// Package podsecurity implements the Pod Security Standards controls, one file per control
// as in k8s.io/pod-security-admission/policy, at that package's latest version. Each check
// names the PSA check it implements (Check.PSACheck) and the agreement test compares the two
// object by object, on the test inputs and on the real-world corpus.
//
// Where PSA reports a pod as a whole ("containers a, b must ..."), these checks report each
// offending field at its own line, so a developer sees exactly what to edit.
package podsecurity

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const (
	catSecurityContext = "security-context"
	catHost            = "host-access"
	catVolumes         = "volumes"
)

// isWindows reports a pod that declares spec.os.name: windows. Linux-only controls
// (seccomp, capabilities, allowPrivilegeEscalation) do not apply to it.
func isWindows(p *workload.Pod) bool {
	s, _ := fieldpath.Str(p.Field("os", "name"))
	return s == "windows"
}

// userNamespaced reports a pod with hostUsers: false. Since Kubernetes 1.35 PSA relaxes
// runAsNonRoot, runAsUser and the baseline procMount control for it: root in a user
// namespace is not root on the node.
func userNamespaced(p *workload.Pod) bool {
	v, set := fieldpath.Bool(p.Field("hostUsers"))
	return set && !v
}

// present reports a field that is set: explicitly null fields decode to nil pointers in
// the API types, so for PSA they are not there at all.
func present(n *yaml.Node) bool {
	n = fieldpath.Deref(n)
	return n != nil && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// podSC is the path of keys below the pod-level securityContext.
func podSC(p *workload.Pod, keys ...string) fieldpath.Path { return scPath(p.Path, keys) }

// containerSC is the path of keys below a container's securityContext.
func containerSC(c workload.Container, keys ...string) fieldpath.Path { return scPath(c.Path, keys) }

// scPath builds the path of keys below the securityContext of the pod or container at base
// in one allocation: checks build one for every finding.
func scPath(base fieldpath.Path, keys []string) fieldpath.Path {
	out := make(fieldpath.Path, 0, len(base)+1+len(keys))
	out = append(append(out, base...), fieldpath.Key("securityContext"))
	for _, k := range keys {
		out = append(out, fieldpath.Key(k))
	}
	return out
}

// setter is a place that sets a security field: the pod or one container.
type setter struct {
	base  fieldpath.Path // path of the pod spec or the container
	node  *yaml.Node     // the securityContext mapping, or nil
	label string         // "pod" or `container "app"`
}

// path is the path of keys below the securityContext.
func (s setter) path(keys ...string) fieldpath.Path { return scPath(s.base, keys) }

// setters lists the pod's securityContext and every container's.
func setters(p *workload.Pod) []setter {
	out := []setter{{base: p.Path, node: p.Field("securityContext"), label: "pod"}}
	for _, c := range p.Containers() {
		out = append(out, setter{base: c.Path, node: c.Field("securityContext"), label: c.Label()})
	}
	return out
}

// boolField reads a boolean field of a mapping; PSA decodes into *bool, so only real
// booleans count (a string "true" fails API validation long before).
func boolField(n *yaml.Node, keys ...string) (value, set bool) {
	return fieldpath.Bool(fieldpath.LookupKeys(n, keys...))
}

func strField(n *yaml.Node, keys ...string) (string, bool) {
	return fieldpath.Str(fieldpath.LookupKeys(n, keys...))
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// fix builds a finding's fix. Changes use paths relative to the object root, built from the
// pod's and containers' paths, so they edit exactly the field the finding points at.
func fix(description string, safe bool, changes ...finding.Change) *finding.Fix {
	return &finding.Fix{Description: description, Safe: safe, Changes: changes}
}

// setTo writes a scalar, creating the missing mappings on the way.
func setTo(p fieldpath.Path, v any) finding.Change {
	return finding.Change{Op: finding.Set, Path: p, Value: v}
}

// remove deletes a mapping entry or a sequence element.
func remove(p fieldpath.Path) finding.Change { return finding.Change{Op: finding.Remove, Path: p} }

// appendTo adds a scalar to a sequence unless it is already there.
func appendTo(p fieldpath.Path, v any) finding.Change {
	return finding.Change{Op: finding.Append, Path: p, Value: v}
}
