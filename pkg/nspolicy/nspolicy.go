// Package nspolicy reads the Pod Security admission policy that a Namespace object's
// pod-security.kubernetes.io labels set, with k8s.io/pod-security-admission's own parser
// (api.PolicyToEvaluate), so that what the linter assumes is what admission will do: an
// invalid enforce level enforces restricted, an invalid audit or warn level fails open, an
// invalid version means latest, and warn follows a stricter enforce level.
package nspolicy

import (
	"strings"

	"k8s.io/pod-security-admission/api"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Prefix starts every Pod Security admission label.
const Prefix = "pod-security.kubernetes.io/"

// Default is the policy of a namespace without labels when the cluster's admission
// configuration sets no defaults: privileged, latest, in every mode.
var Default = api.Policy{
	Enforce: api.LevelVersion{Level: api.LevelPrivileged, Version: api.LatestVersion()},
	Audit:   api.LevelVersion{Level: api.LevelPrivileged, Version: api.LatestVersion()},
	Warn:    api.LevelVersion{Level: api.LevelPrivileged, Version: api.LatestVersion()},
}

// Namespace is a Namespace object's Pod Security admission policy.
type Namespace struct {
	Name string
	// Labels are the object's pod-security.kubernetes.io labels, by key.
	Labels map[string]string
	// Policy is what admission evaluates; Errors what it could not parse (each names the
	// label, as field.Error's Field).
	Policy api.Policy
	Errors []LabelError
	// HasEnforce says the enforce label is set (valid or not).
	HasEnforce bool
}

// LabelError is one label admission cannot parse.
type LabelError struct {
	Key, Value, Detail string
}

// IsNamespace reports whether o is a core v1 Namespace.
func IsNamespace(o *manifest.Object) bool {
	return o.Ref.Kind == "Namespace" && o.Ref.APIVersion == "v1"
}

// LabelsPath is where a Namespace's labels are.
var LabelsPath = fieldpath.New("metadata", "labels")

// Read returns the policy of a Namespace object, nil for any other object.
func Read(o *manifest.Object) *Namespace {
	if !IsNamespace(o) {
		return nil
	}
	ns := &Namespace{Name: o.Ref.Name, Labels: map[string]string{}}
	if labels := fieldpath.Deref(o.Get(LabelsPath)); labels != nil {
		for i := 0; i+1 < len(labels.Content); i += 2 {
			k, v := labels.Content[i], fieldpath.Deref(labels.Content[i+1])
			if strings.HasPrefix(k.Value, Prefix) && v != nil {
				ns.Labels[k.Value] = v.Value
			}
		}
	}
	_, ns.HasEnforce = ns.Labels[api.EnforceLevelLabel]
	policy, errs := api.PolicyToEvaluate(ns.Labels, Default)
	ns.Policy = policy
	for _, e := range errs {
		key := strings.TrimSuffix(strings.TrimPrefix(e.Field, "metadata.labels["), "]")
		ns.Errors = append(ns.Errors, LabelError{Key: key, Value: ns.Labels[key], Detail: e.Detail})
	}
	return ns
}

// EnforcedLevel is the level admission enforces in the namespace when its enforce label is
// set, "" when it is not (the cluster's default applies, which the input does not say).
func (ns *Namespace) EnforcedLevel() api.Level {
	if !ns.HasEnforce {
		return ""
	}
	return ns.Policy.Enforce.Level
}
