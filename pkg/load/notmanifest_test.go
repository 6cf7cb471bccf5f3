package load

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// TestFilesThatAreNotManifests: a file that does not parse is a note, not an error, when
// kubectl would read no object from it either and it is a well-known tool file or shows no
// sign of being a manifest; otherwise it stays an input error. Resource limits stay errors.
func TestFilesThatAreNotManifests(t *testing.T) {
	const escape = "exclude: \"^vendor\\/.*$\"\n" // YAML 1.2, refused by yaml.v3
	cases := []struct {
		name, file, src string
		note            string // "" for an input error
	}{
		{name: "pre-commit config with a YAML 1.2 escape", file: ".pre-commit-config.yaml",
			src: "repos:\n  - repo: x\n    hooks:\n      - id: y\n        " + escape, note: "a pre-commit configuration, not a Kubernetes manifest"},
		{name: "GitHub workflow", file: ".github/workflows/ci.yml", src: "on: push\njobs:\n  a: {\n", note: "a GitHub configuration"},
		{name: "editor settings with comments", file: ".vscode/launch.json", src: "{\n  // debug\n  \"version\": \"0.2.0\",\n}\n", note: "an editor configuration"},
		{name: "Compose file", file: "docker-compose.prod.yml", src: "services:\n  web:\n\t image: x\n", note: "a Compose file"},
		{name: "tsconfig with comments", file: "tsconfig.json", src: "{\n  // strict mode\n  \"compilerOptions\": {\"strict\": true}\n}\n", note: "a JavaScript tooling file"},
		{name: "Chart.yaml with apiVersion", file: "Chart.yaml", src: "apiVersion: v2\nname: x\n  version: 1\n", note: "a Helm chart file"},
		{name: "no sign of a manifest", file: "notes.yaml", src: "a: 1\n  b: 2\n c: 3\n", note: "no top-level apiVersion or kind, so not a Kubernetes manifest"},
		{name: "broken manifest", file: "cm.yaml", src: "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: 1\n   b: 2\n"},
		{name: "broken manifest with only a kind", file: "k.yaml", src: "kind: Pod\nspec:\n  a: 1\n   b: 2\n"},
		{name: "broken manifest in a later document", file: "two.yaml", src: "a: 1\n---\n\"apiVersion\" : v1\nkind: Pod\nx: [\n"},
		{name: "manifest after a valid object", file: "partial.yaml", src: "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\na: 1\n  b: 2\n c: 3\n"},
		// kubectl reads this JSON manifest ("\/" is a JSON escape); a tool's name does
		// not wave it through.
		{name: "manifest kubectl reads, under a tool's name", file: "package.json", src: "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"a\\/b\"}}\n"},
		{name: "binary content under a tool's name", file: "mkdocs.yml", src: "a: \x00\n"},
		{name: "too deep under a tool's name", file: "mkdocs.yml", src: "a: " + strings.Repeat("[", 600) + "\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := testtree.Write(t, map[string]string{tc.file: tc.src})
			p := filepath.Join(root, filepath.FromSlash(tc.file))
			got := Load([]discover.Input{{Kind: discover.File, Path: p}}, nil, manifest.DefaultLimits)
			if tc.note == "" {
				if len(got.Errors) != 1 || len(got.Notes) != 0 {
					t.Fatalf("want one input error; errors %v, notes %v", got.Errors, got.Notes)
				}
				return
			}
			if len(got.Errors) != 0 || len(got.Notes) != 1 {
				t.Fatalf("want one note; errors %v, notes %v", got.Errors, got.Notes)
			}
			n := got.Notes[0]
			if n.File != p || n.Line == 0 || !strings.Contains(n.Message, "not linted: "+tc.note) || !strings.Contains(n.Message, "; invalid YAML: ") {
				t.Errorf("note = %v", n.Error())
			}
			if got.Files != 1 {
				t.Errorf("files = %d, want 1 (a file read is counted)", got.Files)
			}
		})
	}
}

func TestToolFile(t *testing.T) {
	cases := map[string]string{
		".pre-commit-config.yaml":           "pre-commit configuration",
		"a/b/.github/workflows/release.yml": "GitHub configuration",
		".gitlab-ci.yml":                    "GitLab CI configuration",
		"azure-pipelines-release.yml":       "Azure Pipelines configuration",
		"compose.override.yaml":             "Compose file",
		"charts/x/values-prod.yaml":         "Helm chart file",
		"web/package.json":                  "JavaScript tooling file",
		".vscode/settings.json":             "editor configuration",
		"deploy/web.yaml":                   "",
		"github/workflow.yaml":              "",
		"composer/app.yaml":                 "",
	}
	for file, want := range cases {
		if got := toolFile(file); got != want {
			t.Errorf("toolFile(%q) = %q, want %q", file, got, want)
		}
	}
}
