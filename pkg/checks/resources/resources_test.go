package resources

import (
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
)

// pod renders a Pod in ns (empty: no namespace field) whose spec is body.
func pod(ns, body string) string {
	nsLine := ""
	if ns != "" {
		nsLine = "\n  namespace: " + ns
	}
	return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p" + nsLine + "\nspec:\n" + body
}

func lrDoc(ns, item string) string {
	nsLine := ""
	if ns != "" {
		nsLine = "\n  namespace: " + ns
	}
	return "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: lr" + nsLine + "\nspec:\n  limits:\n" + item
}

func docs(ds ...string) string { return strings.Join(ds, "---\n") }

const bare = "  containers:\n    - name: app  # want: memory-limit-missing memory-request-missing cpu-request-missing\n      image: nginx:1.27\n"

func TestMemoryLimit(t *testing.T) {
	checktest.RunCases(t, "memory-limit-missing", []checktest.Case{
		{Name: "no resources: at the container", Src: pod("shop", bare),
			Want: []string{`memory-limit-missing@8:7 spec.containers[name=app]`}},
		{Name: "resources without limits: at resources", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        requests: {memory: 1Gi}\n"),
			Want: []string{`memory-limit-missing@11:9 spec.containers[name=app].resources`}},
		{Name: "a null limit is no limit", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits:\n          memory: null  # want: memory-limit-missing\n")},
		{Name: "a CPU limit is no memory limit", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {cpu: 1}  # want: memory-limit-missing\n")},
		{Name: "pod-level limit bounds every container", Src: pod("shop", "  resources:\n    limits: {memory: 1Gi}\n  containers:\n    - name: app\n      image: nginx\n")},
		{Name: "ephemeral containers cannot set resources", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources: {limits: {memory: 1Gi}}\n  ephemeralContainers:\n    - name: debug\n      image: busybox\n")},
		{Name: "LimitRange default in the namespace", Src: docs(pod("shop", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("shop", "    - type: Container\n      default: {memory: 1Gi}\n"))},
		{Name: "LimitRange max is the default limit", Src: docs(pod("shop", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("shop", "    - type: Container\n      max: {memory: 1Gi}\n"))},
		{Name: "LimitRange defaultRequest gives no limit", Src: docs(pod("shop", bare), lrDoc("shop", "    - type: Container\n      defaultRequest: {memory: 1Gi}\n"))},
		{Name: "LimitRange of type Pod defaults nothing", Src: docs(pod("shop", bare), lrDoc("shop", "    - type: Pod\n      max: {memory: 1Gi}\n"))},
		{Name: "LimitRange in another namespace", Src: docs(pod("shop", bare), lrDoc("other", "    - type: Container\n      default: {memory: 1Gi}\n"))},
		{Name: "implicit namespace meets a LimitRange naming default in the same file", Src: docs(pod("", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("default", "    - type: Container\n      default: {memory: 1Gi}\n"))},
		{Name: "init containers too", Src: pod("shop", "  initContainers:\n    - name: init  # want: memory-limit-missing\n      image: busybox\n  containers:\n    - name: app\n      image: nginx\n      resources: {limits: {memory: 1Gi}}\n")},
		{Name: "objects without pods", Src: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"},
	})
}

func TestRequestsDefaultedFromLimits(t *testing.T) {
	limits := pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {memory: 1Gi, cpu: 500m}\n")
	for _, id := range []string{"memory-request-missing", "cpu-request-missing"} {
		if got := checktest.Short(checktest.Run(t, limits, id)); len(got) != 0 {
			t.Errorf("%s: a limit defaults the request, got %q", id, got)
		}
	}
	checktest.RunCases(t, "memory-request-missing", []checktest.Case{
		{Name: "nothing", Src: pod("shop", bare)},
		{Name: "requests without memory: at requests", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        requests: {cpu: 1}\n"),
			Want: []string{`memory-request-missing@11:19 spec.containers[name=app].resources.requests`}},
		{Name: "LimitRange default limit defaults the request too", Src: docs(pod("shop", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("shop", "    - type: Container\n      default: {memory: 1Gi}\n"))},
		{Name: "LimitRange min is the default request", Src: docs(pod("shop", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("shop", "    - type: Container\n      min: {memory: 64Mi}\n"))},
		{Name: "pod-level request", Src: pod("shop", "  resources:\n    requests: {memory: 1Gi}\n  containers:\n    - name: app\n      image: nginx\n")},
	})
	checktest.RunCases(t, "cpu-request-missing", []checktest.Case{
		{Name: "nothing", Src: pod("shop", bare)},
		{Name: "memory only", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        requests: {memory: 1Gi}  # want: cpu-request-missing\n")},
		{Name: "LimitRange defaultRequest", Src: docs(pod("shop", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("shop", "    - type: Container\n      defaultRequest: {cpu: 100m}\n"))},
		{Name: "pod-level CPU limit", Src: pod("shop", "  resources:\n    limits: {cpu: 1}\n  containers:\n    - name: app\n      image: nginx\n")},
	})
}

// Objects that name no namespace meet in their deploy unit only: a LimitRange in another
// directory's implicit namespace covers nothing here, unless the repository is deployed
// as one.
func TestLimitRangeScope(t *testing.T) {
	objs := docs(pod("", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("", "    - type: Container\n      default: {memory: 1Gi}\n"))
	if got := checktest.Short(checktest.Run(t, objs, "memory-limit-missing")); len(got) != 0 {
		t.Errorf("same unit: got %q", got)
	}
	// --namespace puts the pod in "team", where the LimitRange is.
	src := docs(pod("", "  containers:\n    - name: app\n      image: nginx\n"), lrDoc("team", "    - type: Container\n      default: {memory: 1Gi}\n"))
	if got := checktest.RunWith(t, src, &check.Settings{Namespace: "team"}, "memory-limit-missing"); len(got) != 0 {
		t.Errorf("--namespace team: got %v", checktest.Short(got))
	}
	if got := checktest.Run(t, src, "memory-limit-missing"); len(got) != 1 {
		t.Errorf("without --namespace the pod is in default: got %v", checktest.Short(got))
	}
}

// A value of 0 is none: the kubelet runs a zero memory limit as no limit, and the
// scheduler and the QoS class ignore zero requests. A LimitRange fills in only values
// that are absent, so it does not rescue an explicit 0.
func TestZeroIsNone(t *testing.T) {
	zeroLimit := pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits:\n          memory: 0\n")
	checktest.RunCases(t, "memory-limit-missing", []checktest.Case{
		{Name: "memory limit 0: at the value", Src: zeroLimit,
			Want: []string{`memory-limit-missing@12:19 spec.containers[name=app].resources.limits.memory`}},
		{Name: "memory limit 0Mi", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {memory: 0Mi}  # want: memory-limit-missing\n")},
		{Name: "memory limit \"0.0Gi\"", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {memory: \"0.0Gi\"}  # want: memory-limit-missing\n")},
		{Name: "0.5Gi is an amount", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {memory: 0.5Gi}\n")},
		{Name: "a LimitRange default does not replace an explicit 0", Src: docs(zeroLimit, lrDoc("shop", "    - type: Container\n      default: {memory: 1Gi}\n")),
			Want: []string{`memory-limit-missing@12:19 spec.containers[name=app].resources.limits.memory`}},
		{Name: "a zero LimitRange default is no default", Src: docs(pod("shop", bare), lrDoc("shop", "    - type: Container\n      default: {memory: 0}\n"))},
		{Name: "a zero pod-level limit bounds nothing", Src: pod("shop", "  resources:\n    limits: {memory: 0}\n  containers:\n    - name: app  # want: memory-limit-missing\n      image: nginx\n")},
		{Name: "a pod-level limit covers a container's 0", Src: pod("shop", "  resources:\n    limits: {memory: 1Gi}\n  containers:\n    - name: app\n      image: nginx\n      resources: {limits: {memory: 0}}\n")},
	})
	checktest.RunCases(t, "memory-request-missing", []checktest.Case{
		{Name: "a zero limit defaults a zero request: at the limit", Src: zeroLimit,
			Want: []string{`memory-request-missing@12:19 spec.containers[name=app].resources.limits.memory`}},
		{Name: "request 0 under a limit", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {memory: 1Gi}\n        requests: {memory: \"0\"}  # want: memory-request-missing\n")},
	})
	checktest.RunCases(t, "cpu-request-missing", []checktest.Case{
		{Name: "request 0 beside a limit", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {cpu: 1}\n        requests: {cpu: 0}  # want: cpu-request-missing\n")},
		{Name: "limit 0m defaults a zero request", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        limits: {cpu: 0m}  # want: cpu-request-missing\n")},
		{Name: "LimitRange defaultRequest does not replace it", Src: docs(pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        requests: {cpu: 0}  # want: cpu-request-missing\n"), lrDoc("shop", "    - type: Container\n      defaultRequest: {cpu: 100m}\n"))},
		{Name: "100m is an amount", Src: pod("shop", "  containers:\n    - name: app\n      image: nginx\n      resources:\n        requests: {cpu: 100m}\n")},
	})
	got := checktest.Run(t, zeroLimit, "memory-limit-missing")
	if len(got) != 1 || !strings.Contains(got[0].Message, "a memory limit of 0, which is none") {
		t.Errorf("message: %+v", got)
	}
}
