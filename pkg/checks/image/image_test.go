package image

import (
	"os"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// pod renders a Pod whose containers are given as YAML lines indented for the list.
func pod(containers string) string {
	return `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
` + containers
}

// deploy renders a Deployment with one container "app" with the given image line(s).
func deploy(fields string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: app
` + fields
}

const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestLatestTag(t *testing.T) {
	checktest.RunCases(t, "image-latest-tag", []checktest.Case{
		{Name: "untagged", Src: pod("  - name: app\n    image: nginx\n"),
			Want: []string{"image-latest-tag@8:12 spec.containers[name=app].image"}},
		{Name: "latest", Src: deploy("        image: ghcr.io/o/app:latest\n"),
			Want: []string{"image-latest-tag@10:16 spec.template.spec.containers[name=app].image"}},
		{Name: "init and ephemeral containers", Src: pod(`  - name: app
    image: nginx:1.27
  initContainers:
  - name: init
    image: busybox
  ephemeralContainers:
  - name: debug
    image: busybox:latest
`), Want: []string{
			"image-latest-tag@11:12 spec.initContainers[name=init].image",
			"image-latest-tag@14:12 spec.ephemeralContainers[name=debug].image",
		}},
		{Name: "cronjob", Src: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: job
            image: "alpine"
`, Want: []string{"image-latest-tag@13:20 spec.jobTemplate.spec.template.spec.containers[name=job].image"}},
		{Name: "version tag", Src: pod("  - name: app\n    image: nginx:1.27\n")},
		{Name: "latest pinned by digest", Src: pod("  - name: app\n    image: nginx:latest" + digest + "\n")},
		{Name: "digest only", Src: pod("  - name: app\n    image: nginx" + digest + "\n")},
		{Name: "tag that starts with latest", Src: pod("  - name: app\n    image: nginx:latest-alpine\n")},
		{Name: "malformed is left to image-malformed", Src: pod("  - name: app\n    image: Nginx\n")},
		{Name: "no image in a template", Src: deploy("        command: [sleep]\n")},
		{Name: "istio injection placeholder", Src: deploy("      - name: istio-proxy\n        image: auto\n")},
	})
}

func TestNotPinned(t *testing.T) {
	checktest.RunCases(t, "image-not-pinned", []checktest.Case{
		{Name: "tag only", Src: pod("  - name: app\n    image: registry.example.com:5000/team/app:1.4\n"),
			Want: []string{"image-not-pinned@8:12 spec.containers[name=app].image"}},
		{Name: "unnamed containers are selected by index", Src: pod("  - image: nginx:1.27\n  - image: redis:7\n"),
			Want: []string{
				"image-not-pinned@7:12 spec.containers[0].image",
				"image-not-pinned@8:12 spec.containers[1].image",
			}},
		{Name: "digest with tag", Src: pod("  - name: app\n    image: nginx:1.27" + digest + "\n")},
		{Name: "digest without tag", Src: pod("  - name: app\n    image: ghcr.io/o/app" + digest + "\n")},
		{Name: "latest is image-latest-tag's", Src: pod("  - name: app\n    image: nginx\n")},
	})
}

func TestRegistryNotAllowed(t *testing.T) {
	allow := func(entries ...string) *check.Settings { return &check.Settings{AllowedRegistries: entries} }
	img := func(image string) string { return pod("  - name: app\n    image: " + image + "\n") }
	const at = "image-registry-not-allowed@8:12 spec.containers[name=app].image"
	tests := []struct {
		name     string
		settings *check.Settings
		image    string
		fires    bool
		message  string // substring, when firing
	}{
		{"no allow-list", nil, "evil.example/x:1", false, ""},
		{"empty allow-list", allow(), "evil.example/x:1", false, ""},
		{"blank entries only", allow(" ", ""), "evil.example/x:1", false, ""},
		{"host allowed", allow("registry.example.com"), "registry.example.com/team/app:1", false, ""},
		{"host differs", allow("registry.example.com"), "ghcr.io/o/app:1", true, `registry "ghcr.io", which is not allowed`},
		{"implicit docker hub denied", allow("registry.example.com"), "nginx:1.27", true,
			`registry "docker.io" (it names no registry, so Docker Hub)`},
		{"implicit docker hub allowed", allow("docker.io"), "nginx:1.27", false, ""},
		{"library path allowed", allow("docker.io/library"), "library/nginx:1.27", false, ""},
		{"library path excludes other namespaces", allow("docker.io/library"), "bitnami/redis:7", true,
			`"docker.io/bitnami/redis", which is under no allowed prefix of registry "docker.io"`},
		{"alias entry", allow("index.docker.io"), "bitnami/redis:7", false, ""},
		{"alias image", allow("docker.io"), "registry-1.docker.io/bitnami/redis:7", false, ""},
		{"prefix on segment boundary", allow("ghcr.io/my-org"), "ghcr.io/my-org/app:1", false, ""},
		{"prefix equal to repository", allow("ghcr.io/my-org/app"), "ghcr.io/my-org/app:1", false, ""},
		{"prefix is not a string prefix", allow("ghcr.io/my-org"), "ghcr.io/my-org-fork/app:1", true,
			`"ghcr.io/my-org-fork/app", which is under no allowed prefix of registry "ghcr.io"`},
		{"port must match", allow("registry.example.com"), "registry.example.com:443/x:1", true,
			`registry "registry.example.com:443"`},
		{"port allowed", allow("registry.example.com:443"), "registry.example.com:443/x:1", false, ""},
		{"localhost with port", allow("localhost:5000"), "localhost:5000/app:1", false, ""},
		{"localhost without port is another registry", allow("localhost:5000"), "localhost/app:1", true, `registry "localhost"`},
		{"host case is ignored", allow("Registry.Example.com"), "REGISTRY.example.com/x:1", false, ""},
		{"url and glob entries", allow("https://ghcr.io/my-org/*"), "ghcr.io/my-org/app:1", false, ""},
		{"first component without a dot is a namespace", allow("myregistry"), "myregistry/app:1", true, `registry "docker.io"`},
		{"malformed is left to image-malformed", allow("docker.io"), "ghcr.io/O/app", false, ""},
		{"digest pinned still checked", allow("docker.io"), "quay.io/x/y" + digest, true, `registry "quay.io"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := checktest.RunWith(t, img(tc.image), tc.settings, "image-registry-not-allowed")
			got := checktest.Short(fs)
			switch {
			case !tc.fires && len(fs) != 0:
				t.Fatalf("want no finding, got %q: %s", got, fs[0].Message)
			case tc.fires && (len(fs) != 1 || got[0] != at):
				t.Fatalf("want %q, got %q", at, got)
			case tc.fires && !strings.Contains(fs[0].Message, tc.message):
				t.Errorf("message %q does not contain %q", fs[0].Message, tc.message)
			}
		})
	}
}

func TestPullPolicy(t *testing.T) {
	checktest.RunCases(t, "image-pull-policy", []checktest.Case{
		{Name: "unset with a version tag defaults to IfNotPresent", Src: deploy("        image: app:1.4\n"),
			Want: []string{"image-pull-policy@10:16 spec.template.spec.containers[name=app].image"}},
		{Name: "explicit IfNotPresent", Src: deploy("        image: app:1.4\n        imagePullPolicy: IfNotPresent\n"),
			Want: []string{"image-pull-policy@11:26 spec.template.spec.containers[name=app].imagePullPolicy"}},
		{Name: "explicit Never", Src: deploy("        image: app:1.4\n        imagePullPolicy: Never\n"),
			Want: []string{"image-pull-policy@11:26 spec.template.spec.containers[name=app].imagePullPolicy"}},
		{Name: "explicit IfNotPresent overrides the latest default", Src: deploy("        image: app\n        imagePullPolicy: IfNotPresent\n"),
			Want: []string{"image-pull-policy@11:26 spec.template.spec.containers[name=app].imagePullPolicy"}},
		{Name: "Always", Src: deploy("        image: app:1.4\n        imagePullPolicy: Always\n")},
		{Name: "unset with latest defaults to Always", Src: deploy("        image: app:latest\n")},
		{Name: "unset untagged defaults to Always", Src: deploy("        image: app\n")},
		{Name: "unset with digest", Src: deploy("        image: app:1.4" + digest + "\n")},
		{Name: "IfNotPresent with digest", Src: deploy("        image: app" + digest + "\n        imagePullPolicy: IfNotPresent\n")},
		{Name: "malformed", Src: deploy("        image: 'app:'\n")},
	})
}

func TestPullPolicyFix(t *testing.T) {
	fs := checktest.Run(t, deploy("        image: app:1.4\n"), "image-pull-policy")
	if len(fs) != 1 || fs[0].Fix == nil {
		t.Fatalf("want one finding with a fix, got %+v", fs)
	}
	fix := fs[0].Fix
	if fix.Safe {
		t.Error("setting imagePullPolicy: Always must be an unsafe fix: it makes every start depend on the registry")
	}
	if len(fix.Changes) != 1 {
		t.Fatalf("want one change, got %+v", fix.Changes)
	}
	c := fix.Changes[0]
	if c.Op != finding.Set || c.Path.String() != "spec.template.spec.containers[name=app].imagePullPolicy" || c.Value != "Always" {
		t.Errorf("change = %+v (path %s)", c, c.Path)
	}
}

func TestMalformed(t *testing.T) {
	checktest.RunCases(t, "image-malformed", []checktest.Case{
		{Name: "empty tag", Src: pod("  - name: app\n    image: 'nginx:'\n"),
			Want: []string{"image-malformed@8:12 spec.containers[name=app].image"}},
		{Name: "empty string", Src: pod("  - name: app\n    image: \"\"\n"),
			Want: []string{"image-malformed@8:12 spec.containers[name=app].image"}},
		{Name: "upper-case and bad digest in an init container", Src: pod(`  - name: app
    image: nginx:1.27
  initContainers:
  - name: a
    image: Busybox
  - name: b
    image: busybox@sha256:abc
`), Want: []string{
			"image-malformed@11:12 spec.initContainers[name=a].image",
			"image-malformed@13:12 spec.initContainers[name=b].image",
		}},
		{Name: "valid", Src: pod("  - name: app\n    image: localhost:5000/team/app:1.0" + digest + "\n")},
		{Name: "null image", Src: pod("  - name: app\n    image:\n")},
	})
	fs := checktest.Run(t, pod("  - name: app\n    image: \"nginx:1.27 \"\n"), "image-malformed")
	if len(fs) != 1 || fs[0].Message != `container "app" image "nginx:1.27 " is malformed: it has leading or trailing whitespace` {
		t.Errorf("findings %+v", fs)
	}
}

// TestCustomResource: a pod template inside an Argo Rollout is checked like a Deployment's.
func TestCustomResource(t *testing.T) {
	src := `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: r
spec:
  strategy:
    canary: {}
  template:
    spec:
      containers:
      - name: app
        image: argoproj/rollouts-demo:blue
      initContainers:
      - name: init
        image: busybox:latest
        imagePullPolicy: IfNotPresent
`
	got := checktest.Short(checktest.RunWith(t, src, &check.Settings{AllowedRegistries: []string{"ghcr.io"}}, ids()...))
	want := []string{
		"image-not-pinned@12:16 spec.template.spec.containers[name=app].image",
		"image-pull-policy@12:16 spec.template.spec.containers[name=app].image",
		"image-registry-not-allowed@12:16 spec.template.spec.containers[name=app].image",
		"image-latest-tag@15:16 spec.template.spec.initContainers[name=init].image",
		"image-registry-not-allowed@15:16 spec.template.spec.initContainers[name=init].image",
		"image-pull-policy@16:26 spec.template.spec.initContainers[name=init].imagePullPolicy",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings differ\n got: %q\nwant: %q", got, want)
	}
}

// TestHardened: a file written to pass every image check, with the allow-list set.
func TestHardened(t *testing.T) {
	src, err := os.ReadFile("testdata/hardened.yaml")
	if err != nil {
		t.Fatal(err)
	}
	settings := &check.Settings{AllowedRegistries: []string{"registry.example.com", "ghcr.io/my-org", "localhost:5000"}}
	fs := checktest.RunWith(t, string(src), settings, ids()...)
	for _, f := range fs {
		t.Errorf("%s:%d %s: %s", f.Check, f.Line, f.Path, f.Message)
	}
}

// TestRegistered: every check of the category is registered (docs and examples of each are
// held by pkg/check's conformance test).
func TestRegistered(t *testing.T) {
	if got := ids(); len(got) != 6 {
		t.Errorf("image checks %v, want 6", got)
	}
}

func checks() []*check.Check {
	var out []*check.Check
	for _, c := range check.All() {
		if c.Category == category {
			out = append(out, c)
		}
	}
	return out
}

func ids() []string {
	var out []string
	for _, c := range checks() {
		out = append(out, c.ID)
	}
	return out
}

// A ko:// reference is a placeholder ko replaces with the built image by digest: no image
// check judges its literal text, not even with an allow-list that it does not match.
func TestBuildPlaceholdersAreNotJudged(t *testing.T) {
	ids := []string{"image-latest-tag", "image-not-pinned", "image-pull-policy", "image-malformed", "image-registry-not-allowed"}
	for _, image := range []string{
		"ko://github.com/tektoncd/pipeline/cmd/controller",
		"ko://knative.dev/serving/cmd/activator",
	} {
		t.Run(image, func(t *testing.T) {
			fs := checktest.RunWith(t, pod("  - name: app\n    image: "+image+"\n"), &check.Settings{AllowedRegistries: []string{"ghcr.io"}}, ids...)
			if len(fs) != 0 {
				t.Errorf("want no finding, got %q", checktest.Short(fs))
			}
		})
	}
	// Only a reference that starts with the scheme is a placeholder.
	fs := checktest.Run(t, pod("  - name: app\n    image: \"https://ghcr.io/o/app:1\"\n"), ids...)
	if got := checktest.Short(fs); len(got) != 1 || !strings.Contains(fs[0].Message, `URL scheme "https://"`) {
		t.Errorf("https:// reference: got %q, want one image-malformed about the scheme", got)
	}
}
