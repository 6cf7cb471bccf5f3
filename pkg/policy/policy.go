// Package policy makes ValidatingAdmissionPolicies checks: the team's own rules, written
// once in CEL as the API server reads them, run on a laptop and in CI with the linter's
// locations, suppressions and outputs (--policy, the config's policies:), and a preview of
// what the ValidatingAdmissionPolicies and bindings committed in the input would reject
// (the admission-policy check).
//
// This is the lean half: reading policy files, the checks' IDs, severities and docs, what
// is kept of each object and where findings go. Evaluating CEL takes the API server's own
// libraries (k8s.io/apiserver, cel-go), whose start-up cost only kubectl-secure-full pays
// (see pkg/addon): pkg/policy/cel registers the Engine from its init function, and without
// it a run that needs one returns addon.Need(addon.Policy, ...) before writing anything.
package policy

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Names of the policy checks and of what they read.
const (
	// IDPrefix starts the ID of every custom check: "policy:team-label". Built-in IDs
	// never hold a colon, so a policy can never take a built-in's name.
	IDPrefix = check.PolicyIDPrefix
	// Category is the category of every custom check.
	Category = check.PolicyCategory
	// AnnotationSeverity and AnnotationDescription, on the policy, set its check's
	// severity (low, medium, high, critical; default medium) and description.
	AnnotationSeverity    = "kubectl-secure.io/severity"
	AnnotationDescription = "kubectl-secure.io/description"
	// Group is the API group of ValidatingAdmissionPolicy and its binding.
	Group = "admissionregistration.k8s.io"
	// KindPolicy and KindBinding are the kinds read.
	KindPolicy  = "ValidatingAdmissionPolicy"
	KindBinding = "ValidatingAdmissionPolicyBinding"
)

// Policy is one ValidatingAdmissionPolicy as read from a file.
type Policy struct {
	Name string
	// File and Line are where the object starts.
	File string
	Line int
	// Object is the policy as the API server decodes it (a JSON value).
	Object map[string]any
	// Severity and Description come from the annotations.
	Severity    finding.Severity
	Description string
	// Lines are the lines of the policy's expressions by their field path,
	// "spec.validations[0].expression", so that a compile error names the line to edit.
	Lines map[string]int
}

// CheckID is the ID of the policy's check.
func (p *Policy) CheckID() string { return IDPrefix + p.Name }

// ExpressionLine is the line of the expression at field path, or the policy's line.
func (p *Policy) ExpressionLine(path string) int {
	if l, ok := p.Lines[path]; ok {
		return l
	}
	return p.Line
}

// IsPolicy reports whether ref is a ValidatingAdmissionPolicy (any version of the group).
func IsPolicy(ref finding.ObjectRef) bool { return isKind(ref, KindPolicy) }

// IsBinding reports whether ref is a ValidatingAdmissionPolicyBinding.
func IsBinding(ref finding.ObjectRef) bool { return isKind(ref, KindBinding) }

func isKind(ref finding.ObjectRef, kind string) bool {
	return ref.Kind == kind && strings.HasPrefix(ref.APIVersion, Group+"/")
}

// Load reads the ValidatingAdmissionPolicies of files and directories (every *.yaml, *.yml
// and *.json below a directory, hidden directories left out). Other objects in them are
// left alone (a policy's own tests keep fixtures beside it); a path that holds no policy,
// an unreadable file, a document that does not parse, a bad severity or two policies of
// one name is an error naming the file and line.
func Load(paths []string) ([]*Policy, error) {
	var out []*Policy
	seen := map[string]*Policy{}
	for _, p := range paths {
		files, err := policyFiles(p)
		if err != nil {
			return nil, err
		}
		n := len(out)
		for _, file := range files {
			ps, err := loadFile(file)
			if err != nil {
				return nil, err
			}
			for _, pol := range ps {
				if prev := seen[pol.Name]; prev != nil {
					return nil, &finding.InputError{File: pol.File, Line: pol.Line, Message: fmt.Sprintf(
						"policy %q is also defined at %s:%d: policy names are check IDs and must be unique", pol.Name, prev.File, prev.Line)}
				}
				seen[pol.Name] = pol
				out = append(out, pol)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("--policy %s: no %s/v1 %s found", p, Group, KindPolicy)
		}
	}
	return out, nil
}

// policyFiles lists the files a --policy path names, sorted.
func policyFiles(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml", ".json":
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	sort.Strings(files)
	return files, nil
}

func loadFile(file string) ([]*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--policy: %w", err)
	}
	res := manifest.Parse(file, data, manifest.DefaultLimits)
	if errs := res.All(); len(errs) > 0 {
		return nil, &errs[0]
	}
	var out []*Policy
	for _, o := range res.Objects {
		if !IsPolicy(o.Ref) {
			continue
		}
		p, err := FromObject(o)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// FromObject reads a loaded ValidatingAdmissionPolicy object (its tree not released).
func FromObject(o *manifest.Object) (*Policy, error) {
	obj, _ := Value(o.Root).(map[string]any)
	at := o.Locate(nil)
	p := &Policy{Name: o.Ref.Name, File: at.File, Line: at.Line, Object: obj, Severity: finding.Medium, Lines: expressionLines(o)}
	if p.Name == "" {
		return nil, &finding.InputError{File: at.File, Line: at.Line, Message: "ValidatingAdmissionPolicy without metadata.name"}
	}
	if n := o.Get(fieldpath.New("metadata", "annotations", AnnotationSeverity)); n != nil {
		sev, err := finding.ParseSeverity(n.Value)
		if err != nil {
			pos := o.Locate(fieldpath.New("metadata", "annotations", AnnotationSeverity))
			return nil, &finding.InputError{File: pos.File, Line: pos.Line, Message: fmt.Sprintf("policy %q: %s: %v", p.Name, AnnotationSeverity, err)}
		}
		p.Severity = sev
	}
	if n := o.Get(fieldpath.New("metadata", "annotations", AnnotationDescription)); n != nil {
		p.Description = strings.TrimSpace(n.Value)
	}
	return p, nil
}

// expressionLines finds the line of every expression of the policy.
func expressionLines(o *manifest.Object) map[string]int {
	lines := map[string]int{}
	spec := fieldpath.MapGet(o.Root, "spec")
	for _, list := range []struct{ key, field string }{
		{"validations", "expression"}, {"validations", "messageExpression"}, {"variables", "expression"},
		{"matchConditions", "expression"}, {"auditAnnotations", "valueExpression"},
	} {
		for i, item := range fieldpath.Items(fieldpath.MapGet(spec, list.key)) {
			path := fieldpath.New("spec", list.key).Child(fieldpath.Index(i), fieldpath.Key(list.field))
			if fieldpath.MapGet(item, list.field) != nil {
				lines[ExprPath(list.key, i, list.field)] = o.Locate(path).Line
			}
		}
	}
	return lines
}

// ExprPath is the key of Policy.Lines: "spec.validations[0].expression".
func ExprPath(list string, i int, field string) string {
	return fmt.Sprintf("spec.%s[%d].%s", list, i, field)
}
