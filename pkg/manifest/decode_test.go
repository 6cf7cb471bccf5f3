package manifest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// pod wraps container securityContext lines (indented for it) in a Pod.
func pod(sc string) string {
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n" + sc
}

// TestDecodeAsAPIServer: the tree the checks read holds what sigs.k8s.io/yaml gives the API
// server, in the block-YAML builder, yaml.v3 and flow (JSON) forms, and what kubectl
// refuses or reads differently is an error at its line.
func TestDecodeAsAPIServer(t *testing.T) {
	scPath := []string{"spec", "containers"}
	field := func(name string) func(o *Object) string {
		return func(o *Object) string {
			c := fieldpath.Items(fieldpath.LookupKeys(o.Root, scPath...))
			if len(c) == 0 {
				return "<no container>"
			}
			n := fieldpath.LookupKeys(c[0], "securityContext", name)
			if n == nil {
				return "<absent>"
			}
			return n.Tag + " " + n.Value
		}
	}
	for _, tc := range []struct {
		name   string
		src    string
		read   func(o *Object) string // of the first object
		want   string
		errs   []string // "line: substring"
		refs   []string // Kind/name of the objects, when not just Pod/p
		noObjs bool
	}{
		{name: "duplicate key, block", src: pod("      privileged: false\n      privileged: true\n"),
			read: field("privileged"), want: "!!bool true",
			errs: []string{`11: duplicate key "privileged" (first at line 10); the API server keeps the last value`}},
		{name: "duplicate key, flow", src: pod("      {privileged: false, privileged: true}\n"),
			read: field("privileged"), want: "!!bool true", errs: []string{`10: duplicate key "privileged" (first at line 10)`}},
		{name: "duplicate key, yaml.v3 path (anchor in document)", src: pod("      x: &a 1\n      privileged: false\n      privileged: true\n"),
			read: field("privileged"), want: "!!bool true", errs: []string{`12: duplicate key "privileged" (first at line 11)`}},
		{name: "duplicate key thrice", src: pod("      privileged: true\n      privileged: false\n      privileged: true\n"),
			read: field("privileged"), want: "!!bool true",
			errs: []string{`11: duplicate key "privileged" (first at line 10)`, `12: duplicate key "privileged" (first at line 10)`}},
		{name: "duplicate kind", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
			read: func(o *Object) string { return o.Ref.Kind }, want: "Pod", errs: []string{`5: duplicate key "kind" (first at line 2)`}},
		{name: "duplicate kind hides a CRD skim", src: "apiVersion: v1\nkind: CustomResourceDefinition\nmetadata:\n  name: p\nkind: Pod\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n",
			read: field("privileged"), want: "!!bool true", errs: []string{`5: duplicate key "kind" (first at line 2)`}},
		{name: "duplicate key, JSON", src: `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": false, "privileged": true}}]}}`,
			read: field("privileged"), want: "!!bool true", errs: []string{`1: duplicate key "privileged" (first at line 1)`}},
		{name: "duplicate in a big mapping", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n" + bigData(40) + "  k3: dup\n",
			read: func(o *Object) string { return fieldpath.LookupKeys(o.Root, "data", "k3").Value }, want: "dup",
			errs: []string{`46: duplicate key "k3" (first at line 9)`}, refs: []string{"ConfigMap/p"}},
		{name: "tagged bool", src: pod("      privileged: !!bool \"true\"\n"), read: field("privileged"), want: "!!bool true"},
		{name: "yes is true", src: pod("      privileged: yes\n"), read: field("privileged"), want: "!!bool true"},
		{name: "On is true", src: pod("      privileged: On\n"), read: field("privileged"), want: "!!bool true"},
		{name: "tagged int", src: pod("      runAsUser: !!int \"0\"\n"), read: field("runAsUser"), want: "!!int 0"},
		{name: "float zero", src: pod("      runAsUser: 0.0\n"), read: field("runAsUser"), want: "!!int 0"},
		{name: "exponent zero", src: pod("      runAsUser: 0e0\n"), read: field("runAsUser"), want: "!!int 0"},
		{name: "hex", src: pod("      runAsUser: 0x10\n"), read: field("runAsUser"), want: "!!int 16"},
		{name: "octal", src: pod("      runAsUser: 010\n"), read: field("runAsUser"), want: "!!int 8"},
		{name: "underscores", src: pod("      runAsUser: 1_000\n"), read: field("runAsUser"), want: "!!int 1000"},
		{name: "fraction is refused for an integer field", src: pod("      runAsUser: 0.5\n"), read: field("runAsUser"), want: "!!float 0.5",
			errs: []string{"10: spec.containers[0].securityContext.runAsUser: an integer is required, not a fractional number"}},
		{name: "alias key", src: pod("      x: &k privileged\n      *k : true\n"), read: field("privileged"), want: "!!bool true"},
		{name: "merge key overrides an earlier key", src: "base: &b {privileged: true}\n" + pod("      privileged: false\n      <<: *b\n"),
			read: field("privileged"), want: "!!bool true",
			errs: []string{`11: key "privileged" is replaced by the merge key (<<) at line 12; kubectl keeps the merged value`}},
		{name: "explicit key after a merge wins, no duplicate", src: "base: &b {privileged: true}\n" + pod("      <<: *b\n      privileged: false\n"),
			read: field("privileged"), want: "!!bool false"},
		{name: "string tag", src: pod("      privileged: !!str yes\n"), read: field("privileged"), want: "!!str yes",
			errs: []string{"10: spec.containers[0].securityContext.privileged: a boolean is required, not a string"}},
		{name: "quoted bool is refused", src: pod("      privileged: \"true\"\n"), read: field("privileged"), want: "!!str true",
			errs: []string{"10: spec.containers[0].securityContext.privileged: a boolean is required, not a string"}},
		{name: "NaN is refused", src: pod("      runAsUser: .nan\n"), errs: []string{"10: .nan is not a JSON number"},
			read: field("runAsUser"), want: invalidTag + " .nan"},
		{name: "null key is refused", src: pod("      ~: 1\n"), errs: []string{"10: a null mapping key"}, read: field("x"), want: "<absent>"},
		{name: "tag that cannot hold the value", src: pod("      runAsUser: !!int 1.5\n"), errs: []string{"10: cannot decode !!float `1.5` as a !!int"},
			read: field("x"), want: "<absent>"},
		{name: "spec as a list", src: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: p\nspec:\n- a\n",
			errs: []string{"6: spec: an object is required, not a list"}, refs: []string{"Deployment/p"}},
		{name: "containers as a mapping", src: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    name: c\n",
			errs: []string{"7: spec.containers: a list is required, not an object"}},
		{name: "securityContext as a string", src: pod("      privileged\n"),
			errs: []string{"10: spec.containers[0].securityContext: an object is required, not a string"}, read: field("privileged"), want: "<absent>"},
		{name: "a quantity the API server cannot parse", src: pod("      privileged: false\n") + "    resources:\n      limits:\n        memory: 1GB\n",
			read: field("privileged"), want: "!!bool false",
			errs: []string{`13: spec.containers[0].resources.limits.memory: "1GB" is not a quantity`}},
		{name: "quantities as numbers and strings", src: pod("      privileged: false\n") + "    resources:\n      limits: {cpu: 0.5, memory: \" 1Gi \"}\n      requests: {cpu: 500m, memory: 1e3, ephemeral-storage: .5Ki}\n",
			read: field("privileged"), want: "!!bool false"},
		{name: "a pod-level quantity", src: pod("      privileged: false\n") + "  resources:\n    requests:\n      cpu: one\n",
			read: field("privileged"), want: "!!bool false",
			errs: []string{`13: spec.resources.requests.cpu: "one" is not a quantity`}},
		{name: "a quantity is not a boolean", src: pod("      privileged: false\n") + "    resources:\n      requests:\n        memory: true\n",
			read: field("privileged"), want: "!!bool false",
			errs: []string{`13: spec.containers[0].resources.requests.memory: a quantity is required, not a boolean`}},
		{name: "a Service port must be a number", src: "apiVersion: v1\nkind: Service\nmetadata:\n  name: p\nspec:\n  type: NodePort\n  ports:\n  - port: ${PORT}\n    targetPort: http\n    nodePort: \"30080\"\n",
			errs: []string{"8: spec.ports[0].port: an integer is required, not a string", "10: spec.ports[0].nodePort: an integer is required, not a string"},
			refs: []string{"Service/p"}},
		{name: "a Service with numeric ports and a named targetPort", src: "apiVersion: v1\nkind: Service\nmetadata:\n  name: p\nspec:\n  type: NodePort\n  externalIPs: [1.2.3.4]\n  selector: {app: a}\n  ports:\n  - {port: 80, targetPort: http, nodePort: 30080, protocol: TCP}\n",
			refs: []string{"Service/p"}},
		{name: "a custom Service kind is not typed", src: "apiVersion: example.com/v1\nkind: Service\nmetadata:\n  name: p\nspec:\n  ports:\n  - port: \"80\"\n",
			refs: []string{"Service/p"}},
		{name: "labels straight under a NetworkPolicy selector", src: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector:\n    app: api\n  ingress:\n  - from:\n    - podSelector: {role: web, matchLabels: {a: b}}\n      namespaceSelector: {}\n",
			errs: []string{"7: spec.podSelector.app: unknown field: a label selector holds only matchLabels and matchExpressions; kubectl refuses the object",
				"10: spec.ingress[0].from[0].podSelector.role: unknown field"},
			refs: []string{"NetworkPolicy/p"}},
		{name: "a NetworkPolicy with well-formed selectors", src: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector:\n    matchLabels: {app: api}\n    matchExpressions: [{key: tier, operator: In, values: [a]}]\n  egress:\n  - to:\n    - namespaceSelector: {matchLabels: {x: z}}\n    - ipBlock: {cidr: 10.0.0.0/8}\n  policyTypes: [Egress]\n",
			refs: []string{"NetworkPolicy/p"}},
		{name: "binding subjects as a mapping", src: "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: p\nsubjects:\n  kind: Group\n  name: system:unauthenticated\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}\n",
			errs: []string{"6: subjects: a list is required, not an object"}, refs: []string{"RoleBinding/p"}},
		{name: "role verbs as a string", src: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: p\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: \"*\"\n",
			errs: []string{"8: rules[0].verbs: a list is required, not a string"}, refs: []string{"ClusterRole/p"}},
		{name: "a custom resource called Role keeps its own shape", src: "apiVersion: example.com/v1\nkind: Role\nmetadata:\n  name: p\nrules: {a: 1}\n",
			refs: []string{"Role/p"}},
		{name: "Localhost profile without localhostProfile", src: pod("      privileged: false\n      seccompProfile: {type: Localhost}\n"),
			read: field("privileged"), want: "!!bool false",
			errs: []string{`11: spec.containers[0].securityContext.seccompProfile: type Localhost needs localhostProfile`}},
		{name: "localhostProfile with another type", src: pod("      privileged: false\n      appArmorProfile:\n        type: RuntimeDefault\n        localhostProfile: p\n"),
			read: field("privileged"), want: "!!bool false",
			errs: []string{`13: spec.containers[0].securityContext.appArmorProfile: localhostProfile is only allowed with type Localhost, not "RuntimeDefault"`}},
		{name: "Localhost profile with its file, and a profile without a type", src: pod("      privileged: false\n      appArmorProfile: {type: Localhost, localhostProfile: p}\n      seccompProfile: {}\n"),
			read: field("privileged"), want: "!!bool false"},
		{name: "a LimitRange default must be a quantity", src: "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: p\nspec:\n  limits:\n  - type: Container\n    default: {memory: 1GB, cpu: 500m}\n    defaultRequest: {memory: 256Mi}\n",
			errs: []string{`8: spec.limits[0].default.memory: "1GB" is not a quantity`}, refs: []string{"LimitRange/p"}},
		{name: "a well-formed LimitRange", src: "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: p\nspec:\n  limits:\n  - type: Container\n    default: {memory: 1Gi, cpu: 1}\n    max: {memory: \"2Gi\"}\n    maxLimitRequestRatio: {cpu: 4}\n",
			refs: []string{"LimitRange/p"}},
		{name: "annotation value must be a string", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n  annotations:\n    a: true\n",
			errs: []string{"6: metadata.annotations.a: a string is required, not a boolean"}, refs: []string{"ConfigMap/p"}},
		{name: "no space after the document marker", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n---apiVersion: v1\nkind: Pod\n",
			errs: []string{`5: "---apiVersion: v1": kubectl splits documents`, `6: duplicate key "kind" (first at line 2)`}, refs: []string{"Pod/p"}},
		{name: "first document with marker key", src: "---apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n",
			errs: []string{`1: "---apiVersion: v1": kubectl splits documents`, `1: an object without apiVersion`}, noObjs: true},
		{name: "text after the marker", src: "--- 0\n", errs: []string{`1: "--- 0": kubectl splits documents`}, noObjs: true},
		{name: "items of any kind are a list", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(pod("      privileged: true\n"), "\n"), "\n", "\n  ") + "\n",
			read: field("privileged"), want: "!!bool true"},
		{name: "list items inherit kind", src: "apiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: p\n  spec:\n    containers:\n    - name: c\n      image: nginx\n",
			read: func(o *Object) string { return fmt.Sprint(o.Root.Line) }, want: "4"},
		{name: "items that are not a list", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: l\nitems: {a: 1}\n",
			errs: []string{"5: items must be a list"}, noObjs: true},
		{name: "yes as a key is true", src: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  yes: a\n",
			read: func(o *Object) string { return fieldpath.LookupKeys(o.Root, "data", "true").Value }, want: "a", refs: []string{"ConfigMap/p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, variant := range []string{"stream", "segments"} {
				src := tc.src
				if variant == "segments" {
					src = "# kind: CustomResourceDefinition\n---\n" + src // per-document path
				}
				shift := strings.Count(src, "\n") - strings.Count(tc.src, "\n")
				res := Parse("f.yaml", []byte(src), DefaultLimits)
				if res.Err != nil {
					t.Fatalf("%s: unexpected stopping error %v", variant, res.Err)
				}
				var got []string
				for _, e := range res.Errs {
					msg := firstAtRE.ReplaceAllStringFunc(e.Message, func(m string) string {
						var n int
						fmt.Sscanf(m, "at line %d", &n)
						return fmt.Sprintf("at line %d", n-shift)
					})
					got = append(got, fmt.Sprintf("%d: %s", e.Line-shift, msg))
				}
				if len(got) != len(tc.errs) {
					t.Fatalf("%s: errors\n%s\nwant\n%s", variant, strings.Join(got, "\n"), strings.Join(tc.errs, "\n"))
				}
				for i := range got {
					if !strings.HasPrefix(got[i], tc.errs[i]) {
						t.Errorf("%s: error %q, want prefix %q", variant, got[i], tc.errs[i])
					}
				}
				if tc.noObjs {
					if len(res.Objects) != 0 {
						t.Errorf("%s: %d objects, want none", variant, len(res.Objects))
					}
					continue
				}
				refs := tc.refs
				if refs == nil {
					refs = []string{"Pod/p"}
				}
				var gotRefs []string
				for _, o := range res.Objects {
					gotRefs = append(gotRefs, o.Ref.Kind+"/"+o.Ref.Name)
				}
				if strings.Join(gotRefs, ",") != strings.Join(refs, ",") {
					t.Fatalf("%s: objects %v, want %v", variant, gotRefs, refs)
				}
				if tc.read != nil {
					if got := tc.read(res.Objects[0]); got != tc.want && !(tc.name == "list items inherit kind" && got == fmt.Sprint(4+shift)) {
						t.Errorf("%s: read %q, want %q", variant, got, tc.want)
					}
				}
			}
		})
	}
}

var firstAtRE = regexp.MustCompile(`at line \d+`)

func bigData(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  k%d: v\n", i)
	}
	return b.String()
}
