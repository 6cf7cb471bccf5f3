package policy

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Run is the custom checks of one lint run: one check per policy, made for the run and
// passed in pipeline.Options.Checks (the registry is not touched), and the input errors
// their evaluation meets.
type Run struct {
	policies []*Policy
	programs []Program
	checks   []*check.Check
	// paths are every path the validations read: each object's position of them is kept
	// while its tree is there.
	paths []fieldpath.Path

	mu   sync.Mutex
	errs []finding.InputError
}

// NewRun compiles the policies. Without the engine it returns the *addon.MissingError
// that hands the run to kubectl-secure-full; a policy that does not compile is an input
// error at its expression's line.
func NewRun(policies []*Policy, why string) (*Run, error) {
	if len(policies) == 0 {
		return &Run{}, nil
	}
	if err := addon.Need(addon.Policy, why); err != nil {
		return nil, err
	}
	eng := Registered()
	r := &Run{policies: policies}
	seen := map[string]bool{}
	for _, p := range policies {
		prog, err := eng.Compile(p)
		if err != nil {
			return nil, err
		}
		r.programs = append(r.programs, prog)
		for _, path := range prog.Reads() {
			if path != nil && !seen[path.String()] {
				seen[path.String()] = true
				r.paths = append(r.paths, path)
			}
		}
	}
	facts := &check.Facts{Name: "policy-objects", Of: r.of}
	cache := &inputCache{}
	for i, p := range policies {
		prog := r.programs[i]
		c := &check.Check{ID: p.CheckID(), Category: Category, Severity: p.Severity, Doc: doc(p), Facts: facts}
		c.Run = func(pass *check.Pass) { r.run(pass, p, prog, cache.get(pass)) }
		r.checks = append(r.checks, c)
	}
	return r, nil
}

// inputCache gathers the input once for all the checks of a run that share its facts
// (the engine passes them the same slice), and again for the next lint of the same
// checks (--fix lints again after writing).
type inputCache struct {
	mu  sync.Mutex
	key *check.Fact
	in  *Input
}

func (c *inputCache) get(pass *check.Pass) *Input {
	var key *check.Fact
	if len(pass.Facts) > 0 {
		key = &pass.Facts[0]
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.in == nil || key == nil || c.key != key {
		c.in, c.key = inputFrom(pass), key
	}
	return c.in
}

// Checks are the run's custom checks, in the order of the policies (none for a nil Run).
func (r *Run) Checks() []*check.Check {
	if r == nil {
		return nil
	}
	return r.checks
}

// Errors are the evaluations that could not finish, sorted.
func (r *Run) Errors() []finding.InputError {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]finding.InputError(nil), r.errs...)
	finding.SortErrors(out)
	return out
}

// doc is the check's documentation, from the policy's annotations and file.
func doc(p *Policy) check.Doc {
	title := p.Description
	if title == "" {
		title = "ValidatingAdmissionPolicy " + p.Name
	}
	if i := strings.IndexByte(title, '\n'); i >= 0 {
		title = title[:i]
	}
	return check.Doc{Title: title, Why: fmt.Sprintf("A rule of your own: the ValidatingAdmissionPolicy %q of %s:%d, evaluated with the API server's CEL libraries.", p.Name, p.File, p.Line),
		Fix: "Change the object so that the policy's validations hold, or suppress the finding with a reason."}
}

// of keeps what the run's policies read of o: its JSON value and the positions of the
// paths the validations read.
func (r *Run) of(o *manifest.Object, s *check.Settings) any {
	t := target(o, s)
	if t == nil {
		return nil
	}
	t.Fields = make(map[string]manifest.Position, len(r.paths))
	for _, p := range r.paths {
		t.Fields[p.String()] = o.Locate(p)
	}
	return t
}

// valueKey memoises an object's JSON value, shared by the custom checks and the admission
// preview.
type valueKey struct{}

// target is what policies read of o: nothing of an object the loader may have read
// without its spec (manifest.Skimmed: CustomResourceDefinitions), which a policy would
// misjudge.
func target(o *manifest.Object, s *check.Settings) *Target {
	if manifest.Skimmed(o.Ref.Kind) {
		return nil
	}
	v, _ := o.Memo(valueKey{}, func() any { return Value(o.Root) }).(map[string]any)
	return &Target{Object: o, Value: v, Namespace: s.NamespaceOf(o), At: o.Locate(nil), Unit: unitOf(o, s)}
}

// unitOf is where the admission preview applies o's policies and bindings, and where
// they apply to o: its deploy unit (check.Unit: one kustomization build, one directory
// of plain files), the whole input with deployScope: repository. A repository walk reads
// many clusters' worth of samples; a policy one of them ships is not the cluster's.
func unitOf(o *manifest.Object, s *check.Settings) string {
	if s != nil && s.DeployScope == check.ScopeRepository {
		return ""
	}
	return check.Unit(o)
}

// inputFrom gathers the facts of a run.
func inputFrom(pass *check.Pass) *Input {
	in := &Input{Namespaces: map[string]map[string]any{}}
	if pass.Settings != nil {
		in.Audit = pass.Settings.AdmissionAudit
	}
	for _, f := range pass.Facts {
		t, ok := f.Value.(*Target)
		if !ok || t == nil || t.Value == nil {
			continue
		}
		in.Targets = append(in.Targets, t)
		if t.Object.Ref.Kind == "Namespace" && t.Object.Ref.APIVersion == "v1" {
			in.Namespaces[t.Object.Ref.Name] = t.Value
		}
	}
	return in
}

func (r *Run) run(pass *check.Pass, p *Policy, prog Program, in *Input) {
	reads := prog.Reads()
	for _, t := range in.Targets {
		vs, err := prog.Evaluate(t, in)
		if err != nil {
			line := p.Line
			var stopped *StoppedError
			if errors.As(err, &stopped) {
				line = p.ExpressionLine(ExprPath("validations", stopped.Validation, "expression"))
			}
			r.mu.Lock()
			r.errs = append(r.errs, finding.InputError{File: p.File, Line: line, Message: fmt.Sprintf(
				"policy %q on %s (%s:%d): %v", p.Name, refString(t.Object.Ref), t.At.File, t.At.Line, err)})
			r.mu.Unlock()
			continue
		}
		for _, v := range vs {
			var path fieldpath.Path
			if v.Validation >= 0 && v.Validation < len(reads) {
				path = reads[v.Validation]
			}
			at := t.Position(path)
			pass.Report(check.Diagnostic{Object: t.Object, Path: path, Message: v.Message, At: &at})
		}
	}
}

func refString(ref finding.ObjectRef) string {
	if ref.Namespace != "" {
		return fmt.Sprintf("%s %s/%s", ref.Kind, ref.Namespace, ref.Name)
	}
	return ref.Kind + " " + ref.Name
}

// AdmissionCheck is the admission preview: the ValidatingAdmissionPolicies and
// ValidatingAdmissionPolicyBindings committed in the input applied to its other objects.
var AdmissionCheck = &check.Check{
	ID:       "admission-policy",
	Category: "admission",
	Severity: finding.High,
	Doc: check.Doc{
		Title: "A ValidatingAdmissionPolicy of the input would reject or warn about the object",
		Why: `The input commits ValidatingAdmissionPolicies and their bindings, which the API server
applies to every object it admits. An object they reject fails to deploy (kubectl apply
errors, a GitOps sync stays degraded); finding it here is finding it before the rollout.
A binding's Deny action is a high finding, Warn a low one, Audit a low one only with
--admission-audit. A policy without a binding in the input is not applied (pass it with
--policy to run it on everything it matches).`,
		Bad: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: replicas}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: replicas}
spec: {policyName: replicas, validationActions: [Deny]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 10`,
		Good: `  replicas: 3`,
		Fix:  "Change the object so that the policy admits it, or change the policy or its binding.",
	},
	Facts: &check.Facts{Name: "admission-objects", Of: admissionOf},
	Run:   runAdmission,
	// Admission policies are the policy control mechanism CIS 5.2.1 asks for, and the
	// enforcement point the NSA/CISA guide's pod security section describes.
	References: []check.Reference{check.CIS("5.2.1"), check.NSA("pod-security/enforcement")},
}

// admissionOf keeps an object's JSON value, when the engine is linked: a binary without it
// hands every input with a binding over to kubectl-secure-full (NeedsEngine).
func admissionOf(o *manifest.Object, s *check.Settings) any {
	if Registered() == nil {
		return nil
	}
	t := target(o, s)
	if t == nil {
		return nil // not a typed nil: the engine keeps no fact then
	}
	if IsPolicy(o.Ref) {
		// A policy that cannot be read is reported where the preview applies it.
		t.Policy, _ = FromObject(o)
	}
	return t
}

func runAdmission(pass *check.Pass) {
	eng := Registered()
	if eng == nil {
		return
	}
	all := inputFrom(pass)
	units := map[string]*Input{}
	var order []string
	for _, t := range all.Targets {
		in := units[t.Unit]
		if in == nil {
			in = &Input{Namespaces: all.Namespaces, Audit: all.Audit}
			units[t.Unit] = in
			order = append(order, t.Unit)
		}
		in.Targets = append(in.Targets, t)
		in.bound = in.bound || IsBinding(t.Object.Ref)
	}
	var decisions []Decision
	for _, u := range order {
		if in := units[u]; in.bound {
			decisions = append(decisions, eng.Preview(in)...)
		}
	}
	sort.SliceStable(decisions, func(i, j int) bool { return decisions[i].Policy < decisions[j].Policy })
	for _, d := range decisions {
		at := d.Target.Position(d.Reads)
		if d.At != nil {
			at = *d.At
		}
		sev := finding.High
		verb := "would reject"
		switch d.Action {
		case "Warn":
			sev, verb = finding.Low, "would warn about"
		case "Audit":
			sev, verb = finding.Low, "would audit"
		}
		who := fmt.Sprintf("ValidatingAdmissionPolicy %q", d.Policy)
		if d.Binding != "" {
			who += fmt.Sprintf(" (binding %q)", d.Binding)
		}
		pass.Report(check.Diagnostic{Object: d.Target.Object, Severity: sev, At: &at,
			Message: fmt.Sprintf("%s %s this object: %s", who, verb, strings.Join(strings.Fields(d.Message), " "))})
	}
}

// Previewed reports whether the admission preview judges objects of ref's kind: not the
// policies and bindings themselves (the configuration of admission, not what it admits),
// nor what the loader skims (manifest.Skimmed).
func Previewed(ref finding.ObjectRef) bool {
	return !IsPolicy(ref) && !IsBinding(ref) && !manifest.Skimmed(ref.Kind)
}

func init() {
	check.Register(AdmissionCheck)
}
