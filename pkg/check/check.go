// Package check is the check registry and the API checks are written against. Like
// golang.org/x/tools/go/analysis, a Check is a small declared value; its Run reports
// Diagnostics through a Pass and the engine turns them into located Findings.
package check

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// Doc explains a check; `kubectl secure checks ID` prints it.
type Doc struct {
	Title string // one line: what the check catches
	Why   string // why it matters
	Bad   string // a YAML snippet that fires
	Good  string // the same snippet fixed
	Fix   string // how to fix it, in words
}

// FixSafety classifies a check's automatic fix by one rule: a fix is safe only when it
// adds what is missing without changing what a working application does; a fix that
// changes or removes a value the user wrote is unsafe, whatever the value, because the
// user may have written it on purpose. The same fix can therefore be safe for one finding
// (the field is absent) and unsafe for another (it overrides an explicit value).
type FixSafety int

const (
	// FixNone: the finding carries advice only; --fix changes nothing for it.
	FixNone FixSafety = iota
	// FixSafe: the fix only adds a missing field; --fix applies it.
	FixSafe
	// FixUnsafe: the fix changes or removes what the manifest says, or can stop a
	// workload from working; only --unsafe-fixes applies it.
	FixUnsafe
	// FixSafeWhenMissing: safe where the field is absent, unsafe where it overrides an
	// explicit value; decided per finding.
	FixSafeWhenMissing
)

// String is the name `checks -o json` gives the class.
func (s FixSafety) String() string {
	switch s {
	case FixSafe:
		return "safe"
	case FixUnsafe:
		return "unsafe"
	case FixSafeWhenMissing:
		return "safe-when-missing"
	}
	return "none"
}

// Explain is the sentence `checks ID` prints for the class.
func (s FixSafety) Explain() string {
	switch s {
	case FixSafe:
		return "safe: it only adds a field that is missing; --fix applies it."
	case FixUnsafe:
		return "unsafe: it changes or removes a value the manifest sets, or can stop a workload\nfrom working; only --fix --unsafe-fixes applies it."
	case FixSafeWhenMissing:
		return "safe when the field is missing (--fix applies it); unsafe when it overrides an\nexplicit value (only --fix --unsafe-fixes applies it)."
	}
	return "none: advice only; --fix changes nothing for this check."
}

// Check is one rule.
type Check struct {
	ID       string // stable kebab-case identifier
	Category string
	Severity finding.Severity
	PSS      string // "baseline", "restricted" or "" when not a Pod Security Standards control
	// PSACheck names the k8s.io/pod-security-admission check this one implements, so the
	// agreement test can compare object by object.
	PSACheck string
	Doc      Doc
	// AutoFix says what the check's automatic fix is: none (advice only), safe, unsafe, or
	// safe only where the field is missing. `checks ID` shows it; the lint engine holds
	// every finding to the rule behind it (see FixSafety).
	AutoFix FixSafety
	Run     func(*Pass)
	// Facts makes the check cross-object: it relates objects to each other (policies to
	// the pods they select, pods to their service accounts), so it runs once over the
	// whole input, after every object has been read. Its Run sees Pass.Facts, what
	// Facts.Of kept of each object, and no Objects: the engine releases an object's tree
	// as soon as the per-object checks have read it. Diagnostics of such a check carry
	// At, the position Facts.Of found while the tree was there.
	Facts *Facts
	// References are the published controls the check implements (CIS Kubernetes
	// Benchmark, NSA/CISA Kubernetes Hardening Guide, MITRE ATT&CK for Containers);
	// `checks ID`, `checks -o json` and SARIF rule tags show them, and --enable/--disable
	// select by their keys.
	References []Reference
}

// Reference names one control of a published framework.
type Reference struct {
	Framework Framework
	// ID is the framework's own identifier: "5.2.2" (CIS), "T1611" (MITRE), or the
	// section's short ID (NSA, e.g. "pod-security/non-root"; see NSASections).
	ID    string
	Title string // the control's title as the framework writes it
}

// Framework is a published body of controls.
type Framework string

// The frameworks checks reference.
const (
	FrameworkCIS   Framework = "cis"   // CIS Kubernetes Benchmark (v1.10)
	FrameworkNSA   Framework = "nsa"   // NSA/CISA Kubernetes Hardening Guide (v1.2)
	FrameworkMITRE Framework = "mitre" // MITRE ATT&CK for Containers
)

// Key is how users name the reference on the command line: "cis-5.2.2", "mitre-t1611",
// "nsa-pod-security". --enable/--disable match a key or any dotted prefix of it
// ("cis-5.2" selects every 5.2.x control).
func (r Reference) Key() string {
	return string(r.Framework) + "-" + strings.ToLower(r.ID)
}

// Facts is what cross-object checks keep of each object. Checks that read the same facts
// share one Facts value, and the engine computes them once per object.
type Facts struct {
	Name string
	// Of returns what is kept of o, or nil when nothing is. It must not keep yaml nodes
	// or o.Root: that would keep the trees alive that releasing the object drops.
	Of func(o *manifest.Object, s *Settings) any
}

// Fact is what Facts.Of kept of one object.
type Fact struct {
	Object *manifest.Object
	Value  any
}

// Diagnostic is what a check reports; the engine locates it.
type Diagnostic struct {
	Object   *manifest.Object
	Path     fieldpath.Path
	Message  string
	Severity finding.Severity // zero means the check's severity
	// PSS overrides the check's level for this finding: a control relaxed at baseline for
	// some pods (procMount in user namespaces) is still a restricted violation there.
	PSS string
	Fix *finding.Fix
	// At, when set, is where the finding goes, as Object.Locate(Path) answered it while
	// the tree was there: cross-object checks report after objects are released.
	At *manifest.Position
}

// Pass is one run of one check. A per-object check sees some of the objects of a lint run
// (those of one file or overlay) in Objects and mostly goes through ForEachObject; a
// cross-object check sees the facts of every object of the run in Facts, in input order.
type Pass struct {
	Check    *Check
	Objects  []*manifest.Object
	Facts    []Fact
	Settings *Settings
	Report   func(Diagnostic)
}

// Settings are the user's choices that checks read (flags and the config file). The zero
// value is valid.
type Settings struct {
	// Namespace is the namespace of objects that set none (kubectl's --namespace).
	Namespace string
	// AllowedRegistries, when non-empty, is the registry allow-list for images.
	AllowedRegistries []string
	// CoveredNamespaces are shell glob patterns of namespaces whose NetworkPolicies are
	// managed elsewhere (a platform repository), so none are expected in the input.
	CoveredNamespaces []string
	// DeployScope is how far the objects that set no namespace relate in cross-object
	// checks: ScopeUnit ("" too) within their deploy unit, ScopeRepository across the
	// whole input, for repositories deployed as one.
	DeployScope string
	// KubeVersion is the Kubernetes version the input is deployed to, "1.37" (--kube-version
	// normalised by apilifecycle.Normalize; "" when the caller set none: checks read it as
	// apilifecycle.Newest).
	KubeVersion string
	// PSSFromNamespaceLabels has the Pod Security Standards findings of a workload follow
	// the enforce label of its namespace, when the input holds that Namespace
	// (pssFromNamespaceLabels in the config file; the CLI's default is true).
	PSSFromNamespaceLabels bool
	// AdmissionAudit has the admission preview report the Audit actions of
	// ValidatingAdmissionPolicyBindings too (--admission-audit).
	AdmissionAudit bool
}

// The values of Settings.DeployScope.
const (
	ScopeUnit       = "unit"
	ScopeRepository = "repository"
)

// NamespaceOf returns the object's namespace, falling back to Settings.Namespace and then
// "default", as kubectl would when applying it.
func (s *Settings) NamespaceOf(o *manifest.Object) string {
	if o.Ref.Namespace != "" {
		return o.Ref.Namespace
	}
	if s != nil && s.Namespace != "" {
		return s.Namespace
	}
	return "default"
}

// Unit returns the deploy unit of o, what is applied to a cluster together with it: the
// Kustomize build that made it (one `kubectl apply -k`), standard input, or the directory
// of a plain file, not counting subdirectories (one `kubectl apply -f DIR`, which does not
// recurse without -R; a repository that keeps one sample or app per directory deploys
// each on its own). A file given alone belongs to its directory's unit. A Helm chart
// rendered with one set of values is one unit: pkg/chart sets Overlay to it.
func Unit(o *manifest.Object) string {
	switch {
	case o.Overlay != "":
		return o.Overlay
	case o.File == "-":
		return "-"
	}
	// Slashes, so that a unit is the same string on every platform.
	return path.Dir(filepath.ToSlash(o.File))
}

// Namespace is where a cross-object check places an object: objects relate (a policy to
// the pods it selects, a pod to its ServiceAccount and bindings) only when their
// Namespaces are equal. A namespace that is named — metadata.namespace as built, or the
// user's --namespace — is the same namespace in every deploy unit, so policies kept in one
// folder and the apps of another still meet; the implicit namespace of objects that name
// none is their unit's own (Unit set), so two samples that each land in "default" when
// applied on their own do not.
type Namespace struct {
	Name string
	Unit string // "" when named, or when Settings.DeployScope is ScopeRepository
}

// Implicit reports whether the namespace is a unit's implicit one.
func (n Namespace) Implicit() bool { return n.Unit != "" }

// ScopeOf returns the namespace o meets other objects in.
func (s *Settings) ScopeOf(o *manifest.Object) Namespace {
	ns := Namespace{Name: s.NamespaceOf(o)}
	if o.Ref.Namespace == "" && (s == nil || s.Namespace == "" && s.DeployScope != ScopeRepository) {
		ns.Unit = Unit(o)
	}
	return ns
}

// Meetings completes ScopeOf with what it cannot see from one object: a unit that names
// a namespace on some objects and leaves it implicit on others deploys both into it when
// that is the namespace the others default to (a RoleBinding in "default" and a
// Deployment without a namespace, in one file), so there the implicit namespace is the
// named one. Note every object of the run, then Resolve each Namespace.
type Meetings map[Namespace]bool // by name, and unit of the object that named it

// Note records the namespace o names, in its unit.
func (m Meetings) Note(o *manifest.Object) {
	if o.Ref.Namespace != "" {
		m[Namespace{Name: o.Ref.Namespace, Unit: Unit(o)}] = true
	}
}

// Resolve returns the namespace objects placed in ns meet in.
func (m Meetings) Resolve(ns Namespace) Namespace {
	if ns.Unit != "" && m[ns] {
		return Namespace{Name: ns.Name}
	}
	return ns
}

// Reportf reports a diagnostic at path with a formatted message.
func (p *Pass) Reportf(obj *manifest.Object, path fieldpath.Path, format string, args ...any) {
	p.Report(Diagnostic{Object: obj, Path: path, Message: fmt.Sprintf(format, args...)})
}

// ForEachObject calls fn for every object.
func (p *Pass) ForEachObject(fn func(*manifest.Object)) {
	for _, o := range p.Objects {
		fn(o)
	}
}

// ForEachPod calls fn for every pod spec of every object.
func (p *Pass) ForEachPod(fn func(*workload.Pod)) {
	for _, o := range p.Objects {
		for _, pod := range workload.Pods(o) {
			fn(pod)
		}
	}
}

var (
	mu       sync.RWMutex
	registry = map[string]*Check{}
)

// Register adds checks to the registry; check packages call it from init. A duplicate or
// malformed check is a programming error and panics at start-up, where tests catch it.
func Register(cs ...*Check) {
	mu.Lock()
	defer mu.Unlock()
	for _, c := range cs {
		switch {
		case c.ID == "" || strings.ToLower(c.ID) != c.ID || strings.ContainsAny(c.ID, " _."):
			panic(fmt.Sprintf("check: bad ID %q", c.ID))
		case registry[c.ID] != nil:
			panic(fmt.Sprintf("check: %q registered twice", c.ID))
		case c.Category == "" || c.Severity == 0 || c.Run == nil || c.Doc.Title == "":
			panic(fmt.Sprintf("check: %q lacks category, severity, doc title or run", c.ID))
		}
		registry[c.ID] = c
	}
}

// All returns every registered check sorted by category, then ID.
func All() []*Check {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Check, 0, len(registry))
	for _, c := range registry {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// PolicyIDPrefix and PolicyCategory name the checks a run makes from the
// ValidatingAdmissionPolicies it is given (pkg/policy: "policy:team-label"), which the
// registry cannot know before the run. Built-in IDs never hold a colon.
const (
	PolicyIDPrefix = "policy:"
	PolicyCategory = "policy"
)

// IsRunName reports whether name is a policy check's ID or category: suppressions and
// severity overrides may name them although they are not registered.
func IsRunName(name string) bool {
	return strings.HasPrefix(name, PolicyIDPrefix) && len(name) > len(PolicyIDPrefix) || name == PolicyCategory
}

// Lookup returns the check with id, or nil.
func Lookup(id string) *Check {
	mu.RLock()
	defer mu.RUnlock()
	return registry[id]
}

// Categories returns the categories that have at least one check.
func Categories() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range All() {
		if !seen[c.Category] {
			seen[c.Category] = true
			out = append(out, c.Category)
		}
	}
	return out
}

// Select applies --enable/--disable: each name is a check ID, a category, or a reference
// key or prefix ("cis-5.2", "mitre-t1611", "nsa-pod-security"; see MatchesKey). With
// enable empty, every check starts enabled. Unknown names are an error that suggests the
// closest known name.
func Select(enable, disable []string) ([]*Check, error) {
	return SelectFrom(All(), enable, disable)
}

// SelectFrom is Select over the checks all: the registered checks and those a run makes
// (a ValidatingAdmissionPolicy given with --policy).
func SelectFrom(all []*Check, enable, disable []string) ([]*Check, error) {
	known := func(name string) bool {
		for _, c := range all {
			if matches(c, name) {
				return true
			}
		}
		return false
	}
	for _, n := range append(append([]string{}, enable...), disable...) {
		if !known(n) {
			hint := ""
			if s := suggest(n, all); s != "" {
				hint = fmt.Sprintf("; did you mean %q?", s)
			}
			return nil, fmt.Errorf("unknown check, category or reference %q%s (see `kubectl secure checks`)", n, hint)
		}
	}
	var out []*Check
	for _, c := range all {
		on := len(enable) == 0
		for _, n := range enable {
			on = on || matches(c, n)
		}
		for _, n := range disable {
			if matches(c, n) {
				on = false
			}
		}
		if on {
			out = append(out, c)
		}
	}
	return out, nil
}
