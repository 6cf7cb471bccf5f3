package cel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	k8serrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/policy/generic"
	"k8s.io/apiserver/pkg/admission/plugin/policy/matching"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/policy"
)

// hook is one policy of the input with what admission needs of it.
type hook struct {
	src  *policy.Target
	vap  *admissionregistrationv1.ValidatingAdmissionPolicy
	prog *program
	// err is a policy that does not compile; with failurePolicy Fail the API server
	// rejects every object the policy matches, and says so.
	err error
	at  *manifest.Position
	// params are the objects of the policy's paramKind in the input.
	params informers.GenericInformer
	scope  meta.RESTScope
}

// Preview applies the input's policies through their bindings to every object of the
// input, with the API server's dispatcher (validating.NewDispatcher): definition and
// binding matching, paramRef (name, namespace, selector, parameterNotFoundAction) over the
// params of the input, failurePolicy, and validationActions. Each binding is dispatched on
// its own, so that every binding that rejects an object is reported, not only the first
// the API server would name.
func (engine) Preview(in *policy.Input) []policy.Decision {
	hooks := map[string]*hook{}
	var bindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	for _, t := range in.Targets {
		switch {
		case policy.IsPolicy(t.Object.Ref):
			hooks[t.Object.Ref.Name] = newHook(t, in)
		case policy.IsBinding(t.Object.Ref):
			b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{}
			if decode(t.Value, b) == nil {
				defaultMatch(b.Spec.MatchResources)
				bindings = append(bindings, b)
			}
		}
	}
	sort.SliceStable(bindings, func(i, j int) bool { return bindings[i].Name < bindings[j].Name })
	allow := authorizer.AuthorizerFunc(func(context.Context, authorizer.Attributes) (authorizer.Decision, string, error) {
		return authorizer.DecisionNoOpinion, "no authorizer offline", nil
	})
	dispatcher := validating.NewDispatcher(allow, generic.NewPolicyMatcher(matching.NewMatcher(namespaces{in: in}, nil)))
	var out []policy.Decision
	for _, t := range in.Targets {
		if !policy.Previewed(t.Object.Ref) {
			continue
		}
		for _, b := range bindings {
			h := hooks[b.Spec.PolicyName]
			if h == nil {
				continue // the API server ignores a binding to a policy it does not have
			}
			out = append(out, dispatch(dispatcher, h, b, t, in)...)
		}
	}
	return out
}

func newHook(t *policy.Target, in *policy.Input) *hook {
	h := &hook{src: t, vap: &admissionregistrationv1.ValidatingAdmissionPolicy{}}
	p := t.Policy
	if p == nil {
		p = &policy.Policy{Name: t.Object.Ref.Name, File: t.At.File, Line: t.At.Line, Object: t.Value}
	}
	if err := decode(t.Value, h.vap); err != nil {
		h.err = err
	} else {
		defaultPolicy(h.vap)
		h.prog, h.err = compile(p, h.vap)
	}
	var ie *finding.InputError
	if errors.As(h.err, &ie) {
		h.at = &manifest.Position{File: ie.File, Line: ie.Line, Column: 1}
		h.err = errors.New(ie.Message)
	}
	if pk := h.vap.Spec.ParamKind; pk != nil {
		h.params, h.scope = paramsOf(pk, in)
	}
	return h
}

// paramsOf indexes the objects of the input of kind pk as the informer the API server
// reads params from.
func paramsOf(pk *admissionregistrationv1.ParamKind, in *policy.Input) (informers.GenericInformer, meta.RESTScope) {
	gvk := apiVersionOf(pk.APIVersion).WithKind(pk.Kind)
	gvr, namespaced := resourceFor(gvk)
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, t := range in.Targets {
		ref := t.Object.Ref
		if ref.APIVersion != pk.APIVersion || ref.Kind != pk.Kind {
			continue
		}
		u := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(t.Value)}
		if namespaced && u.GetNamespace() == "" {
			u.SetNamespace(t.Namespace)
		}
		_ = indexer.Add(u)
	}
	scope := meta.RESTScopeRoot
	if namespaced {
		scope = meta.RESTScopeNamespace
	}
	return paramInformer{lister: cache.NewGenericLister(indexer, gvr.GroupResource())}, scope
}

// paramInformer serves the params of the input; it has always synced.
type paramInformer struct{ lister cache.GenericLister }

func (p paramInformer) Informer() cache.SharedIndexInformer { return synced{} }
func (p paramInformer) Lister() cache.GenericLister         { return p.lister }

// synced is an informer whose cache is the input: only HasSynced is called on it.
type synced struct{ cache.SharedIndexInformer }

func (synced) HasSynced() bool { return true }

// dispatch runs admission of t for one policy and one binding.
func dispatch(d generic.Dispatcher[validating.PolicyHook], h *hook, b *admissionregistrationv1.ValidatingAdmissionPolicyBinding, t *policy.Target, in *policy.Input) []policy.Decision {
	req, err := newRequest(t, in)
	if err != nil {
		return nil
	}
	ph := validating.PolicyHook{Policy: h.vap, Bindings: []*admissionregistrationv1.ValidatingAdmissionPolicyBinding{b},
		ParamInformer: h.params, ParamScope: h.scope, ConfigurationError: h.err}
	if h.prog != nil {
		ph.Evaluator = h.prog.validator
	}
	attrs := &recorded{Attributes: req.attrs}
	warnings := &warningsOf{}
	ctx := warning.WithWarningRecorder(context.Background(), warnings)
	err = d.Dispatch(ctx, attrs, objectInterfaces, []validating.PolicyHook{ph})
	base := policy.Decision{Target: t, Policy: h.vap.Name, Binding: b.Name}
	var out []policy.Decision
	if err != nil {
		dec := base
		dec.Action, dec.Message, dec.Validation = "Deny", deniedMessage(err), -1
		if h.err != nil {
			dec.At = h.at
		}
		out = append(out, dec)
	}
	for _, w := range warnings.texts {
		dec := base
		dec.Action, dec.Validation = "Warn", -1
		dec.Message = after(w, fmt.Sprintf("with binding '%s': ", b.Name))
		out = append(out, dec)
	}
	if in.Audit {
		for _, f := range attrs.failures {
			dec := base
			dec.Action, dec.Validation, dec.Message = "Audit", f.ExpressionIndex, f.Message
			if h.prog != nil && f.ExpressionIndex >= 0 && f.ExpressionIndex < len(h.prog.reads) {
				dec.Reads = h.prog.reads[f.ExpressionIndex]
			}
			out = append(out, dec)
		}
	}
	return out
}

// deniedMessage is what the API server's rejection says after naming policy and binding.
func deniedMessage(err error) string {
	var se *k8serrors.StatusError
	if errors.As(err, &se) && se.ErrStatus.Details != nil && len(se.ErrStatus.Details.Causes) > 0 {
		return after(se.ErrStatus.Details.Causes[0].Message, "denied request: ")
	}
	return err.Error()
}

func after(s, sep string) string {
	if _, rest, ok := strings.Cut(s, sep); ok {
		return rest
	}
	return s
}

// recorded keeps the audit annotations the dispatcher adds.
type recorded struct {
	admission.Attributes
	failures []validating.ValidationFailureValue
}

func (r *recorded) AddAnnotation(key, value string) error {
	if key == "validation.policy.admission.k8s.io/validation_failure" {
		var fs []validating.ValidationFailureValue
		if err := json.Unmarshal([]byte(value), &fs); err == nil {
			r.failures = append(r.failures, fs...)
		}
	}
	return nil
}

// warningsOf records the warnings the dispatcher gives (Warn actions).
type warningsOf struct{ texts []string }

func (w *warningsOf) AddWarning(_, text string) { w.texts = append(w.texts, text) }
