package admission

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

func namespace(name string, labels ...string) string {
	s := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n"
	if len(labels) > 0 {
		s += "  labels:\n"
		for i := 0; i+1 < len(labels); i += 2 {
			s += "    pod-security.kubernetes.io/" + labels[i] + ": " + labels[i+1] + "\n"
		}
	}
	return s
}

// A pod that sets everything restricted asks except dropping capabilities: restricted
// requires drop ALL from policy version v1.22 on (capabilities_restricted).
const keepsCapabilities = `apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: app:1
      securityContext:
        allowPrivilegeEscalation: false
`

// The label's version decides, as admission's evaluator does.
func TestRejectAtLabelVersion(t *testing.T) {
	for _, tc := range []struct{ version, want string }{
		{"v1.21", ""},
		{"v1.22", "restricted:v1.22 and they fail capabilities_restricted"},
		{"latest", "restricted:latest and they fail capabilities_restricted"},
		{"", "restricted:latest and they fail capabilities_restricted"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			labels := []string{"enforce", "restricted"}
			if tc.version != "" {
				labels = append(labels, "enforce-version", tc.version)
			}
			fs := checktest.Run(t, namespace("shop", labels...)+"---\n"+keepsCapabilities, "admission-would-reject")
			got := ""
			if len(fs) == 1 {
				got = fs[0].Message
				if fs[0].Path != "spec" {
					t.Errorf("path %s, want spec", fs[0].Path)
				}
			}
			if len(fs) > 1 || tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", checktest.Short(fs), tc.want)
			}
		})
	}
}

func load(t *testing.T, files map[string]string, overlays map[string]string) []*manifest.Object {
	t.Helper()
	var objs []*manifest.Object
	for name, src := range files {
		res := manifest.Parse(name, []byte(src), manifest.DefaultLimits)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		for _, o := range res.Objects {
			o.Overlay = overlays[name]
		}
		objs = append(objs, res.Objects...)
	}
	return objs
}

// A Namespace in one folder meets the workloads of another that name it; a workload that
// names none meets it only in the Namespace's own deploy unit, when it is the implicit one.
func TestNamespacesMeetAcrossFolders(t *testing.T) {
	hostPod := func(ns string) string {
		s := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: host\n"
		if ns != "" {
			s += "  namespace: " + ns + "\n"
		}
		return s + "spec:\n  hostNetwork: true\n  containers: [{name: a, image: a:1}]\n"
	}
	objs := load(t, map[string]string{
		"platform/namespaces.yaml": namespace("shop", "enforce", "baseline") + "---\n" + namespace("default", "enforce", "baseline"),
		"apps/shop.yaml":           hostPod("shop"),
		"apps/other.yaml":          hostPod("other"),
		"apps/default.yaml":        hostPod(""), // implicit default of unit apps: does not meet
		"platform/default.yaml":    hostPod(""), // implicit default of the Namespace's unit: meets
	}, nil)
	fs := lint.RunChecks([]*check.Check{check.Lookup("admission-would-reject")}, objs, &check.Settings{})
	var files []string
	for _, f := range fs {
		files = append(files, f.File)
	}
	if strings.Join(files, ",") != "apps/shop.yaml,platform/default.yaml" {
		t.Errorf("findings in %v, want apps/shop.yaml and platform/default.yaml", files)
	}
}

func TestWarnNotWhenEnforceRejects(t *testing.T) {
	src := namespace("shop", "enforce", "restricted", "warn", "restricted") + "---\n" + keepsCapabilities
	if fs := checktest.Run(t, src, "admission-would-warn"); len(fs) > 0 {
		t.Errorf("enforce already rejects: want no warn finding, got %q", fs[0].Message)
	}
	// warn defaults to a stricter enforce level (PSA's rule): baseline enforce, no warn label.
	if fs := checktest.Run(t, namespace("shop", "enforce", "baseline")+"---\n"+keepsCapabilities, "admission-would-warn"); len(fs) > 0 {
		t.Errorf("warn follows enforce baseline, which the pod meets: got %q", fs[0].Message)
	}
}

// The JSON kept of a pod decodes to what the YAML says, with kubectl's scalar types.
func TestPodJSON(t *testing.T) {
	res := manifest.Parse("p.yaml", []byte(`apiVersion: v1
kind: Pod
metadata: {name: p, labels: {a: "1"}}
spec:
  hostNetwork: yes
  containers:
    - name: "a\"b"
      image: x
      ports: [{containerPort: 0x50}]
      securityContext: {runAsUser: 1000}
`), manifest.DefaultLimits)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	w := objectFact(res.Objects[0], &check.Settings{}).(*workloadFact)
	meta, spec, err := decodePod(&w.pods[0])
	if err != nil {
		t.Fatalf("%v\n%s", err, w.pods[0].spec)
	}
	c := spec.Containers[0]
	if !spec.HostNetwork || c.Name != `a"b` || c.Ports[0].ContainerPort != 80 || *c.SecurityContext.RunAsUser != 1000 || meta.Labels["a"] != "1" {
		t.Errorf("decoded %s into %+v", w.pods[0].spec, spec)
	}
}

// The admission checks share their facts and run concurrently (go test -race).
func TestChecksTogether(t *testing.T) {
	src := namespace("shop", "enforce", "baseline", "warn", "restricted") + "---\n" + keepsCapabilities + "---\n" + namespace("open", "enforce", "privileged")
	fs := checktest.Run(t, src, "admission-would-reject", "admission-would-warn", "namespace-enforces-privileged", "namespace-without-pod-security", "pod-security-label-invalid")
	var got []string
	for _, f := range fs {
		got = append(got, f.Check)
	}
	if strings.Join(got, ",") != "admission-would-warn,namespace-enforces-privileged" {
		t.Errorf("got %v", checktest.Short(fs))
	}
}

// The fix of an unlabelled namespace enforces the strictest level its workloads in the
// input meet, so that it rejects none of them; none when one needs privileged.
func TestUnsetNamespaceFixLevel(t *testing.T) {
	hardened := `apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
    - name: app
      image: app:1
      securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`
	hostPod := "apiVersion: v1\nkind: Pod\nmetadata: {name: h, namespace: shop}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a:1}]\n"
	for _, tc := range []struct{ name, src, want string }{
		{"no workloads", namespace("shop"), "baseline"},
		{"restricted pods", namespace("shop") + "---\n" + hardened, "restricted"},
		{"baseline pods", namespace("shop") + "---\n" + keepsCapabilities, "baseline"},
		{"a host pod", namespace("shop") + "---\n" + hardened + "---\n" + hostPod, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.Run(t, tc.src, "namespace-without-pod-security")
			if len(fs) != 1 {
				t.Fatalf("got %q", checktest.Short(fs))
			}
			f := fs[0]
			switch {
			case tc.want == "" && (f.Fix != nil || !strings.HasSuffix(f.Message, "its workloads in the input need privileged")):
				t.Errorf("want no fix and the reason: %q %+v", f.Message, f.Fix)
			case tc.want != "" && (f.Fix == nil || f.Fix.Changes[0].Value != tc.want):
				t.Errorf("want a fix to %s, got %+v", tc.want, f.Fix)
			}
		})
	}
}
