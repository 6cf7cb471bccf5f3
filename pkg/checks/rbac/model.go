// Package rbac checks Roles, ClusterRoles and their bindings for grants that let a subject
// take over a namespace or the cluster: wildcards, secret reads, pod exec, workload
// creation, the escalation verbs and bindings to cluster-admin or to anonymous users.
package rbac

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

const (
	category  = "rbac"
	rbacGroup = "rbac.authorization.k8s.io"
	all       = "*" // rbacv1.VerbAll, APIGroupAll, ResourceAll, NonResourceAll
)

// isRBAC reports an object of the RBAC API group (any version) of one of kinds.
func isRBAC(o *manifest.Object, kinds ...string) bool {
	if !strings.HasPrefix(o.Ref.APIVersion, rbacGroup+"/") {
		return false
	}
	for _, k := range kinds {
		if o.Ref.Kind == k {
			return true
		}
	}
	return false
}

// entry is one string of a rule's list field (a verb, a resource, an API group...).
type entry struct {
	value string
	path  fieldpath.Path
	node  *yaml.Node
}

// rule is one PolicyRule of a Role or ClusterRole.
type rule struct {
	obj  *manifest.Object
	path fieldpath.Path // rules[i]
	// namespaced is true for a Role: its rules only ever apply to namespaced resources.
	namespaced bool

	apiGroups, resources, verbs, resourceNames, nonResourceURLs []entry
}

// kindName names the role for messages: `ClusterRole "x"`.
func (r *rule) kindName() string { return r.obj.Ref.Kind + " " + quote(r.obj.Ref.Name) }

func quote(s string) string { return `"` + s + `"` }

// narrowed reports a rule limited to named objects by resourceNames.
func (r *rule) narrowed() bool { return len(r.resourceNames) > 0 }

// forEachRule calls fn for every rule of every Role and ClusterRole. Aggregated
// ClusterRoles are skipped: the controller manager overwrites their rules with the union of
// the roles they select, which are checked on their own. Rules that are not mappings and
// list entries that are not strings are skipped, as the API server would reject them.
func forEachRule(p *check.Pass, fn func(*rule)) {
	p.ForEachObject(func(o *manifest.Object) {
		if !isRBAC(o, "Role", "ClusterRole") {
			return
		}
		if agg := fieldpath.MapGet(o.Root, "aggregationRule"); agg != nil && agg.Tag != "!!null" {
			return
		}
		for _, r := range rulesOf(o) {
			fn(r)
		}
	})
}

type rulesKey struct{}

// rulesOf reads a role's rules once; every RBAC check walks them.
func rulesOf(o *manifest.Object) []*rule {
	return o.Memo(rulesKey{}, func() any {
		var out []*rule
		rulesPath := fieldpath.New("rules")
		for i, n := range fieldpath.Items(fieldpath.MapGet(o.Root, "rules")) {
			if n == nil || n.Kind != yaml.MappingNode {
				continue
			}
			rp := rulesPath.Child(fieldpath.Index(i))
			r := &rule{obj: o, path: rp, namespaced: o.Ref.Kind == "Role"}
			r.apiGroups = entries(n, rp, "apiGroups")
			r.resources = entries(n, rp, "resources")
			r.verbs = entries(n, rp, "verbs")
			r.resourceNames = entries(n, rp, "resourceNames")
			r.nonResourceURLs = entries(n, rp, "nonResourceURLs")
			out = append(out, r)
		}
		return out
	}).([]*rule)
}

// entries reads the string items of the list field of rule node n.
func entries(n *yaml.Node, rulePath fieldpath.Path, field string) []entry {
	var out []entry
	fp := rulePath.Keys(field)
	for i, item := range fieldpath.Items(fieldpath.MapGet(n, field)) {
		if s, ok := fieldpath.Str(item); ok {
			out = append(out, entry{value: s, path: fp.Child(fieldpath.Index(i)), node: item})
		}
	}
	return out
}

// perm is one permission a check looks for: verbs on a resource of an API group.
type perm struct {
	verbs    []string // nil: any verb
	groups   []string // API groups that serve the resource ("" is core)
	resource string   // "secrets", "pods/exec"
	// cluster marks cluster-scoped resources (and users, groups, uids): a Role's rules
	// never apply to them.
	cluster bool
}

// hit is a perm a rule grants, with the entries that grant it.
type hit struct {
	perm     perm
	verb     entry   // the first verb entry that grants a wanted verb
	verbs    []entry // every verb entry that grants one
	resource entry   // the first resource entry that matches
	// loose is true when the only matching resource entry is "name/*", which Kubernetes
	// RBAC does not expand (only "*" and "*/sub" are wildcards): it states an intent to
	// grant every subresource but grants none of them.
	loose bool
}

// grants returns the perms of ps that rule r grants. starResources says whether
// resources: ["*"] counts; the checks for named resources leave it to rbac-wildcard.
func (r *rule) grants(ps []perm, starResources bool) []hit {
	var out []hit
	for _, p := range ps {
		if r.namespaced && p.cluster {
			continue
		}
		if !r.groupMatches(p.groups) {
			continue
		}
		verbs := p.verbs
		if r.narrowed() && !strings.Contains(p.resource, "/") {
			// create and deletecollection requests carry no object name, so a rule with
			// resourceNames never grants them on a top-level resource. Subresource requests
			// (serviceaccounts/token create, pods/exec create) do name their object.
			if verbs = withoutUnnamed(verbs); verbs != nil && len(verbs) == 0 {
				continue
			}
		}
		vs := r.verbsMatching(verbs)
		if len(vs) == 0 {
			continue
		}
		res, loose, ok := r.resourceMatches(p.resource, starResources)
		if !ok {
			continue
		}
		out = append(out, hit{perm: p, verb: vs[0], verbs: vs, resource: res, loose: loose})
	}
	return out
}

// withoutUnnamed drops the verbs whose requests name no object; nil (any verb) stays nil.
func withoutUnnamed(verbs []string) []string {
	if verbs == nil {
		return nil
	}
	out := []string{}
	for _, v := range verbs {
		if v != "create" && v != "deletecollection" {
			out = append(out, v)
		}
	}
	return out
}

func (r *rule) groupMatches(groups []string) bool {
	for _, e := range r.apiGroups {
		if e.value == all {
			return true
		}
		for _, g := range groups {
			if e.value == g {
				return true
			}
		}
	}
	return false
}

// verbsMatching returns every verb entry that grants one of verbs (any verb when nil).
func (r *rule) verbsMatching(verbs []string) []entry {
	var out []entry
	for _, e := range r.verbs {
		if e.value == "" {
			continue
		}
		if verbs == nil || e.value == all || contains(verbs, e.value) {
			out = append(out, e)
		}
	}
	return out
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// resourceMatches follows rbacv1helpers.ResourceMatches: an exact match, "*", or
// "*/sub" for a subresource; "name/*" is accepted as a loose match (see hit.loose).
func (r *rule) resourceMatches(want string, star bool) (entry, bool, bool) {
	base, sub, hasSub := strings.Cut(want, "/")
	var loose *entry
	for i, e := range r.resources {
		switch {
		case e.value == want, e.value == all && star, hasSub && e.value == "*/"+sub:
			return e, false, true
		case hasSub && e.value == base+"/*" && loose == nil:
			loose = &r.resources[i]
		}
	}
	if loose != nil {
		return *loose, true, true
	}
	return entry{}, false, false
}

// firstEntry returns the entry written first in the file, or the zero entry for none.
func firstEntry(in []entry) entry {
	es := sortEntries(in)
	if len(es) == 0 {
		return entry{}
	}
	return es[0]
}

// sortEntries orders entries as written (by line and column), keeping the given order for
// entries whose nodes carry no position.
func sortEntries(in []entry) []entry {
	es := append([]entry(nil), in...)
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].node, es[j].node
		if a == nil || b == nil || a.Line == 0 || b.Line == 0 {
			return false
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return es
}

// values returns the distinct values of entries in the order they are written.
func values(in []entry) []string {
	var vs []string
	for _, e := range sortEntries(in) {
		vs = append(vs, e.value)
	}
	return distinct(vs)
}

// distinct returns the values in order of first appearance without repeats.
func distinct(vs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// list renders values for a message: "get", "list" and "watch".
func list(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = quote(v)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// subject is one subject of a RoleBinding or ClusterRoleBinding.
type subject struct {
	kind, name, namespace string
	path                  fieldpath.Path // subjects[i]
}

func (s subject) String() string {
	if s.kind == "ServiceAccount" {
		ns := s.namespace
		if ns == "" {
			ns = "<binding namespace>"
		}
		return "ServiceAccount " + ns + "/" + s.name
	}
	return s.kind + " " + quote(s.name)
}

// binding is a RoleBinding or ClusterRoleBinding.
type binding struct {
	obj                *manifest.Object
	roleKind, roleName string
	subjects           []subject
}

// forEachBinding calls fn for every RoleBinding and ClusterRoleBinding; subjects without a
// name are left out, and so is a binding whose roleRef names no role: the API server
// rejects it (roleRef.name is required) and it grants nothing to anyone.
func forEachBinding(p *check.Pass, fn func(*binding)) {
	p.ForEachObject(func(o *manifest.Object) {
		if !isRBAC(o, "RoleBinding", "ClusterRoleBinding") {
			return
		}
		str := func(n *yaml.Node, key string) string {
			s, _ := fieldpath.Str(fieldpath.MapGet(n, key))
			return s
		}
		ref := fieldpath.MapGet(o.Root, "roleRef")
		b := &binding{obj: o, roleKind: str(ref, "kind"), roleName: str(ref, "name")}
		if b.roleName == "" {
			return
		}
		for i, n := range fieldpath.Items(fieldpath.MapGet(o.Root, "subjects")) {
			s := subject{kind: str(n, "kind"), name: str(n, "name"), namespace: str(n, "namespace"),
				path: fieldpath.New("subjects").Child(fieldpath.Index(i))}
			if s.kind == "ServiceAccount" && s.namespace == "" && o.Ref.Kind == "RoleBinding" {
				// The authorizer reads an empty namespace as the RoleBinding's own.
				s.namespace = p.Settings.NamespaceOf(o)
			}
			if s.name != "" {
				b.subjects = append(b.subjects, s)
			}
		}
		fn(b)
	})
}
