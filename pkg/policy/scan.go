package policy

import (
	"fmt"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Scan is what a binary without the engine keeps of the input's
// ValidatingAdmissionPolicies while their trees are there: the resources each matches, by
// deploy unit. With it, the run is handed to kubectl-secure-full only when a unit holds a
// policy, a binding and an object the policy's resourceRules could select: Gateway API's
// bundle (CRDs and a policy on CRDs) beside a directory of samples needs no second process.
// It is made for one run and fed concurrently.
type Scan struct {
	mu    sync.Mutex
	rules map[string][]resourceRule // by unit
}

// resourceRule is one resourceRules entry: API groups and resources ("*" matches any).
type resourceRule struct{ groups, resources []string }

// NewScan starts a scan; nil when the engine is linked (the preview itself runs).
func NewScan() *Scan {
	if Registered() != nil {
		return nil
	}
	return &Scan{rules: map[string][]resourceRule{}}
}

// Observe reads the resource rules of the policies among objs, whose trees are there.
func (s *Scan) Observe(objs []*manifest.Object, set *check.Settings) {
	if s == nil {
		return
	}
	for _, o := range objs {
		if !IsPolicy(o.Ref) {
			continue
		}
		var rules []resourceRule
		mc := o.Get(fieldpath.New("spec", "matchConstraints"))
		for _, r := range fieldpath.Items(fieldpath.MapGet(mc, "resourceRules")) {
			rules = append(rules, resourceRule{groups: strs(fieldpath.MapGet(r, "apiGroups")), resources: strs(fieldpath.MapGet(r, "resources"))})
		}
		if mc == nil {
			rules = append(rules, resourceRule{groups: []string{"*"}, resources: []string{"*"}})
		}
		s.mu.Lock()
		u := unitOf(o, set)
		s.rules[u] = append(s.rules[u], rules...)
		s.mu.Unlock()
	}
}

// strs reads a list of strings.
func strs(n *yaml.Node) []string {
	var out []string
	for _, it := range fieldpath.Items(n) {
		if v, ok := fieldpath.Str(it); ok {
			out = append(out, v)
		}
	}
	return out
}

// Need returns the *addon.MissingError that hands the run to kubectl-secure-full when a
// unit holds a binding, a policy and an object one of the unit's policies could select.
func (s *Scan) Need(objs []*manifest.Object, set *check.Settings) error {
	if s == nil {
		return nil
	}
	bindings := map[string]*manifest.Object{}
	for _, o := range objs {
		if IsBinding(o.Ref) {
			bindings[unitOf(o, set)] = o
		}
	}
	if len(bindings) == 0 {
		return nil
	}
	for _, o := range objs {
		u := unitOf(o, set)
		b := bindings[u]
		if b == nil || !Previewed(o.Ref) || !s.selects(u, o) {
			continue
		}
		at := b.Locate(nil)
		return addon.Need(addon.Policy, fmt.Sprintf("the ValidatingAdmissionPolicyBinding %s (%s:%d)", b.Ref.Name, at.File, at.Line))
	}
	return nil
}

// selects reports whether a policy of unit u could select o, erring on yes: the
// resource is compared with the kind's usual plurals.
func (s *Scan) selects(u string, o *manifest.Object) bool {
	group, _, _ := strings.Cut(o.Ref.APIVersion, "/")
	if !strings.Contains(o.Ref.APIVersion, "/") {
		group = ""
	}
	kind := strings.ToLower(o.Ref.Kind)
	plurals := []string{kind + "s", kind + "es", kind}
	if strings.HasSuffix(kind, "y") {
		plurals = append(plurals, strings.TrimSuffix(kind, "y")+"ies")
	}
	for _, r := range s.rules[u] {
		if anyOf(r.groups, func(g string) bool { return g == "*" || g == group }) &&
			anyOf(r.resources, func(res string) bool {
				res, _, _ = strings.Cut(res, "/")
				for _, p := range plurals {
					if res == "*" || res == p {
						return true
					}
				}
				return false
			}) {
			return true
		}
	}
	return false
}

func anyOf(list []string, fn func(string) bool) bool {
	for _, s := range list {
		if fn(s) {
			return true
		}
	}
	return false
}
