package workload

import (
	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// This file holds what a pod-spec check reads besides the containers: the security
// context of the pod and its containers, and the pod fields that switch controls off.
// Values are read the way the API server decodes them (and so PSA sees them): only real
// booleans are booleans, and an explicit null is no value at all.

// SecurityContext is one place a security field can be set: the pod's securityContext or
// one container's.
type SecurityContext struct {
	Base  fieldpath.Path // path of the pod spec or of the container
	Node  *yaml.Node     // the securityContext mapping, nil when absent
	Label string         // "pod" or the container's Label
}

// Path is the path of keys below this securityContext.
func (s SecurityContext) Path(keys ...string) fieldpath.Path {
	return securityContextPath(s.Base, keys)
}

// SecurityContexts lists the pod's securityContext and then every container's, in the
// order of Containers; entries are there whether or not the mapping is.
func (p *Pod) SecurityContexts() []SecurityContext {
	out := []SecurityContext{{Base: p.Path, Node: p.Field("securityContext"), Label: "pod"}}
	for _, c := range p.Containers() {
		out = append(out, SecurityContext{Base: c.Path, Node: c.Field("securityContext"), Label: c.Label()})
	}
	return out
}

// SecurityContextPath is the path of keys below the pod-level securityContext.
func (p *Pod) SecurityContextPath(keys ...string) fieldpath.Path {
	return securityContextPath(p.Path, keys)
}

// SecurityContextPath is the path of keys below the container's securityContext.
func (c Container) SecurityContextPath(keys ...string) fieldpath.Path {
	return securityContextPath(c.Path, keys)
}

// securityContextPath builds the path of keys below the securityContext of the pod or
// container at base in one allocation: checks build one for every finding.
func securityContextPath(base fieldpath.Path, keys []string) fieldpath.Path {
	out := make(fieldpath.Path, 0, len(base)+1+len(keys))
	out = append(append(out, base...), fieldpath.Key("securityContext"))
	for _, k := range keys {
		out = append(out, fieldpath.Key(k))
	}
	return out
}

// EffectiveSecurityContext returns the securityContext field at keys that container c runs
// with, and its path: the container's own value when it sets one, the pod's otherwise, as
// the kubelet applies them and PSA reads them. It applies to the fields both levels have
// (runAsNonRoot, runAsUser, runAsGroup, seccompProfile, appArmorProfile, seLinuxOptions,
// windowsOptions); container-only fields such as privileged are read from the container
// alone. Both results are nil when neither level sets the field.
func (p *Pod) EffectiveSecurityContext(c Container, keys ...string) (*yaml.Node, fieldpath.Path) {
	if n := fieldpath.LookupKeys(c.Field("securityContext"), keys...); Present(n) {
		return n, c.SecurityContextPath(keys...)
	}
	if n := fieldpath.LookupKeys(p.Field("securityContext"), keys...); Present(n) {
		return n, p.SecurityContextPath(keys...)
	}
	return nil, nil
}

// IsWindows reports a pod that declares spec.os.name: windows. Linux-only controls
// (seccomp, capabilities, allowPrivilegeEscalation) do not apply to it.
func (p *Pod) IsWindows() bool {
	s, _ := StringField(p.Spec, "os", "name")
	return s == "windows"
}

// UserNamespaced reports a pod with hostUsers: false. Since Kubernetes 1.35 PSA relaxes
// runAsNonRoot, runAsUser and the baseline procMount control for it: root in a user
// namespace is not root on the node.
func (p *Pod) UserNamespaced() bool {
	v, set := BoolField(p.Spec, "hostUsers")
	return set && !v
}

// ServiceAccountName is the pod's account: serviceAccountName, the deprecated
// serviceAccount alias, or "default".
func (p *Pod) ServiceAccountName() string {
	for _, f := range []string{"serviceAccountName", "serviceAccount"} {
		if s, ok := StringField(p.Spec, f); ok && s != "" {
			return s
		}
	}
	return "default"
}

// ContainerNames lists the names of the pod's containers, in the order of Containers.
func (p *Pod) ContainerNames() []string {
	cs := p.Containers()
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// Present reports a field that is set: explicitly null fields decode to nil pointers in
// the API types, so for PSA they are not there at all.
func Present(n *yaml.Node) bool {
	n = fieldpath.Deref(n)
	return n != nil && !(n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// BoolField reads a boolean field at keys below n; set is false unless it holds a real
// boolean. The API types decode into *bool, so a string "true" fails validation long
// before any control sees it.
func BoolField(n *yaml.Node, keys ...string) (value, set bool) {
	return fieldpath.Bool(fieldpath.LookupKeys(n, keys...))
}

// StringField reads a scalar field at keys below n as text; ok is false when it is absent,
// null or not a scalar.
func StringField(n *yaml.Node, keys ...string) (value string, ok bool) {
	return fieldpath.Str(fieldpath.LookupKeys(n, keys...))
}
