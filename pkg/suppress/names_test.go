package suppress

import (
	"strings"
	"testing"
)

// capsAndEnv has capabilities-added-restricted on line 11, secret-in-env on line 15,
// secret-in-env-value on line 17 and capabilities-added on line 22: pairs of checks whose
// IDs are a prefix of one another.
const capsAndEnv = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      capabilities:
        add: [CHOWN]
    env:
    - name: DB_PASSWORD
      valueFrom:
        secretKeyRef: {name: db, key: password}
    - name: API_TOKEN
      value: "Xk9#mQ2vT7abcQ"
  - name: net
    image: nginx:1.27
    securityContext:
      capabilities:
        add: [NET_ADMIN]
`

// TestNamesMatchExactly: a suppression names checks by their whole ID, so one whose ID is
// a prefix of another's (capabilities-added, secret-in-env) never hides the other's findings,
// nor the longer one the shorter one's, in comments, annotations and config entries alike.
func TestNamesMatchExactly(t *testing.T) {
	ids := []string{"capabilities-added", "capabilities-added-restricted", "secret-in-env", "secret-in-env-value"}
	onLine := func(line int, name string) map[string]string {
		lines := strings.Split(capsAndEnv, "\n")
		lines[line-1] += " # kubectl-secure:ignore " + name + " accepted"
		return map[string]string{"p.yaml": strings.Join(lines, "\n")}
	}
	annotated := func(names string) map[string]string {
		return map[string]string{"p.yaml": strings.Replace(capsAndEnv, "  name: web\n",
			"  name: web\n  annotations:\n    kubectl-secure.io/ignore: \""+names+": accepted\"\n", 1)}
	}
	all := []string{"kept capabilities-added-restricted@p.yaml:11", "kept secret-in-env@p.yaml:15",
		"kept secret-in-env-value@p.yaml:17", "kept capabilities-added@p.yaml:22"}
	check1(t, []tcase{
		{name: "nothing suppressed", ids: ids, files: map[string]string{"p.yaml": capsAndEnv}, want: all},
		{name: "comment: the shorter ID on the longer one's line", ids: ids, files: onLine(11, "capabilities-added"),
			want: append(all[:4:4], "extra stale-suppression@p.yaml:11: suppression of capabilities-added matches no finding on line 11...")},
		{name: "comment: the longer ID on the shorter one's line", ids: ids, files: onLine(22, "capabilities-added-restricted"),
			want: append(all[:4:4], "extra stale-suppression@p.yaml:22: suppression of capabilities-added-restricted matches no finding on line 22...")},
		{name: "comment: secret-in-env on secret-in-env-value's line", ids: ids, files: onLine(17, "secret-in-env"),
			want: append(all[:4:4], "extra stale-suppression@p.yaml:17: suppression of secret-in-env matches no finding on line 17...")},
		{name: "comment: secret-in-env-value on secret-in-env's line", ids: ids, files: onLine(15, "secret-in-env-value"),
			want: append(all[:4:4], "extra stale-suppression@p.yaml:15: suppression of secret-in-env-value matches no finding on line 15...")},
		{name: "comment: the exact ID", ids: ids, files: onLine(17, "secret-in-env-value"),
			want: []string{"kept capabilities-added-restricted@p.yaml:11", "kept secret-in-env@p.yaml:15", "kept capabilities-added@p.yaml:22",
				"suppressed secret-in-env-value@p.yaml:17 by comment@p.yaml:17: accepted"}},
		{name: "annotation: the shorter IDs", ids: ids, files: annotated("capabilities-added,secret-in-env"),
			want: []string{"kept capabilities-added-restricted@p.yaml:13", "kept secret-in-env-value@p.yaml:19",
				"suppressed secret-in-env@p.yaml:17 by annotation@p.yaml:6: accepted", "suppressed capabilities-added@p.yaml:24 by annotation@p.yaml:6: accepted"}},
		{name: "annotation: the longer IDs", ids: ids, files: annotated("capabilities-added-restricted,secret-in-env-value"),
			want: []string{"kept secret-in-env@p.yaml:17", "kept capabilities-added@p.yaml:24",
				"suppressed capabilities-added-restricted@p.yaml:13 by annotation@p.yaml:6: accepted", "suppressed secret-in-env-value@p.yaml:19 by annotation@p.yaml:6: accepted"}},
		{name: "config: the shorter IDs", ids: ids, files: map[string]string{"p.yaml": capsAndEnv},
			config: "ignore:\n- checks: [capabilities-added, secret-in-env]\n  names: [web]\n  reason: accepted\n",
			want: []string{"kept capabilities-added-restricted@p.yaml:11", "kept secret-in-env-value@p.yaml:17",
				"suppressed secret-in-env@p.yaml:15 by config@.kubectl-secure.yaml:2: accepted", "suppressed capabilities-added@p.yaml:22 by config@.kubectl-secure.yaml:2: accepted"}},
		{name: "config: the longer IDs", ids: ids, files: map[string]string{"p.yaml": capsAndEnv},
			config: "ignore:\n- checks: [capabilities-added-restricted, secret-in-env-value]\n  names: [web]\n  reason: accepted\n",
			want: []string{"kept secret-in-env@p.yaml:15", "kept capabilities-added@p.yaml:22",
				"suppressed capabilities-added-restricted@p.yaml:11 by config@.kubectl-secure.yaml:2: accepted", "suppressed secret-in-env-value@p.yaml:17 by config@.kubectl-secure.yaml:2: accepted"}},
	})
}

// TestConfigNamespaceOfObjectsWithout: an object that sets no namespace is in --namespace,
// or "default" without it, for an ignore entry's namespaces; entries without namespaces
// select it either way.
func TestConfigNamespaceOfObjectsWithout(t *testing.T) {
	noNS := map[string]string{"p.yaml": strings.Replace(plainPod, "  namespace: shop\n", "", 1)}
	entry := func(criteria string) string {
		return "ignore:\n- checks: [privileged-container]\n" + criteria + "  reason: accepted\n"
	}
	kept := []string{"kept host-namespaces@p.yaml:6", "kept privileged-container@p.yaml:11"}
	hidden := []string{"kept host-namespaces@p.yaml:6", "suppressed privileged-container@p.yaml:11 by config@.kubectl-secure.yaml:2: accepted"}
	check1(t, []tcase{
		{name: "default without -n", files: noNS, config: entry("  namespaces: [default]\n"), want: hidden},
		{name: "default with -n shop", files: noNS, config: entry("  namespaces: [default]\n"), namespace: "shop", want: kept},
		{name: "shop without -n", files: noNS, config: entry("  namespaces: [shop]\n"), want: kept},
		{name: "shop with -n shop", files: noNS, config: entry("  namespaces: [shop]\n"), namespace: "shop", want: hidden},
		{name: "glob with -n", files: noNS, config: entry("  namespaces: [sh*]\n"), namespace: "shop", want: hidden},
		{name: "names only without -n", files: noNS, config: entry("  names: [web]\n"), want: hidden},
		{name: "names only with -n", files: noNS, config: entry("  names: [web]\n"), namespace: "shop", want: hidden},
		{name: "an object's own namespace wins over -n", files: map[string]string{"p.yaml": plainPod}, config: entry("  namespaces: [shop]\n"),
			namespace: "other", want: []string{"kept host-namespaces@p.yaml:7", "suppressed privileged-container@p.yaml:12 by config@.kubectl-secure.yaml:2: accepted"}},
	})
}
