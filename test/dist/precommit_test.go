package dist

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"gopkg.in/yaml.v3"
)

type preCommitHook struct {
	ID                      string   `yaml:"id"`
	Name                    string   `yaml:"name"`
	Description             string   `yaml:"description"`
	Entry                   string   `yaml:"entry"`
	Language                string   `yaml:"language"`
	Types                   []string `yaml:"types"`
	Exclude                 string   `yaml:"exclude"`
	PassFilenames           *bool    `yaml:"pass_filenames"`
	MinimumPreCommitVersion string   `yaml:"minimum_pre_commit_version"`
	Args                    []string `yaml:"args"`
	Files                   string   `yaml:"files"`
	RequireSerial           bool     `yaml:"require_serial"`
	AlwaysRun               bool     `yaml:"always_run"`
	AdditionalDependencies  []string `yaml:"additional_dependencies"`
	LanguageVersion         string   `yaml:"language_version"`
	Stages                  []string `yaml:"stages"`
	Verbose                 bool     `yaml:"verbose"`
	TypesOr                 []string `yaml:"types_or"`
	ExcludeTypes            []string `yaml:"exclude_types"`
	LogFile                 string   `yaml:"log_file"`
	FailFast                bool     `yaml:"fail_fast"`
	Alias                   string   `yaml:"alias"`
}

// TestPreCommitHooksFile checks the published hook definitions against what the hooks
// rely on; TestPreCommitHooks runs them.
func TestPreCommitHooksFile(t *testing.T) {
	dec := yaml.NewDecoder(strings.NewReader(string(readFile(t, ".pre-commit-hooks.yaml"))))
	dec.KnownFields(true)
	var hooks []preCommitHook
	if err := dec.Decode(&hooks); err != nil {
		t.Fatalf(".pre-commit-hooks.yaml: %v", err)
	}
	byID := map[string]preCommitHook{}
	for _, h := range hooks {
		byID[h.ID] = h
	}
	c := loadGoreleaser(t)
	for _, tc := range []struct {
		id            string
		passFilenames bool
		args          string // after "lint" in the entry
	}{
		// The staged files are linted in the context of the repository pre-commit runs in.
		{"kubectl-secure", true, " --repo ."},
		{"kubectl-secure-kustomize", false, ""},
	} {
		h, ok := byID[tc.id]
		if !ok {
			t.Errorf("no hook %q", tc.id)
			continue
		}
		// language golang runs `go install ./...`, which names the binary after
		// cmd/kubectl-secure: the entry must call that name.
		if want := c.Builds[0].Binary + " lint" + tc.args; h.Language != "golang" || h.Entry != want {
			t.Errorf("%s: language %q entry %q, want golang and %q", tc.id, h.Language, h.Entry, want)
		}
		if !contains(h.Types, "yaml") {
			t.Errorf("%s: types %v, want yaml", tc.id, h.Types)
		}
		pass := h.PassFilenames == nil || *h.PassFilenames
		if pass != tc.passFilenames {
			t.Errorf("%s: pass_filenames %v, want %v", tc.id, pass, tc.passFilenames)
		}
		if h.Name == "" || h.Description == "" || h.MinimumPreCommitVersion == "" {
			t.Errorf("%s: name, description and minimum_pre_commit_version are required for users", tc.id)
		}
	}
}

// TestPreCommitHooks runs the real pre-commit against this repository the way a user's
// repository would: `repo:` pointing at a clone of this tree at a commit, pre-commit
// building the golang hooks from it, and the hooks failing a commit that adds an unsafe
// manifest or overlay, with the findings in the output.
func TestPreCommitHooks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the pre-commit test (it builds kubectl-secure through pre-commit)")
	}
	preCommit := testenv.Tool(t, "pre-commit", "apt-get install -y pre-commit")
	goBin := testenv.Tool(t, "go", "pre-commit's golang hooks need it")
	modCache := strings.TrimSpace(mustRun(t, time.Minute, ".", nil, goBin, "env", "GOMODCACHE"))

	src, commit := snapshotRepo(t)
	user := filepath.Join(t.TempDir(), "user-repo")
	copyTree(t, filepath.Join("testdata", "precommit"), user)
	// The debug overlay's hook only runs when that overlay changes, so the first commit
	// (which leaves it out) shows both hooks passing.
	config := fmt.Sprintf(`repos:
  - repo: %s
    rev: %s
    hooks:
      - id: kubectl-secure
      - id: kubectl-secure-kustomize
        name: kubectl-secure (kustomize/overlays/prod)
        args: [-k, kustomize/overlays/prod]
      - id: kubectl-secure-kustomize
        alias: kubectl-secure-debug
        name: kubectl-secure (kustomize/overlays/debug)
        args: [-k, kustomize/overlays/debug]
        files: ^kustomize/overlays/debug/
`, src, commit)
	if err := os.WriteFile(filepath.Join(user, ".pre-commit-config.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append([]string{
		// A private hook cache, so each run builds the hooks from this tree's commit.
		"PRE_COMMIT_HOME=" + filepath.Join(t.TempDir(), "pre-commit-home"),
		// pre-commit sets GOPATH to the hook's environment; sharing the module cache
		// keeps it from downloading every dependency again.
		"GOMODCACHE=" + modCache,
		"GOTOOLCHAIN=local",
		"NO_COLOR=1",
	}, gitEnv...)
	git := func(t *testing.T, args ...string) string {
		t.Helper()
		return mustRun(t, time.Minute, user, env, "git", args...)
	}
	git(t, "init", "-q", "-b", "main")
	git(t, "add", ".pre-commit-config.yaml")

	// The first run builds the hook environment: a cold Go build cache makes it slow.
	out := mustRun(t, 10*time.Minute, user, env, preCommit, "install-hooks")
	t.Logf("pre-commit install-hooks:\n%s", out)
	mustRun(t, time.Minute, user, env, preCommit, "install")

	commitFiles := func(t *testing.T, files ...string) (string, int) {
		t.Helper()
		git(t, append([]string{"add", "--"}, files...)...)
		return command(t, 5*time.Minute, user, env, "git", "commit", "-m", "add "+strings.Join(files, " "))
	}

	// The steps run in order, each on the commits of the ones before it.
	steps := []struct {
		name   string
		files  []string
		fails  bool
		output []string // substrings the hook output must show
		absent []string // and must not
		failed []string // names of the hooks that must report Failed
	}{
		{
			name:  "hardened manifests and overlay pass",
			files: []string{".pre-commit-config.yaml", "manifests/good.yaml", "manifests/ci-workflow.yaml", "kustomize/base", "kustomize/overlays/prod"},
			output: []string{
				"kubectl-secure lint....", "Passed",
				"kubectl-secure (kustomize/overlays/prod)....",
			},
		},
		{
			name:  "unsafe manifest is refused",
			files: []string{"manifests/bad.yaml"},
			fails: true,
			output: []string{
				"kubectl-secure lint....", "Failed",
				"manifests/bad.yaml:12:21", "privileged-container",
				"manifests/bad.yaml:7:16", "host-namespaces",
			},
		},
		{
			// Both hooks: the files hook lints the staged patch through the overlay that
			// uses it, so the patch is not taken for a Deployment of its own (which would
			// lack runAsNonRoot, a seccomp profile, ...).
			name:  "unsafe overlay patch is refused at the patch line",
			files: []string{"kustomize/overlays/debug"},
			fails: true,
			output: []string{
				"kubectl-secure lint....", "kubectl-secure (kustomize/overlays/debug)....", "Failed",
				"kustomize/overlays/debug/privileged.yaml:11:25", "privileged-container",
			},
			absent: []string{"run-as-non-root", "seccomp-profile-missing", "privileged.yaml:1:1"},
			failed: []string{"kubectl-secure lint", "kubectl-secure (kustomize/overlays/debug)"},
		},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, code := commitFiles(t, s.files...)
			t.Logf("git commit:\n%s", out)
			if s.fails != (code != 0) {
				t.Fatalf("git commit exit status %d, want failure %v:\n%s", code, s.fails, out)
			}
			for _, want := range s.output {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, hook := range s.failed {
				if !hookFailed(out, hook) {
					t.Errorf("hook %q did not fail:\n%s", hook, out)
				}
			}
			for _, unwanted := range s.absent {
				if strings.Contains(out, unwanted) {
					t.Errorf("output has %q:\n%s", unwanted, out)
				}
			}
			if s.fails {
				// Leave the index as it was for the next step.
				git(t, append([]string{"reset", "-q", "--"}, s.files...)...)
			}
		})
	}

	// `pre-commit run` on chosen files is how CI and editors call the hooks.
	t.Run("pre-commit run on a clean file", func(t *testing.T) {
		out, code := command(t, 5*time.Minute, user, env, preCommit, "run", "kubectl-secure", "--files", "manifests/good.yaml")
		if code != 0 || !strings.Contains(out, "Passed") {
			t.Fatalf("exit status %d:\n%s", code, out)
		}
	})
}

// hookFailed reports whether pre-commit's status line for the hook named name says Failed.
func hookFailed(out, name string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, name+"..") && strings.HasSuffix(strings.TrimSpace(line), "Failed") {
			return true
		}
	}
	return false
}
