package suppress

import (
	"strings"
	"testing"
)

// TestModes: --suppressions config honours only the config file, none honours nothing; a
// suppression set aside hides nothing, is never stale, expired or malformed, and is counted
// with the findings it would have hidden.
func TestModes(t *testing.T) {
	// host-namespaces (line 9) is suppressed by the annotation, privileged-container (line
	// 14) by the comment on its line and by the config entry.
	pod := strings.Replace(plainPod, "  namespace: shop\n",
		"  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: \"host-namespaces: debugger\"\n", 1)
	pod = strings.Replace(pod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged-container inline reason", 1)
	files := map[string]string{"p.yaml": pod}
	entry := "ignore:\n- checks: [privileged-container]\n  names: [web]\n  reason: config reason\n"
	wrongLine := strings.Replace(plainPod, "securityContext:", "securityContext: # kubectl-secure:ignore privileged-container wrong line", 1)
	noReason := strings.Replace(plainPod, "privileged: true", "privileged: true # kubectl-secure:ignore privileged-container", 1)
	badAnnotation := strings.Replace(plainPod, "  namespace: shop\n", "  namespace: shop\n  annotations:\n    kubectl-secure.io/ignore: \"typo-check: x\"\n", 1)
	expired := "ignore:\n- checks: [privileged-container]\n  reason: until the migration\n  expires: 2025-05-31\n"
	check1(t, []tcase{
		{name: "all", files: files, config: entry, mode: HonourAll,
			want: []string{"suppressed host-namespaces@p.yaml:9 by annotation@p.yaml:7: debugger",
				"suppressed privileged-container@p.yaml:14 by comment@p.yaml:14: inline reason"}},
		{name: "default is all", files: files, config: entry,
			want: []string{"suppressed host-namespaces@p.yaml:9 by annotation@p.yaml:7: debugger",
				"suppressed privileged-container@p.yaml:14 by comment@p.yaml:14: inline reason"}},
		{name: "config", files: files, config: entry, mode: HonourConfig,
			// The comment and the annotation are set aside; only host-namespaces is
			// reported because of that: privileged-container is the config's to hide.
			want: []string{"kept host-namespaces@p.yaml:9",
				"suppressed privileged-container@p.yaml:14 by config@.kubectl-secure.yaml:2: config reason",
				"ignored 2 suppressions, 1 findings"}},
		{name: "none", files: files, config: entry, mode: HonourNone,
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14",
				"ignored 3 suppressions, 2 findings"}},
		{name: "config: a stale config entry is still reported", files: map[string]string{"p.yaml": plainPod}, mode: HonourConfig,
			config: "ignore:\n- checks: [run-as-root-user]\n  names: [web]\n  reason: fixed long ago\n",
			ids:    []string{"privileged-container", "host-namespaces", "run-as-root-user"},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra stale-suppression@.kubectl-secure.yaml:2: ignore entry (checks: run-as-root-user; names: web) matches no finding: remove it"}},
		{name: "config: a comment set aside is not stale", files: map[string]string{"p.yaml": wrongLine}, mode: HonourConfig,
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12", "ignored 1 suppressions, 0 findings"}},
		{name: "all: the same comment is stale", files: map[string]string{"p.yaml": wrongLine},
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra stale-suppression@p.yaml:11: suppression of privileged-container matches no finding on line 11..."}},
		{name: "config: a malformed comment is no error", files: map[string]string{"p.yaml": noReason}, mode: HonourConfig,
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12"}},
		{name: "config: a malformed annotation is no error", files: map[string]string{"p.yaml": badAnnotation}, mode: HonourConfig,
			want: []string{"kept host-namespaces@p.yaml:9", "kept privileged-container@p.yaml:14"}},
		{name: "none: an expired entry is not reported", files: map[string]string{"p.yaml": plainPod}, mode: HonourNone, whole: true, config: expired,
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12"}},
		{name: "config: an expired entry is reported", files: map[string]string{"p.yaml": plainPod}, mode: HonourConfig, whole: true, config: expired,
			want: []string{"kept host-namespaces@p.yaml:7", "kept privileged-container@p.yaml:12",
				"extra expired-suppression@.kubectl-secure.yaml:2: ignore entry (checks: privileged-container) expired on 2025-05-31..."}},
		{name: "config: a base annotation set aside in every build", files: kustomizeTree(strings.Replace(baseDeploy, "    metadata: {labels: {app: api}}\n",
			"    metadata:\n      labels: {app: api}\n      annotations:\n        kubectl-secure.io/ignore: \"privileged-container: the base needs /dev/fuse\"\n", 1), "dev", "", "prod", ""),
			builds: []string{"overlays/dev", "overlays/prod"}, mode: HonourConfig,
			// One annotation, however many builds carry it.
			// The report shows the base line once; the count is of the builds' findings.
			want: []string{"kept host-namespaces@base/deploy.yaml:13",
				"kept privileged-container@base/deploy.yaml:17",
				"ignored 1 suppressions, 2 findings"}},
	})
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": HonourAll, "all": HonourAll, "config": HonourConfig, "none": HonourNone} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseMode("false"); err == nil || err.Error() != `--suppressions must be all, config or none, not "false"` {
		t.Errorf("ParseMode(false) = %v", err)
	}
}
