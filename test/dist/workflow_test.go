package dist

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"gopkg.in/yaml.v3"
)

type workflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		RunsOn      string            `yaml:"runs-on"`
		Permissions map[string]string `yaml:"permissions"`
		Env         map[string]string `yaml:"env"`
		Steps       []workflowStep    `yaml:"steps"`
	} `yaml:"jobs"`
}

type workflowStep struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

const workflowFile = "plugins/github-actions/kubectl-secure.yml"

func loadWorkflow(t *testing.T) (*workflow, []workflowStep) {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(string(readFile(t, workflowFile))))
	dec.KnownFields(true)
	var w workflow
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	if len(w.Jobs) != 1 {
		t.Fatalf("%s: want one job, got %d", workflowFile, len(w.Jobs))
	}
	for name, job := range w.Jobs {
		if job.Permissions["security-events"] != "write" {
			t.Errorf("job %s: permissions %v lack security-events: write (upload-sarif needs it)", name, job.Permissions)
		}
		return &w, job.Steps
	}
	return nil, nil
}

// TestGitHubActionsWorkflow checks the example workflow's shape: it installs the CLI with
// go install, writes SARIF, and uploads it with codeql-action's upload-sarif.
func TestGitHubActionsWorkflow(t *testing.T) {
	w, steps := loadWorkflow(t)
	if w.Permissions["contents"] != "read" {
		t.Errorf("workflow permissions %v: want contents: read as the default", w.Permissions)
	}
	var install, lint, upload *workflowStep
	for i := range steps {
		s := &steps[i]
		switch {
		case strings.Contains(s.Run, "go install") && strings.Contains(s.Run, "github.com/kubectl-secure/kubectl-secure/cmd/kubectl-secure@"):
			install = s
		case strings.Contains(s.Run, "kubectl secure lint . ") && strings.Contains(s.Run, " -o sarif > results.sarif"):
			lint = s
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			upload = s
		}
	}
	switch {
	case install == nil:
		t.Fatal("no step runs go install .../cmd/kubectl-secure@VERSION")
	case lint == nil:
		t.Fatal("no step runs kubectl secure lint . ... -o sarif > results.sarif")
	case upload == nil:
		t.Fatal("no step uses github/codeql-action/upload-sarif")
	}
	if upload.Uses != "github/codeql-action/upload-sarif@v3" || upload.With["sarif_file"] != "results.sarif" {
		t.Errorf("upload step uses %q with %v; want upload-sarif@v3 with sarif_file results.sarif", upload.Uses, upload.With)
	}
	// A pull request's annotations, comments and config file silence nothing: the config
	// comes from the base branch and in-source suppressions are off.
	if !strings.Contains(lint.Run, "--suppressions config") || !strings.Contains(lint.Run, "--config ") {
		t.Errorf("lint step %q: want --config (the base branch's) and --suppressions config", lint.Run)
	}
	base := false
	for _, s := range steps {
		base = base || s.If == "github.event_name == 'pull_request'" && strings.Contains(s.Run, "git show \"FETCH_HEAD:.kubectl-secure.yaml\"")
	}
	if !base {
		t.Error("no pull_request step takes .kubectl-secure.yaml from the base branch")
	}
	// Upload the files that loaded even when the lint step failed on a broken one.
	if !strings.Contains(upload.If, "!cancelled()") {
		t.Errorf("upload step if %q: it must run after a failed lint step too", upload.If)
	}
}

// TestGitHubActionsLintStep runs the workflow's lint step with bash, as Actions does,
// against the real binary: findings (exit 1) pass the step with SARIF written, an input
// error (exit 2) fails it.
func TestGitHubActionsLintStep(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the workflow step test (it builds kubectl-secure)")
	}
	_, steps := loadWorkflow(t)
	var script string
	for _, s := range steps {
		if strings.Contains(s.Run, "kubectl secure lint") {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("no lint step")
	}
	bash := testenv.Tool(t, "bash", "apt-get install -y bash")

	// PATH holds the built plugin and a kubectl stand-in that dispatches `kubectl secure`
	// to kubectl-secure as kubectl's plugin mechanism does (cmd/kubectl-secure tests
	// the real kubectl).
	bin := t.TempDir()
	mustRun(t, 5*time.Minute, testenv.RepoRoot(t), nil, "go", "build", "-o", filepath.Join(bin, "kubectl-secure"), "./cmd/kubectl-secure")
	stub := "#!/bin/sh\nplugin=$1; shift\nexec \"kubectl-$plugin\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "kubectl"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	scriptFile := filepath.Join(bin, "step.sh")
	if err := os.WriteFile(scriptFile, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), "NO_COLOR=1"}
	manifests := filepath.Join("testdata", "precommit", "manifests")

	cases := []struct {
		name     string
		files    []string          // from testdata/precommit/manifests
		extra    map[string]string // name -> content
		exit     int
		findings []string // SARIF ruleIds that must be there
		// baseConfig, when set, is the base branch's config the pull_request step wrote
		// to $RUNNER_TEMP.
		baseConfig *string
	}{
		{name: "clean repository", files: []string{"good.yaml", "ci-workflow.yaml"}, exit: 0},
		{name: "findings pass the step", files: []string{"good.yaml", "bad.yaml"}, exit: 0,
			findings: []string{"privileged-container", "host-namespaces"}},
		{name: "input error fails the step", files: []string{"bad.yaml"},
			extra:    map[string]string{"broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n"},
			exit:     2,
			findings: []string{"privileged-container"}},
		{name: "a pull request's suppressions and config silence nothing", files: []string{"good.yaml"},
			extra: map[string]string{
				".kubectl-secure.yaml": "suppressions: all\nignore:\n- checks: [host-namespaces]\n  reason: trust me\n",
				"pr.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pr\n  annotations: {kubectl-secure.io/ignore: \"privileged-container: trust me\"}\n" +
					"spec:\n  hostPID: true # kubectl-secure:ignore host-namespaces trust me\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext: {privileged: true}\n"},
			baseConfig: new(string), exit: 0, findings: []string{"privileged-container", "host-namespaces"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			work := t.TempDir()
			for _, f := range tc.files {
				if err := copyFile(filepath.Join(manifests, f), filepath.Join(work, f), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for name, content := range tc.extra {
				if err := os.WriteFile(filepath.Join(work, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := env
			if tc.baseConfig != nil {
				temp := t.TempDir()
				if err := os.WriteFile(filepath.Join(temp, "kubectl-secure.yaml"), []byte(*tc.baseConfig), 0o644); err != nil {
					t.Fatal(err)
				}
				env = append(env[:len(env):len(env)], "RUNNER_TEMP="+temp)
			}
			// GitHub's default shell for run steps.
			out, code := command(t, 2*time.Minute, work, env, bash, "--noprofile", "--norc", "-eo", "pipefail", scriptFile)
			if code != tc.exit {
				t.Fatalf("step exit status %d, want %d:\n%s", code, tc.exit, out)
			}
			if tc.exit >= 2 && !strings.Contains(out, "::error::") {
				t.Errorf("failed step prints no ::error:: annotation:\n%s", out)
			}
			var sarif struct {
				Version string `json:"version"`
				Runs    []struct {
					Results []struct {
						RuleID string `json:"ruleId"`
					} `json:"results"`
				} `json:"runs"`
			}
			data, err := os.ReadFile(filepath.Join(work, "results.sarif"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &sarif); err != nil {
				t.Fatalf("results.sarif: %v\n%s", err, data)
			}
			if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 {
				t.Fatalf("results.sarif: version %q with %d runs, want 2.1.0 with one", sarif.Version, len(sarif.Runs))
			}
			rules := map[string]bool{}
			for _, r := range sarif.Runs[0].Results {
				rules[r.RuleID] = true
			}
			if len(tc.findings) == 0 && len(rules) > 0 {
				t.Errorf("clean repository has results: %v", keys(rules))
			}
			for _, id := range tc.findings {
				if !rules[id] {
					t.Errorf("results.sarif lacks %s (has %v)", id, keys(rules))
				}
			}
		})
	}
}
