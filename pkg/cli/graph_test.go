package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-secure/kubectl-secure/pkg/reach"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

func TestGraphGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{name: "graph-mermaid", args: []string{"graph", "pkg/reach/testdata/shop.yaml"}},
		{name: "graph-dot", args: []string{"graph", "pkg/reach/testdata/shop.yaml", "-o", "dot"}},
		{name: "graph-json", args: []string{"graph", "pkg/reach/testdata/shop.yaml", "-o", "json"}},
		{name: "graph-one-namespace", args: []string{"graph", "pkg/reach/testdata/shop.yaml", "--namespaces", "monitoring"}},
		{name: "graph-example", args: []string{"graph", "testdata/example"}},
		{name: "graph-bad-inputs", args: []string{"graph", "testdata/inputs"}, code: 2},
		{name: "graph-bad-output", args: []string{"graph", "testdata/inputs/pod.yaml", "-o", "yaml"}, code: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, code := run(t, "", tc.args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d\n%s", code, tc.code, got)
			}
			compareCLIGolden(t, tc.name, got)
		})
	}
}

// graph reads a Kustomize overlay as lint does: the namespace the overlay sets is where
// its workloads and policies meet.
func TestGraphKustomizeOverlay(t *testing.T) {
	dir := testtree.Write(t, map[string]string{
		"base/kustomization.yaml": "resources: [app.yaml, policy.yaml]\n",
		"base/app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]\n" +
			"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: x}]\n",
		"base/policy.yaml":        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}]}]\n",
		"prod/kustomization.yaml": "namespace: prod\nresources: [../base]\n",
	})
	var out, errOut strings.Builder
	code := Execute([]string{"graph", "-k", dir + "/prod", "-o", "json"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var g reach.Graph
	if err := json.Unmarshal([]byte(out.String()), &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Edges) != 1 || g.Edges[0].From != "prod/Deployment/web" || g.Edges[0].To != "prod/Deployment/api" || g.Edges[0].Ports.String() != "TCP 8080" {
		t.Errorf("edges: %+v", g.Edges)
	}
}

// The README's Mermaid example is the output of the graph command above it.
func TestREADMEGraphExample(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	i := strings.Index(readme, "### See it")
	if i < 0 {
		t.Fatal("README has no See it section")
	}
	var want string
	for _, b := range fencedBlocks(readme[i:]) {
		if b.lang == "mermaid" {
			want = b.body
			break
		}
	}
	var out, errOut strings.Builder
	code := Execute([]string{"graph", "pkg/reach/testdata/shop.yaml", "--namespaces", "shop"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.TrimSpace(out.String()) != strings.TrimSpace(want) {
		t.Errorf("README's mermaid block is not the output of graph pkg/reach/testdata/shop.yaml --namespaces shop:\n%s", out.String())
	}
}

// lint -o html embeds the graph and each workload's access path, computed from the same
// objects as the findings.
func TestLintHTMLViews(t *testing.T) {
	dir := testtree.Write(t, map[string]string{
		"app.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      serviceAccountName: api\n      containers: [{name: c, image: x}]\n" +
			"---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: shop}\n" +
			"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: secrets, namespace: shop}\nrules: [{apiGroups: [\"\"], resources: [secrets], verbs: [get, list]}]\n" +
			"---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: api-secrets, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secrets}\nsubjects: [{kind: ServiceAccount, name: api, namespace: shop}]\n",
	})
	var out, errOut strings.Builder
	code := Execute([]string{"lint", dir, "-o", "html"}, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut.String())
	}
	page := out.String()
	const open = `<script type="application/json" id="report-data">`
	i := strings.Index(page, open)
	j := strings.Index(page[i:], "</script>")
	if i < 0 || j < 0 {
		t.Fatal("no data in the page")
	}
	var data struct {
		Findings []struct{ Check string }
		Graph    reach.Graph
		Access   []report.AccessPath
	}
	if err := json.Unmarshal([]byte(page[i+len(open):i+j]), &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Findings) == 0 || len(data.Graph.Nodes) != 1 || data.Graph.Nodes[0].ID != "shop/Deployment/api" {
		t.Fatalf("findings %d, nodes %+v", len(data.Findings), data.Graph.Nodes)
	}
	if len(data.Access) != 1 || data.Access[0].Workload != "shop/Deployment/api" || len(data.Access[0].Grants) != 1 {
		t.Fatalf("access: %+v", data.Access)
	}
	g := data.Access[0].Grants[0]
	if g.Capability != "read-secrets" || g.Binding != "RoleBinding shop/api-secrets" || g.Role != "Role shop/secrets" || g.Scope != "shop" {
		t.Errorf("grant: %+v", g)
	}
}
