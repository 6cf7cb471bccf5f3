package fingerprint_test

import (
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fingerprint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// identities parses src and returns the identity of path in each object, by name.
func identities(t *testing.T, src string, p fieldpath.Path) map[string]finding.Identity {
	t.Helper()
	res := manifest.Parse("f.yaml", []byte(src), manifest.DefaultLimits)
	if errs := res.All(); len(errs) > 0 {
		t.Fatal(errs)
	}
	out := map[string]finding.Identity{}
	for _, o := range res.Objects {
		out[o.Ref.Name] = fingerprint.Identify(o, p)
	}
	return out
}

const block = `apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
        capabilities:
          add: [NET_ADMIN, SYS_ADMIN]
`

var privileged = fieldpath.New("spec", "containers").Child(fieldpath.Select("name", "app")).Keys("securityContext", "privileged")

func TestIdentitySurvivesReformatting(t *testing.T) {
	want := identities(t, block, privileged)["a"]
	if want.Value == "" || want.Object.Name != "a" {
		t.Fatalf("identity %+v: want the object and a value hash", want)
	}
	for name, src := range map[string]string{
		"lines inserted above": "# a comment\n\n# another\n" + block,
		"flow style":           "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: app, image: nginx:1.27, securityContext: {privileged: true}}]}\n",
		"quoting and key order": `kind: "Pod"
apiVersion: 'v1'
spec:
  containers:
    - securityContext:
        privileged: true
      image: "nginx:1.27"
      name: "app"
metadata:
  name: "a"
`,
		"documents reordered": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n---\n" + block,
	} {
		if got := identities(t, src, privileged)["a"]; got != want {
			t.Errorf("%s: identity %+v, want %+v", name, got, want)
		}
	}
	changed := identities(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: app, securityContext: {privileged: false}}]}\n", privileged)["a"]
	if changed.Value == want.Value {
		t.Errorf("a changed value keeps its hash %s", changed.Value)
	}
}

func TestListIndexesBecomeWhatTheElementIs(t *testing.T) {
	add := func(i int) fieldpath.Path {
		return fieldpath.New("spec", "containers").Child(fieldpath.Index(0)).Keys("securityContext", "capabilities", "add").Child(fieldpath.Index(i))
	}
	got := identities(t, block, add(1))["a"]
	if want := "spec.containers[name=app].securityContext.capabilities.add[=SYS_ADMIN]"; got.Path != want {
		t.Errorf("path %q, want %q", got.Path, want)
	}
	// Inserting an element before it keeps the identity.
	moved := identities(t, block[:len(block)-len("[NET_ADMIN, SYS_ADMIN]\n")]+"[CHOWN, NET_ADMIN, SYS_ADMIN]\n", add(2))["a"]
	if moved != got {
		t.Errorf("after an insertion: %+v, want %+v", moved, got)
	}
	rules := "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - {apiGroups: [''], resources: [pods], verbs: [get]}\n  - {apiGroups: [''], resources: [secrets], verbs: ['*']}\n"
	rule := identities(t, rules, fieldpath.New("rules").Child(fieldpath.Index(1)).Keys("verbs"))["r"]
	inserted := "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - {apiGroups: [''], resources: [nodes], verbs: [list]}\n  - {apiGroups: [''], resources: [pods], verbs: [get]}\n  - {verbs: ['*'], resources: [secrets], apiGroups: ['']}\n"
	if got := identities(t, inserted, fieldpath.New("rules").Child(fieldpath.Index(2)).Keys("verbs"))["r"]; got != rule {
		t.Errorf("rule moved down: %+v, want %+v", got, rule)
	}
}

func TestMissingFieldHasNoValue(t *testing.T) {
	got := identities(t, block, fieldpath.New("spec", "securityContext", "runAsNonRoot"))["a"]
	if got.Value != "" || got.Path != "spec.securityContext.runAsNonRoot" {
		t.Errorf("identity %+v: want the path and no value", got)
	}
}

func TestObject(t *testing.T) {
	for ref, want := range map[finding.ObjectRef]string{
		{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}: "Deployment.apps/shop/web",
		{APIVersion: "v1", Kind: "Pod", Name: "p"}:                                  "Pod//p",
	} {
		if got := fingerprint.Object(ref); got != want {
			t.Errorf("Object(%v) = %q, want %q", ref, got, want)
		}
	}
}
