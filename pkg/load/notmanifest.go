package load

import (
	"bytes"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// notManifest decides whether a plain file that does not parse as YAML is left out with a
// note instead of failing the run, and says why. It is when kubectl itself would read no
// Kubernetes object from the file (so nothing it holds can be deployed unlinted) and the
// file is a well-known tool file or shows no sign of being a manifest: CI and editor
// configurations and other YAML files that live beside manifests are not ours to judge,
// and a YAML 1.2 feature the parser lacks (a "\/" escape) must not fail every run.
// A file that looks like a manifest and does not parse stays an input error.
func notManifest(file string, data []byte) (string, bool) {
	if kubectlReadsObject(data) {
		return "", false
	}
	if what := toolFile(file); what != "" {
		article := "a "
		if strings.ContainsRune("aeiouAEIOU", rune(what[0])) {
			article = "an "
		}
		return article + what + ", not a Kubernetes manifest", true
	}
	if !manifestKey.Match(data) {
		return "no top-level apiVersion or kind, so not a Kubernetes manifest", true
	}
	return "", false
}

// manifestKey finds an apiVersion or kind key where a manifest has it: at the start of a
// line (after a document marker, perhaps), or quoted as JSON writes it anywhere. It works
// on text that does not parse, which is when it is needed.
var manifestKey = regexp.MustCompile(`(?m)^(?:---[ \t]*)?["']?(?:apiVersion|kind)["']?[ \t]*:|"(?:apiVersion|kind)"\s*:`)

// kubectlReadsObject reports whether kubectl's own stream decoder (what kubectl apply -f
// reads a file with) gets an object with an apiVersion and a kind from data before it
// stops. Its YAML parser accepts some text ours refuses; such a file would be deployed,
// so it must never be waved through as a tool file.
func kubectlReadsObject(data []byte) bool {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var doc any
		err := dec.Decode(&doc)
		if err != nil {
			// io.EOF is the end; any other error is where kubectl stops reading too.
			return false
		}
		if m, ok := doc.(map[string]any); ok {
			apiVersion, _ := m["apiVersion"].(string)
			kind, _ := m["kind"].(string)
			if apiVersion != "" && kind != "" {
				return true
			}
		}
	}
}

// toolFile names the tool a file belongs to by its name, "" for any other file. The table
// matches the base name (shell globs) or a directory the file is in.
func toolFile(file string) string {
	slashed := filepath.ToSlash(file)
	base := path.Base(slashed)
	dirs := strings.Split(path.Dir(slashed), "/")
	for _, t := range toolFiles {
		for _, pat := range t.names {
			if ok, _ := path.Match(pat, base); ok {
				return t.what
			}
		}
		for _, d := range t.dirs {
			for _, seg := range dirs {
				if seg == d {
					return t.what
				}
			}
		}
	}
	return ""
}

// toolFiles are YAML and JSON files of well-known tools that sit beside manifests.
var toolFiles = []struct {
	what  string
	names []string // base-name globs
	dirs  []string // a directory with this name holds only the tool's files
}{
	{what: "pre-commit configuration", names: []string{".pre-commit-config.yaml", ".pre-commit-config.yml", ".pre-commit-hooks.yaml"}},
	{what: "GitHub configuration", dirs: []string{".github"}, names: []string{"action.yml", "action.yaml"}},
	{what: "GitLab CI configuration", dirs: []string{".gitlab"}, names: []string{".gitlab-ci.yml", ".gitlab-ci.yaml"}},
	{what: "Azure Pipelines configuration", dirs: []string{".azure-pipelines", ".azuredevops"}, names: []string{"azure-pipelines*.yml", "azure-pipelines*.yaml"}},
	{what: "Travis CI configuration", names: []string{".travis.yml", ".travis.yaml"}},
	{what: "CircleCI configuration", dirs: []string{".circleci"}},
	{what: "Cloud Build configuration", names: []string{"cloudbuild*.yaml", "cloudbuild*.yml", "cloudbuild*.json"}},
	{what: "Buildkite pipeline", dirs: []string{".buildkite"}},
	{what: "Codecov configuration", names: []string{"codecov.yml", "codecov.yaml", ".codecov.yml", ".codecov.yaml"}},
	{what: "golangci-lint configuration", names: []string{".golangci.yml", ".golangci.yaml", ".golangci.json"}},
	{what: "GoReleaser configuration", names: []string{".goreleaser.yml", ".goreleaser.yaml", "goreleaser.yml", "goreleaser.yaml"}},
	{what: "MkDocs configuration", names: []string{"mkdocs.yml", "mkdocs.yaml"}},
	{what: "Compose file", names: []string{"docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml"}},
	{what: "Dependabot configuration", names: []string{"dependabot.yml", "dependabot.yaml"}},
	{what: "Renovate configuration", names: []string{"renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json"}},
	{what: "JavaScript tooling file", names: []string{"package.json", "package-lock.json", "tsconfig*.json", "jsconfig*.json", "lerna.json", ".eslintrc*", ".prettierrc*", ".babelrc*", ".stylelintrc*"}},
	{what: "yamllint configuration", names: []string{".yamllint", ".yamllint.yml", ".yamllint.yaml"}},
	{what: "markdownlint configuration", names: []string{".markdownlint*", ".markdownlint-cli2*"}},
	{what: "Helm chart file", names: []string{"Chart.yaml", "Chart.lock", "values*.yaml", "values*.yml", "values.schema.json", "requirements.yaml"}},
	{what: "editor configuration", dirs: []string{".vscode", ".devcontainer", ".idea"}, names: []string{"devcontainer.json", ".devcontainer.json"}},
	{what: "Read the Docs configuration", names: []string{".readthedocs.yml", ".readthedocs.yaml"}},
	{what: "Buf configuration", names: []string{"buf.yaml", "buf.gen.yaml", "buf.work.yaml"}},
	{what: "Task file", names: []string{"Taskfile.yml", "Taskfile.yaml", "Taskfile.dist.yml"}},
	{what: "Gitpod configuration", names: []string{".gitpod.yml", ".gitpod.yaml"}},
	{what: "Mergify configuration", names: []string{".mergify.yml", ".mergify.yaml"}},
	{what: "OpenAPI document", names: []string{"openapi*.yaml", "openapi*.yml", "openapi*.json", "swagger*.yaml", "swagger*.yml", "swagger*.json"}},
	{what: "kubectl-secure configuration", names: []string{".kubectl-secure.yaml"}},
}
