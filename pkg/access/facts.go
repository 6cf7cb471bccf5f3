package access

import (
	"strings"

	"gopkg.in/yaml.v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// What factOf keeps of each object: strings and positions, never yaml nodes, because the
// engine releases the trees before cross-object checks run.

// accountFact is a ServiceAccount.
type accountFact struct {
	namespace check.Namespace
	name      string
}

// roleFact is a Role or ClusterRole.
type roleFact struct {
	obj       *manifest.Object
	kind      string
	namespace check.Namespace // of a Role
	name      string
	labels    labels.Set
	rules     []Rule
	// selectors are the aggregationRule's clusterRoleSelectors; aggregated says it has
	// one, so its rules are the union of the roles they select (the written rules are
	// what the controller last put there, and are ignored as the controller would).
	selectors  []labels.Selector
	aggregated bool
}

// bindingFact is a RoleBinding or ClusterRoleBinding.
type bindingFact struct {
	obj       *manifest.Object
	kind      string
	namespace check.Namespace // of a RoleBinding
	name      string
	roleKind  string
	roleName  string
	subjects  []subjectFact
}

// subjectFact is one subject that can stand for a service account.
type subjectFact struct {
	index int
	at    manifest.Position
	// account is the service account the subject names ("" for a group); namespace is
	// where: named, or the binding's own for a RoleBinding subject without one.
	account   string
	namespace check.Namespace
	// group is "system:serviceaccounts", "system:serviceaccounts:<ns>" or
	// "system:authenticated".
	group string
}

// podFact is one pod spec.
type podFact struct {
	obj       *manifest.Object
	namespace check.Namespace
	account   string
	named     bool
	path      fieldpath.Path
	at        manifest.Position
}

const rbacGroup = "rbac.authorization.k8s.io"

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

func factOf(o *manifest.Object, s *check.Settings) any {
	switch {
	case o.Ref.Kind == "ServiceAccount" && o.Ref.APIVersion == "v1":
		return &accountFact{namespace: s.ScopeOf(o), name: o.Ref.Name}
	case isRBAC(o, "Role", "ClusterRole"):
		return roleOf(o, s)
	case isRBAC(o, "RoleBinding", "ClusterRoleBinding"):
		return bindingOf(o, s)
	}
	pods := workload.Pods(o)
	if len(pods) == 0 {
		return nil
	}
	out := make([]*podFact, 0, len(pods))
	for _, pod := range pods {
		pf := &podFact{obj: o, namespace: s.ScopeOf(o), account: pod.ServiceAccountName(), path: pod.Path}
		for _, f := range []string{"serviceAccountName", "serviceAccount"} {
			if v, ok := workload.StringField(pod.Spec, f); ok && v != "" {
				pf.named, pf.path = true, pod.Path.Keys(f)
				break
			}
		}
		pf.at = o.Locate(pf.path)
		out = append(out, pf)
	}
	return out
}

func roleOf(o *manifest.Object, s *check.Settings) *roleFact {
	r := &roleFact{obj: o, kind: o.Ref.Kind, name: o.Ref.Name, labels: stringMap(o.Field("metadata", "labels"))}
	if r.kind == "Role" {
		r.namespace = s.ScopeOf(o)
	}
	if agg := o.Field("aggregationRule"); agg != nil && agg.Tag != "!!null" && r.kind == "ClusterRole" {
		r.aggregated = true
		for _, sel := range fieldpath.Items(fieldpath.MapGet(agg, "clusterRoleSelectors")) {
			if ls, err := selectorOf(sel); err == nil {
				r.selectors = append(r.selectors, ls)
			}
		}
		return r
	}
	for _, n := range fieldpath.Items(o.Field("rules")) {
		if n == nil || n.Kind != yaml.MappingNode {
			// Keep the index of every later rule: the API server rejects such a role,
			// but the positions must still name the rules as written.
			r.rules = append(r.rules, Rule{})
			continue
		}
		r.rules = append(r.rules, Rule{
			APIGroups: strs(n, "apiGroups"), Resources: strs(n, "resources"), Verbs: strs(n, "verbs"),
			ResourceNames: strs(n, "resourceNames"), NonResourceURLs: strs(n, "nonResourceURLs"),
		})
	}
	return r
}

// saGroup is the group of every service account; saGroup+":"+ns that of one namespace's.
const saGroup = "system:serviceaccounts"

// authenticated is the group of every authenticated request, service accounts included.
const authenticated = "system:authenticated"

func bindingOf(o *manifest.Object, s *check.Settings) *bindingFact {
	str := func(n *yaml.Node, key string) string {
		v, _ := fieldpath.Str(fieldpath.MapGet(n, key))
		return v
	}
	ref := o.Field("roleRef")
	b := &bindingFact{obj: o, kind: o.Ref.Kind, name: o.Ref.Name, roleKind: str(ref, "kind"), roleName: str(ref, "name")}
	if b.kind == "RoleBinding" {
		b.namespace = s.ScopeOf(o)
	}
	if b.roleName == "" {
		// roleRef names no role: the API server rejects the binding, and it grants nothing.
		return b
	}
	subjects := fieldpath.New("subjects")
	for i, n := range fieldpath.Items(o.Field("subjects")) {
		kind, name, ns := str(n, "kind"), str(n, "name"), str(n, "namespace")
		sf := subjectFact{index: i}
		switch {
		case kind == "ServiceAccount" && name != "":
			sf.account = name
			switch {
			case ns != "":
				sf.namespace = check.Namespace{Name: ns}
			case b.kind == "RoleBinding":
				// The authorizer reads an empty namespace as the RoleBinding's own.
				sf.namespace = b.namespace
			default:
				continue // a ClusterRoleBinding needs the namespace; the API server rejects it
			}
		case kind == "User" && strings.HasPrefix(name, "system:serviceaccount:"):
			nsName, acct, ok := strings.Cut(strings.TrimPrefix(name, "system:serviceaccount:"), ":")
			if !ok || nsName == "" || acct == "" {
				continue
			}
			sf.account, sf.namespace = acct, check.Namespace{Name: nsName}
		case kind == "Group" && name == authenticated:
			// Every service account token authenticates as a member of it too.
			sf.group = name
		case kind == "Group" && (name == saGroup || strings.HasPrefix(name, saGroup+":")):
			sf.group = name
		default:
			continue
		}
		sf.at = o.Locate(subjects.Child(fieldpath.Index(i)))
		b.subjects = append(b.subjects, sf)
	}
	return b
}

// strs reads the string items of the list field of rule node n.
func strs(n *yaml.Node, field string) []string {
	items := fieldpath.Items(fieldpath.MapGet(n, field))
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		if v, ok := fieldpath.Str(item); ok {
			out = append(out, v)
		}
	}
	return out
}

// stringMap reads a labels mapping.
func stringMap(n *yaml.Node) labels.Set {
	set := labels.Set{}
	fieldpath.Pairs(n, func(k string, _, v *yaml.Node) {
		s, _ := fieldpath.Str(v)
		set[k] = s
	})
	return set
}

// selectorOf reads a LabelSelector into apimachinery's selector, so that matching is
// Kubernetes' own (matchLabels and matchExpressions ANDed).
func selectorOf(n *yaml.Node) (labels.Selector, error) {
	ls := &metav1.LabelSelector{}
	if ml := fieldpath.MapGet(n, "matchLabels"); ml != nil {
		ls.MatchLabels = stringMap(ml)
	}
	for _, e := range fieldpath.Items(fieldpath.MapGet(n, "matchExpressions")) {
		key, _ := fieldpath.Str(fieldpath.MapGet(e, "key"))
		op, _ := fieldpath.Str(fieldpath.MapGet(e, "operator"))
		req := metav1.LabelSelectorRequirement{Key: key, Operator: metav1.LabelSelectorOperator(op), Values: strs(e, "values")}
		ls.MatchExpressions = append(ls.MatchExpressions, req)
	}
	// An empty selector selects every ClusterRole, as in the aggregation controller.
	return metav1.LabelSelectorAsSelector(ls)
}
