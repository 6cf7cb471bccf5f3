package cli

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// The network-policy analysis is cross-object over a whole run: these cases need several
// files and Kustomize overlays, so they run the command line on a temporary tree.
func TestNetworkPolicyAcrossFilesAndOverlays(t *testing.T) {
	deploy := func(name, ns string) string {
		nsLine := ""
		if ns != "" {
			nsLine = "\n  namespace: " + ns
		}
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + nsLine +
			"\nspec:\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n    metadata:\n      labels: {app: " + name +
			"}\n    spec:\n      containers:\n      - name: c\n        image: x\n"
	}
	deny := func(ns string) string {
		nsLine := ""
		if ns != "" {
			nsLine = "\n  namespace: " + ns
		}
		return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: deny" + nsLine +
			"\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"
	}
	cases := []struct {
		name  string
		files map[string]string
		args  []string // run inside the tree
		want  []string // "file:line check" of every network-policy finding, sorted
	}{
		{
			name:  "policy in a separate file covers the workload",
			files: map[string]string{"app.yaml": deploy("a", "shop"), "policies/deny.yaml": deny("shop")},
			args:  []string{"."},
		},
		{
			name: "several namespaces in one run, one uncovered",
			files: map[string]string{
				"shop.yaml": deploy("a", "shop"), "shop-deny.yaml": deny("shop"),
				"blog.yaml": deploy("b", "blog"),
			},
			args: []string{"."},
			want: []string{"blog.yaml:5 namespace-without-network-policy"},
		},
		{
			name: "--namespace applies to objects without one",
			files: map[string]string{
				"app.yaml": deploy("a", ""), "deny.yaml": deny("shop"),
			},
			args: []string{".", "-n", "shop"},
		},
		{
			name: "an overlay sets the namespace and brings the policy",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy("a", ""),
				"overlay/kustomization.yaml": "namespace: shop\nresources: [../base, deny.yaml]\n",
				"overlay/deny.yaml":          deny(""),
			},
			args: []string{"-k", "overlay"},
		},
		{
			name: "an overlay sets a namespace the policy is not in",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy("a", ""),
				"overlay/kustomization.yaml": "namespace: shop\nresources: [../base]\n",
				"policies/deny.yaml":         deny("default"),
			},
			args: []string{"."},
			// At the overlay's namespace: entry, where the namespace comes from and the fix
			// goes, not at the base every overlay shares.
			want: []string{"overlay/kustomization.yaml:1 namespace-without-network-policy"},
		},
		{
			name: "an overlay's namespace: replaces the base's own",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy("a", "web"),
				"overlay/kustomization.yaml": "# shop overlay\nresources: [../base]\nnamespace: shop\n",
			},
			args: []string{"-k", "overlay"},
			want: []string{"overlay/kustomization.yaml:3 namespace-without-network-policy"},
		},
		{
			name: "a base that sets its own namespace is reported at the workload",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              "# app\n" + deploy("a", "web"),
				"overlay/kustomization.yaml": "resources: [../base]\n",
			},
			args: []string{"-k", "overlay"},
			want: []string{"base/app.yaml:6 namespace-without-network-policy"},
		},
		{
			name: "default deny missing in an overlay's namespace: reported at its namespace: entry",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy("a", ""),
				"overlay/kustomization.yaml": "resources: [../base, allow.yaml]\nnamespace: shop\n",
				"overlay/allow.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-a\n" +
					"spec:\n  podSelector: {matchLabels: {app: a}}\n  ingress: [{from: [{podSelector: {}}]}]\n",
			},
			args: []string{"-k", "overlay"},
			want: []string{"overlay/kustomization.yaml:2 no-default-deny-egress", "overlay/kustomization.yaml:2 no-default-deny-ingress"},
		},
		{
			name: "repository mode: overlay namespace and a policy file beside it",
			files: map[string]string{
				"base/kustomization.yaml":    "resources: [app.yaml]\n",
				"base/app.yaml":              deploy("a", ""),
				"overlay/kustomization.yaml": "namespace: shop\nresources: [../base]\n",
				"policies/deny.yaml":         deny("shop"),
			},
			args: []string{"."},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, tc.files)
			args := append([]string{"lint", "-o", "json", "--enable", "network-policy"}, tc.args...)
			out, code := run(t, "", args...)
			got := findingLines(t, out)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
			}
			wantCode := 0
			if len(tc.want) > 0 {
				wantCode = 1
			}
			if code != wantCode {
				t.Errorf("exit %d, want %d\n%s", code, wantCode, out)
			}
		})
	}
}

// findingLines pulls "file:line check" out of the JSON report in run's transcript.
func findingLines(t *testing.T, transcript string) []string {
	t.Helper()
	start := strings.Index(transcript, "--- stdout\n")
	end := strings.Index(transcript, "--- stderr\n")
	if start < 0 || end < start {
		t.Fatalf("bad transcript: %s", transcript)
	}
	var rep struct {
		Findings []struct {
			Check, File string
			Line        int
		}
	}
	if err := jsonUnmarshal([]byte(transcript[start+len("--- stdout\n"):end]), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, transcript)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, filepath.ToSlash(f.File)+":"+itoa(f.Line)+" "+f.Check)
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func itoa(i int) string { return strconv.Itoa(i) }
