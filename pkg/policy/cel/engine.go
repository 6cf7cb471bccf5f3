// Package cel is the heavy half of pkg/policy: it evaluates ValidatingAdmissionPolicies
// with the API server's own code (k8s.io/apiserver's validating admission policy plugin:
// its CEL environment, compiler, validator, matcher and dispatcher; cel-go), so that a
// policy means here what it means in the cluster. Only kubectl-secure-full links it (see
// pkg/addon): its init links the add-on and registers the engine.
package cel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
)

func init() {
	addon.Link(addon.Policy)
	policy.RegisterEngine(engine{})
}

// engine implements policy.Engine.
type engine struct{}

// The API server's composition environment (its CEL libraries, cost estimator and limits
// for the version this build of k8s.io/apiserver is compatible with), made on first use:
// building it takes milliseconds a run without policies need not pay.
var (
	envOnce sync.Once
	envSet  *environment.EnvSet
)

func baseEnv() *environment.EnvSet {
	envOnce.Do(func() { envSet = environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()) })
	return envSet
}

// program is a compiled policy.
type program struct {
	vap       *admissionregistrationv1.ValidatingAdmissionPolicy
	validator validating.Validator
	reads     []fieldpath.Path
}

func (p *program) Reads() []fieldpath.Path { return p.reads }

// decode reads a policy's JSON value into the API type, with the API server's defaults
// for what admission reads.
func decode(obj map[string]any, into any) error {
	data, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, into)
}

// Compile compiles p as the API server does (validating.compilePolicy), first compiling
// each expression on its own so that one that does not compile is an error at its line.
func (engine) Compile(p *policy.Policy) (policy.Program, error) {
	vap := &admissionregistrationv1.ValidatingAdmissionPolicy{}
	if err := decode(p.Object, vap); err != nil {
		return nil, &finding.InputError{File: p.File, Line: p.Line, Message: fmt.Sprintf("policy %q: %v", p.Name, err)}
	}
	defaultPolicy(vap)
	return compile(p, vap)
}

// defaultPolicy applies the API server's defaults that admission reads: empty namespace
// and object selectors, matchPolicy Equivalent, failurePolicy Fail. A policy given with
// --policy that has no matchConstraints matches every resource (the API server requires
// them; a custom check that names no resources is about all of them).
func defaultPolicy(vap *admissionregistrationv1.ValidatingAdmissionPolicy) {
	spec := &vap.Spec
	if spec.MatchConstraints == nil {
		all := admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.OperationAll},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*"}},
		}
		spec.MatchConstraints = &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{RuleWithOperations: all}}}
	}
	defaultMatch(spec.MatchConstraints)
	if spec.FailurePolicy == nil {
		f := admissionregistrationv1.Fail
		spec.FailurePolicy = &f
	}
}

func defaultMatch(m *admissionregistrationv1.MatchResources) {
	if m == nil {
		return
	}
	if m.NamespaceSelector == nil {
		m.NamespaceSelector = &metaLabelSelector{}
	}
	if m.ObjectSelector == nil {
		m.ObjectSelector = &metaLabelSelector{}
	}
	if m.MatchPolicy == nil {
		e := admissionregistrationv1.Equivalent
		m.MatchPolicy = &e
	}
	for i := range m.ResourceRules {
		defaultScope(&m.ResourceRules[i].RuleWithOperations)
	}
	for i := range m.ExcludeResourceRules {
		defaultScope(&m.ExcludeResourceRules[i].RuleWithOperations)
	}
}

func defaultScope(r *admissionregistrationv1.RuleWithOperations) {
	if r.Scope == nil {
		s := admissionregistrationv1.AllScopes
		r.Scope = &s
	}
}

// compile is validating.compilePolicy (unexported there) with each expression checked.
func compile(p *policy.Policy, vap *admissionregistrationv1.ValidatingAdmissionPolicy) (*program, error) {
	hasParams := vap.Spec.ParamKind != nil
	optionalVars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	messageVars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: false}
	fc, err := plugincel.NewCompositedCompiler(baseEnv())
	if err != nil {
		return nil, fmt.Errorf("policy %q: CEL environment: %w", p.Name, err)
	}
	mode := environment.StoredExpressions
	fail := func(list string, i int, field string, r plugincel.CompilationResult) error {
		return &finding.InputError{File: p.File, Line: p.ExpressionLine(policy.ExprPath(list, i, field)),
			Message: fmt.Sprintf("policy %q: %s: %s", p.Name, policy.ExprPath(list, i, field), oneLine(r.Error.Error()))}
	}
	for i, v := range vap.Spec.Variables {
		if r := fc.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, optionalVars, mode); r.Error != nil {
			return nil, fail("variables", i, "expression", r)
		}
	}
	var matcher matchconditions.Matcher
	if mcs := vap.Spec.MatchConditions; len(mcs) > 0 {
		acc := make([]plugincel.ExpressionAccessor, len(mcs))
		for i := range mcs {
			acc[i] = (*matchconditions.MatchCondition)(&mcs[i])
			if r := fc.CompileCELExpression(acc[i], optionalVars, mode); r.Error != nil {
				return nil, fail("matchConditions", i, "expression", r)
			}
		}
		matcher = matchconditions.NewMatcher(fc.CompileCondition(acc, optionalVars, mode), vap.Spec.FailurePolicy, "policy", "validate", vap.Name)
	}
	validations := make([]plugincel.ExpressionAccessor, len(vap.Spec.Validations))
	messages := make([]plugincel.ExpressionAccessor, len(vap.Spec.Validations))
	prog := &program{vap: vap, reads: make([]fieldpath.Path, len(vap.Spec.Validations))}
	env, envErr := fc.Env(mode)
	for i, v := range vap.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if r := fc.CompileCELExpression(validations[i], optionalVars, mode); r.Error != nil {
			return nil, fail("validations", i, "expression", r)
		}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
			if r := fc.CompileCELExpression(messages[i], messageVars, mode); r.Error != nil {
				return nil, fail("validations", i, "messageExpression", r)
			}
		}
		if envErr == nil {
			if ast, iss := env.Parse(v.Expression); iss.Err() == nil {
				prog.reads[i] = Reads(ast)
			}
		}
	}
	prog.validator = validating.NewValidator(fc.CompileCondition(validations, optionalVars, mode), matcher,
		fc.CompileCondition(nil, optionalVars, mode), fc.CompileCondition(messages, messageVars, mode), vap.Spec.FailurePolicy, nil)
	return prog, nil
}

// oneLine joins a compiler's multi-line report (the expression and a caret under the
// error) to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Evaluate applies the policy to t as admission of its creation would, with a binding
// that adds nothing: matchConstraints, matchConditions, variables, validations, with the
// API server's cost limits (per expression and per object).
func (p *program) Evaluate(t *policy.Target, in *policy.Input) ([]policy.Violation, error) {
	req, err := newRequest(t, in)
	if err != nil {
		return nil, err
	}
	matches, resource, kind, err := req.matcher.DefinitionMatches(req.attrs, objectInterfaces, validating.NewValidatingAdmissionPolicyAccessor(p.vap))
	if err != nil {
		return nil, err
	}
	if !matches {
		return nil, nil
	}
	va, err := admission.NewVersionedAttributes(req.attrs, kind, objectInterfaces)
	if err != nil {
		return nil, err
	}
	res := p.validator.Validate(context.Background(), resource, va, nil, req.namespace, celconfig.RuntimeCELCostBudget, nil)
	var out []policy.Violation
	whole := len(res.Decisions) != len(p.vap.Spec.Validations)
	for i, d := range res.Decisions {
		if d.Action != validating.ActionDeny {
			continue
		}
		v := policy.Violation{Validation: i, Message: d.Message}
		if whole {
			v.Validation = -1
		}
		if d.Evaluation == validating.EvalError && overBudget(d.Message) {
			return nil, &policy.StoppedError{Validation: v.Validation, Message: d.Message}
		}
		out = append(out, v)
	}
	return out, nil
}

// overBudget tells an evaluation the CEL cost limits stopped (per expression, or the
// budget of one admission) from one that failed on the object (a missing field), which
// with failurePolicy Fail is a rejection like any other.
func overBudget(msg string) bool {
	return strings.Contains(msg, "cost limit exceeded") || strings.Contains(msg, "out of cost budget") || strings.Contains(msg, "cost budget")
}
