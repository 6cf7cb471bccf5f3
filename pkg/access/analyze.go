package access

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// accountKey is a service account where it meets the objects of the run.
type accountKey struct {
	namespace check.Namespace
	name      string
}

// roleKey names a role as a binding refers to it: a ClusterRole by name, a Role by name
// in the namespace it meets its binding in.
type roleKey struct {
	kind      string
	namespace check.Namespace // zero for a ClusterRole
	name      string
}

// subjectRef is one subject of one binding.
type subjectRef struct {
	b   *bindingFact
	sub int // index into b.subjects
}

// grantCore is a grant without the workload's side of the path: what one binding gives,
// computed once per binding whatever the number of workloads it reaches.
type grantCore struct {
	capability Capability
	source     *RoleRef // nil: the bound role itself
	rule       int
	scope      string
}

// accountAccess is what one account (with the groups it is in) is given, shared by the
// workloads that run as it.
type accountAccess struct {
	bindings []*BindingRef
	grants   []Grant
}

// analysis holds the indexes of one Analyze call.
type analysis struct {
	meet       check.Meetings
	accounts   map[accountKey]bool
	nsAccounts map[check.Namespace]int
	roles      map[roleKey]*roleFact
	// clusterRoles by "key=value" label, for aggregation selectors; every ClusterRole in
	// input order for selectors that name no single label value.
	byLabel      map[string][]*roleFact
	clusterRoles []*roleFact
	aggregated   map[*roleFact][]sourceRule
	byAccount    map[accountKey][]subjectRef
	byGroupNS    map[check.Namespace][]subjectRef
	allAccounts  []subjectRef
	order        map[*bindingFact]int
	grants       map[*bindingFact][]grantCore
	refs         map[subjectRef]*BindingRef
	byKey        map[accountKey]*accountAccess
	// oneScope: every object of the run meets every other (deployScope: repository), so
	// no binding is kept from the implicit default account of another unit's pods.
	oneScope bool
	byUnit   map[unitAccount]*accountAccess
}

// unitAccount is the implicit "default" account as the pods of one deploy unit hold it.
type unitAccount struct {
	key  accountKey
	unit string
}

// sourceRule is a rule with the role it is written in.
type sourceRule struct {
	role  *roleFact
	index int
}

// Analyze resolves the access of every workload of the run from the facts of Facts (facts
// of other Facts values are ignored, so a caller may pass a mixed slice).
func Analyze(facts []check.Fact, s *check.Settings) *Model {
	a := &analysis{meet: check.Meetings{}, accounts: map[accountKey]bool{}, nsAccounts: map[check.Namespace]int{},
		roles: map[roleKey]*roleFact{}, byLabel: map[string][]*roleFact{}, aggregated: map[*roleFact][]sourceRule{},
		byAccount: map[accountKey][]subjectRef{}, byGroupNS: map[check.Namespace][]subjectRef{},
		order: map[*bindingFact]int{}, grants: map[*bindingFact][]grantCore{},
		refs: map[subjectRef]*BindingRef{}, byKey: map[accountKey]*accountAccess{},
		oneScope: s != nil && s.DeployScope == check.ScopeRepository, byUnit: map[unitAccount]*accountAccess{}}
	for _, f := range facts {
		a.meet.Note(f.Object)
		if b, ok := f.Value.(*bindingFact); ok {
			// A subject that names a namespace names it for its unit, as metadata.namespace
			// does: a ClusterRoleBinding for default/app and a Deployment that names no
			// namespace, applied together, meet in "default".
			for _, sub := range b.subjects {
				if name := sub.namespaceName(); name != "" {
					a.meet[check.Namespace{Name: name, Unit: check.Unit(f.Object)}] = true
				}
			}
		}
	}
	var pods []*podFact
	for i, f := range facts {
		switch v := f.Value.(type) {
		case *accountFact:
			ns := a.meet.Resolve(v.namespace)
			k := accountKey{ns, v.name}
			if !a.accounts[k] {
				a.accounts[k] = true
				a.nsAccounts[ns]++
			}
		case *roleFact:
			a.addRole(v)
		case *bindingFact:
			a.order[v] = i
			a.addBinding(v)
		case []*podFact:
			pods = append(pods, v...)
		}
	}
	m := &Model{workloads: make([]*Workload, 0, len(pods))}
	for _, p := range pods {
		m.workloads = append(m.workloads, a.workload(p))
	}
	for _, f := range facts {
		if b, ok := f.Value.(*bindingFact); ok {
			for i, sub := range b.subjects {
				if sub.account != "" {
					m.subjects = append(m.subjects, a.bindingRef(subjectRef{b, i}))
				}
			}
		}
	}
	return m
}

// namespaceName is the namespace a subject names: a service account's, when named, or
// that of a "system:serviceaccounts:<ns>" group; "" otherwise.
func (s subjectFact) namespaceName() string {
	switch {
	case s.account != "" && !s.namespace.Implicit():
		return s.namespace.Name
	case strings.HasPrefix(s.group, saGroup+":"):
		return s.group[len(saGroup)+1:]
	}
	return ""
}

func (a *analysis) addRole(r *roleFact) {
	k := roleKey{kind: r.kind, name: r.name}
	if r.kind == "Role" {
		k.namespace = a.meet.Resolve(r.namespace)
	} else {
		a.clusterRoles = append(a.clusterRoles, r)
		for key, v := range r.labels {
			a.byLabel[key+"="+v] = append(a.byLabel[key+"="+v], r)
		}
	}
	a.roles[k] = r
}

func (a *analysis) addBinding(b *bindingFact) {
	for i, sub := range b.subjects {
		ref := subjectRef{b, i}
		switch {
		case sub.account != "":
			k := accountKey{a.meet.Resolve(sub.namespace), sub.account}
			a.byAccount[k] = append(a.byAccount[k], ref)
		case sub.group == saGroup || sub.group == authenticated:
			a.allAccounts = append(a.allAccounts, ref)
		default:
			ns := check.Namespace{Name: sub.namespaceName()}
			a.byGroupNS[ns] = append(a.byGroupNS[ns], ref)
		}
	}
}

// workload resolves one pod spec.
func (a *analysis) workload(p *podFact) *Workload {
	ns := a.meet.Resolve(p.namespace)
	key := accountKey{ns, p.account}
	acc := a.access(key)
	if !p.named && !a.oneScope {
		acc = a.implicitAccess(key, check.Unit(p.obj))
	}
	return &Workload{Object: p.obj, Namespace: ns.Name, Account: p.account, AccountNamed: p.named,
		Path: p.path, At: p.at, AccountDefined: a.accounts[key], NamespaceAccounts: a.nsAccounts[ns],
		Bindings: acc.bindings, Grants: acc.grants}
}

// implicitAccess is what the pods of one deploy unit that name no account get through
// their namespace's "default" account. A workload that names its account links itself to
// that account's bindings wherever they are written; one that names none runs as the
// account every namespace has without anybody writing it, and a binding of it in another
// unit is another deployment's decision, which may never share a cluster with this one
// (in a repository of samples or test data, one binding of default/default to
// cluster-admin would otherwise make every unrelated pod of "default" cluster-admin). So
// only bindings of the same unit reach such pods; a binding no pod reaches is still
// reported, once, at its subject (default-service-account-bound), the place to edit.
// With deployScope: repository the whole input is one deployment and nothing is dropped.
func (a *analysis) implicitAccess(key accountKey, unit string) *accountAccess {
	k := unitAccount{key, unit}
	if acc := a.byUnit[k]; acc != nil {
		return acc
	}
	all := a.access(key)
	acc := &accountAccess{}
	for _, b := range all.bindings {
		if check.Unit(b.Object) == unit {
			acc.bindings = append(acc.bindings, b)
		}
	}
	for _, g := range all.grants {
		if check.Unit(g.Binding.Object) == unit {
			acc.grants = append(acc.grants, g)
		}
	}
	a.byUnit[k] = acc
	return acc
}

// access resolves what an account is given, once per account.
func (a *analysis) access(key accountKey) *accountAccess {
	if acc := a.byKey[key]; acc != nil {
		return acc
	}
	acc := &accountAccess{}
	a.byKey[key] = acc
	refs := make([]subjectRef, 0, len(a.byAccount[key])+len(a.byGroupNS[key.namespace])+len(a.allAccounts))
	refs = append(refs, a.byAccount[key]...)
	refs = append(refs, a.byGroupNS[key.namespace]...)
	refs = append(refs, a.allAccounts...)
	sort.Slice(refs, func(i, j int) bool {
		if oi, oj := a.order[refs[i].b], a.order[refs[j].b]; oi != oj {
			return oi < oj
		}
		return refs[i].sub < refs[j].sub
	})
	for i, ref := range refs {
		if i > 0 && refs[i-1].b == ref.b {
			continue // one path per binding: its first subject that reaches the account
		}
		br := a.bindingRef(ref)
		acc.bindings = append(acc.bindings, br)
		for _, g := range a.grantsOf(ref.b) {
			src := g.source
			if src == nil {
				src = &br.Role
			}
			acc.grants = append(acc.grants, Grant{Capability: g.capability, Binding: br, Role: &br.Role,
				Source: src, Rule: g.rule, Scope: g.scope})
		}
	}
	return acc
}

// bindingRef returns the path element of one subject of one binding, made once.
func (a *analysis) bindingRef(ref subjectRef) *BindingRef {
	if br := a.refs[ref]; br != nil {
		return br
	}
	b, sub := ref.b, ref.b.subjects[ref.sub]
	br := &BindingRef{Kind: b.kind, Name: b.name, Object: b.obj, Subject: sub.index,
		SubjectPath: fieldpath.New("subjects").Child(fieldpath.Index(sub.index)), At: sub.at, Group: sub.group}
	if b.kind == "RoleBinding" {
		br.Namespace = a.meet.Resolve(b.namespace).Name
	}
	if sub.account != "" {
		br.Account, br.AccountNamespace = sub.account, a.meet.Resolve(sub.namespace).Name
	}
	br.Role, _ = a.role(b)
	a.refs[ref] = br
	return br
}

// role returns the RoleRef a binding names and the role's fact when the input has it.
func (a *analysis) role(b *bindingFact) (RoleRef, *roleFact) {
	ref := RoleRef{Kind: b.roleKind, Name: b.roleName}
	k := roleKey{kind: b.roleKind, name: b.roleName}
	if b.roleKind == "Role" {
		k.namespace = a.meet.Resolve(b.namespace)
		ref.Namespace = k.namespace.Name
	}
	_, ref.Builtin = builtinRoles[b.roleName]
	ref.Builtin = ref.Builtin && b.roleKind == "ClusterRole"
	r := a.roles[k]
	if r != nil {
		ref.Object = r.obj
	}
	return ref, r
}

// grantsOf returns what binding b grants, once per binding.
func (a *analysis) grantsOf(b *bindingFact) []grantCore {
	if g, ok := a.grants[b]; ok {
		return g
	}
	var out []grantCore
	role, r := a.role(b)
	valid := b.roleKind == "ClusterRole" || b.roleKind == "Role" && b.kind == "RoleBinding"
	namespaced := b.kind == "RoleBinding"
	scope := ""
	if namespaced {
		scope = a.meet.Resolve(b.namespace).Name
	}
	sources := map[*roleFact]*RoleRef{}
	add := func(src *roleFact, i int, rule *Rule) {
		var ref *RoleRef // the bound role
		if src != r {
			if ref = sources[src]; ref == nil {
				ref = &RoleRef{Kind: src.kind, Name: src.name, Object: src.obj}
				sources[src] = ref
			}
		}
		for _, c := range rule.Capabilities(namespaced) {
			out = append(out, grantCore{capability: c, source: ref, rule: i, scope: scope})
		}
	}
	switch {
	case !valid:
	case role.Builtin:
		for _, c := range builtinRoles[b.roleName] {
			out = append(out, grantCore{capability: c, rule: -1, scope: scope})
		}
		for _, src := range a.byLabel[aggregateLabel(b.roleName)+"=true"] {
			for i := range src.rules {
				add(src, i, &src.rules[i])
			}
		}
	case r == nil:
	case r.aggregated:
		for _, sr := range a.aggregatedRules(r) {
			add(sr.role, sr.index, &sr.role.rules[sr.index])
		}
	default:
		for i := range r.rules {
			add(r, i, &r.rules[i])
		}
	}
	a.grants[b] = out
	return out
}

// aggregatedRules returns the rules of the ClusterRoles r's selectors match, as the
// aggregation controller collects them (r itself excluded, each role once).
func (a *analysis) aggregatedRules(r *roleFact) []sourceRule {
	if rs, ok := a.aggregated[r]; ok {
		return rs
	}
	var out []sourceRule
	seen := map[*roleFact]bool{r: true}
	for _, sel := range r.selectors {
		for _, c := range a.candidates(sel) {
			if seen[c] || c.aggregated || !sel.Matches(c.labels) {
				continue
			}
			seen[c] = true
			for i := range c.rules {
				out = append(out, sourceRule{c, i})
			}
		}
	}
	a.aggregated[r] = out
	return out
}

// candidates narrows the ClusterRoles a selector may match through the label index when
// the selector requires one label value; otherwise every ClusterRole.
func (a *analysis) candidates(sel labels.Selector) []*roleFact {
	reqs, _ := sel.Requirements()
	for _, req := range reqs {
		switch req.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			if vs := req.Values().List(); len(vs) == 1 {
				return a.byLabel[req.Key()+"="+vs[0]]
			}
		}
	}
	return a.clusterRoles
}
