package dist

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

const actionDir = "plugins/github-action"

// action is the part of action.yml these tests read.
type action struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string         `yaml:"using"`
		Steps []workflowStep `yaml:"steps"`
	} `yaml:"runs"`
}

// TestGitHubActionShape: a composite action whose inputs the brief names, a step running
// run.sh with every input passed, SARIF uploaded with a pinned upload-sarif, and lint's exit
// status the action's.
func TestGitHubActionShape(t *testing.T) {
	var a action
	if err := yaml.Unmarshal(readFile(t, actionDir+"/action.yml"), &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	if a.Runs.Using != "composite" || len(a.Runs.Steps) != 3 {
		t.Fatalf("runs: %q with %d steps, want composite with 3", a.Runs.Using, len(a.Runs.Steps))
	}
	for _, in := range []string{"paths", "fail-on", "since", "config", "version", "build-from-source"} {
		if a.Inputs[in].Description == "" {
			t.Errorf("input %s missing or undescribed", in)
		}
	}
	lint, upload, exit := a.Runs.Steps[0], a.Runs.Steps[1], a.Runs.Steps[2]
	if !strings.Contains(lint.Run, "$GITHUB_ACTION_PATH/run.sh") || lint.ID != "lint" {
		t.Errorf("first step %+v: want id lint running $GITHUB_ACTION_PATH/run.sh", lint)
	}
	for in := range a.Inputs {
		env := "INPUT_" + strings.ToUpper(strings.ReplaceAll(in, "-", "_"))
		if in != "upload-sarif" && lint.Env[env] != "${{ inputs."+in+" }}" {
			t.Errorf("input %s is not passed to run.sh as %s", in, env)
		}
	}
	if upload.Uses != "github/codeql-action/upload-sarif@v3" || !strings.Contains(upload.If, "!cancelled()") ||
		upload.With["sarif_file"] != "${{ steps.lint.outputs.sarif-file }}" {
		t.Errorf("upload step %+v: want upload-sarif@v3 of the lint step's SARIF, also after findings", upload)
	}
	if !strings.Contains(exit.Run, "exit") || exit.Env["EXIT_CODE"] != "${{ steps.lint.outputs.exit-code }}" {
		t.Errorf("last step %+v: want it to exit with lint's status", exit)
	}
	if a.Outputs["exit-code"].Value == "" || a.Outputs["sarif-file"].Value == "" {
		t.Errorf("outputs %v: want exit-code and sarif-file", a.Outputs)
	}
}

// TestReleaseWorkflow: goreleaser on v* tags, then krew-release-bot, pinned, with krew.yaml.
func TestReleaseWorkflow(t *testing.T) {
	var w struct {
		On struct {
			Push struct {
				Tags []string `yaml:"tags"`
			} `yaml:"push"`
		} `yaml:"on"`
		Jobs map[string]struct {
			RunsOn      string            `yaml:"runs-on"`
			Permissions map[string]string `yaml:"permissions"`
			Steps       []workflowStep    `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(readFile(t, ".github/workflows/release.yml"), &w); err != nil {
		t.Fatalf("release.yml: %v", err)
	}
	if len(w.On.Push.Tags) != 1 || w.On.Push.Tags[0] != "v*" {
		t.Errorf("on.push.tags %v, want [v*]", w.On.Push.Tags)
	}
	job, ok := w.Jobs["release"]
	if !ok || job.Permissions["contents"] != "write" || job.RunsOn == "" {
		t.Fatalf("job release %+v: want runs-on and contents: write", job)
	}
	goreleaser, krew := -1, -1
	for i, s := range job.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "goreleaser/goreleaser-action@") && strings.HasPrefix(s.With["args"], "release"):
			goreleaser = i
		case strings.HasPrefix(s.Uses, "rajatjindal/krew-release-bot@v0.0."):
			krew = i
			if s.With["krew_template_file"] != "krew.yaml" {
				t.Errorf("krew-release-bot with %v: want krew_template_file: krew.yaml", s.With)
			}
		}
	}
	if goreleaser < 0 || krew < goreleaser {
		t.Errorf("steps: goreleaser at %d, krew-release-bot (pinned to a version) at %d: want goreleaser, then the bot", goreleaser, krew)
	}
}

// fakeRelease writes what a release publishes for this machine's platform: the archive
// goreleaser names kubectl-secure_VERSION_OS_ARCH.tar.gz holding the binary and LICENSE,
// and checksums.txt, below dir/download/VERSION and dir/latest/download.
func fakeRelease(t *testing.T, dir, binary, version, goarch string) string {
	t.Helper()
	asset := fmt.Sprintf("kubectl-secure_%s_linux_%s.tar.gz", version, goarch)
	var files []string
	for _, d := range []string{filepath.Join(dir, "download", version), filepath.Join(dir, "latest", "download")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		files = append(files, d)
	}
	f, err := os.Create(filepath.Join(files[0], asset))
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	for name, src := range map[string]string{"kubectl-secure": binary, "LICENSE": filepath.Join(testenv.RepoRoot(t), "LICENSE")} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []interface{ Close() error }{tw, gz, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(files[0], asset))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	checksums := fmt.Sprintf("%s  %s\n%s  kubectl-secure_%s_windows_amd64.zip\n", hex.EncodeToString(sum[:]), asset, strings.Repeat("0", 64), version)
	for _, d := range files {
		if err := os.WriteFile(filepath.Join(d, "checksums.txt"), []byte(checksums), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, asset), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return asset
}

// TestGitHubActionScript runs run.sh with bash as the action does, with the environment a
// runner gives a pull_request job, offline: the release is a directory of real archives
// and checksums made here (file:// URLs), the workspace a git repository whose pull request
// adds a privileged pod to manifests that already had findings.
func TestGitHubActionScript(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the action script test (it builds kubectl-secure)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the fake release is a linux archive")
	}
	bash := testenv.Tool(t, "bash", "apt-get install -y bash")
	testenv.Tool(t, "curl", "apt-get install -y curl")
	testenv.Tool(t, "git", "apt-get install -y git")
	root := testenv.RepoRoot(t)
	build := t.TempDir()
	binary := filepath.Join(build, "kubectl-secure")
	mustRun(t, 5*time.Minute, root, nil, "go", "build", "-o", binary, "./cmd/kubectl-secure")
	release := t.TempDir()
	fakeRelease(t, release, binary, "v9.9.9", runtime.GOARCH)

	// The workspace: the base commit has an old finding; the pull request adds a new one.
	work := t.TempDir()
	old := "apiVersion: v1\nkind: Pod\nmetadata: {name: old, namespace: shop}\nspec:\n  hostPID: true\n  containers: [{name: c, image: nginx:1.27}]\n"
	if err := os.WriteFile(filepath.Join(work, "old.yaml"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	// Two checks keep the summary short: the new pod's privileged container, the old hostPID.
	if err := os.WriteFile(filepath.Join(work, ".kubectl-secure.yaml"), []byte("enable: [privileged-container, host-namespaces]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, time.Minute, work, gitEnv, "git", "init", "-q")
	mustRun(t, time.Minute, work, gitEnv, "git", "add", "-A")
	mustRun(t, time.Minute, work, gitEnv, "git", "commit", "-qm", "base")
	base := strings.TrimSpace(mustRun(t, time.Minute, work, gitEnv, "git", "rev-parse", "HEAD"))
	added := "apiVersion: v1\nkind: Pod\nmetadata: {name: new, namespace: shop}\nspec:\n  containers: [{name: c, image: nginx:1.27, securityContext: {privileged: true}}]\n"
	if err := os.WriteFile(filepath.Join(work, "new.yaml"), []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, time.Minute, work, gitEnv, "git", "add", "-A")
	mustRun(t, time.Minute, work, gitEnv, "git", "commit", "-qm", "pull request")
	event := filepath.Join(t.TempDir(), "event.json")
	payload, _ := json.Marshal(map[string]any{"action": "synchronize", "pull_request": map[string]any{"number": 7, "base": map[string]any{"sha": base, "ref": "main"}}})
	if err := os.WriteFile(event, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]

	run := func(t *testing.T, inputs map[string]string) (out string, code int, outputs, summary string) {
		temp := t.TempDir()
		summaryFile, outputFile := filepath.Join(temp, "summary.md"), filepath.Join(temp, "output")
		env := []string{"RUNNER_OS=Linux", "RUNNER_ARCH=" + arch, "RUNNER_TEMP=" + temp, "GITHUB_WORKSPACE=" + work,
			"GITHUB_EVENT_NAME=pull_request", "GITHUB_EVENT_PATH=" + event, "GITHUB_STEP_SUMMARY=" + summaryFile,
			"GITHUB_OUTPUT=" + outputFile, "GITHUB_ACTIONS=true", "NO_COLOR=1", "INPUT_RELEASE_URL=file://" + release}
		for k, v := range inputs {
			env = append(env, "INPUT_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_"))+"="+v)
		}
		out, code = command(t, 5*time.Minute, work, append(env, gitEnv...), bash, "--noprofile", "--norc", "-eo", "pipefail",
			filepath.Join(root, actionDir, "run.sh"))
		o, _ := os.ReadFile(outputFile)
		s, _ := os.ReadFile(summaryFile)
		return out, code, string(o), string(s)
	}

	for name, inputs := range map[string]map[string]string{
		"release by version": {"version": "v9.9.9"},
		"latest release":     {"version": "latest"},
		"version without v":  {"version": "9.9.9"},
		"built from source":  {"build-from-source": "true"},
	} {
		t.Run(name, func(t *testing.T) {
			out, code, outputs, summary := run(t, inputs)
			if code != 0 {
				t.Fatalf("run.sh exit %d:\n%s", code, out)
			}
			if !strings.Contains(outputs, "exit-code=1\n") || !strings.Contains(outputs, "sarif-file=") {
				t.Errorf("outputs %q: want exit-code=1 (a new finding) and the SARIF file", outputs)
			}
			// Only the pull request's finding: the base commit's hostPID is not new.
			if !strings.HasPrefix(summary, "### kubectl-secure: 1 new finding") || !strings.Contains(summary, "new.yaml:5 `privileged-container`") ||
				strings.Contains(summary, "host-namespaces") {
				t.Errorf("summary:\n%s", summary)
			}
			sarif := strings.TrimPrefix(strings.SplitAfter(outputs, "sarif-file=")[1], "")
			sarif = strings.TrimSpace(strings.SplitN(sarif, "\n", 2)[0])
			if data, err := os.ReadFile(sarif); err != nil || !strings.Contains(string(data), `"ruleId": "privileged-container"`) {
				t.Errorf("SARIF %s: %v\n%.300s", sarif, err, data)
			}
		})
	}

	t.Run("since none lints everything", func(t *testing.T) {
		_, code, outputs, summary := run(t, map[string]string{"version": "v9.9.9", "since": "none", "fail-on": "critical"})
		if code != 0 || !strings.Contains(outputs, "exit-code=1\n") || !strings.Contains(summary, "host-namespaces") {
			t.Errorf("exit %d, outputs %q, summary:\n%s", code, outputs, summary)
		}
	})

	t.Run("a wrong checksum fails", func(t *testing.T) {
		bad := t.TempDir()
		asset := fakeRelease(t, bad, binary, "v9.9.9", runtime.GOARCH)
		sums := filepath.Join(bad, "download", "v9.9.9", "checksums.txt")
		data, _ := os.ReadFile(sums)
		if err := os.WriteFile(sums, []byte(strings.Replace(string(data), string(data[:8]), "deadbeef", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := command(t, time.Minute, work, []string{"RUNNER_OS=Linux", "RUNNER_ARCH=" + arch, "RUNNER_TEMP=" + t.TempDir(),
			"GITHUB_WORKSPACE=" + work, "INPUT_VERSION=v9.9.9", "INPUT_RELEASE_URL=file://" + bad}, bash, filepath.Join(root, actionDir, "run.sh"))
		if code == 0 || !strings.Contains(out, "::error title=kubectl-secure::checksum mismatch for "+asset) {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
}
