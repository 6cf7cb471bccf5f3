package lint

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// TestSafeFixNeverOverridesWrittenValues: whatever a check says, a fix that changes or
// removes a value the manifest sets is reported unsafe; adding what is missing stays safe.
func TestSafeFixNeverOverridesWrittenValues(t *testing.T) {
	src := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: app
      image: nginx:1.27
      ports: [{containerPort: 80, hostPort: 80}]
      securityContext:
        allowPrivilegeEscalation: true
        readOnlyRootFilesystem: false
        runAsNonRoot: null
        capabilities: {drop: [NET_RAW]}
`
	res := manifest.Parse("p.yaml", []byte(src), manifest.DefaultLimits)
	if res.Err != nil || len(res.Objects) != 1 {
		t.Fatalf("parse: %v", res.Err)
	}
	obj := res.Objects[0]
	sc := fieldpath.Path{fieldpath.Key("spec"), fieldpath.Key("containers"), fieldpath.Select("name", "app")}
	at := func(keys ...string) fieldpath.Path { return sc.Keys(keys...) }
	for _, tc := range []struct {
		name   string
		change finding.Change
		safe   bool
	}{
		{"set a missing field", finding.Change{Op: finding.Set, Path: at("securityContext", "seccompProfile", "type"), Value: "RuntimeDefault"}, true},
		{"set an explicit null", finding.Change{Op: finding.Set, Path: at("securityContext", "runAsNonRoot"), Value: true}, true},
		{"flip an explicit true", finding.Change{Op: finding.Set, Path: at("securityContext", "allowPrivilegeEscalation"), Value: false}, false},
		{"flip an explicit false", finding.Change{Op: finding.Set, Path: at("securityContext", "readOnlyRootFilesystem"), Value: true}, false},
		{"set what is written", finding.Change{Op: finding.Set, Path: at("securityContext", "readOnlyRootFilesystem"), Value: false}, true},
		{"remove a written field", finding.Change{Op: finding.Remove, Path: at("ports").Child(fieldpath.Index(0)).Keys("hostPort")}, false},
		{"remove a missing field", finding.Change{Op: finding.Remove, Path: at("securityContext", "privileged")}, true},
		{"append to a written list", finding.Change{Op: finding.Append, Path: at("securityContext", "capabilities", "drop"), Value: "ALL"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &check.Check{ID: "x", Category: "c", Severity: finding.Low}
			f := Locate(c, check.Diagnostic{Object: obj, Path: tc.change.Path, Message: "m",
				Fix: &finding.Fix{Description: "d", Safe: true, Changes: []finding.Change{tc.change}}})
			if f.Fix.Safe != tc.safe {
				t.Errorf("safe = %v, want %v", f.Fix.Safe, tc.safe)
			}
		})
	}
}
