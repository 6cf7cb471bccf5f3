package dist

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/addon"
	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"github.com/kubectl-secure/kubectl-secure/pkg/version"
)

const (
	homepage   = "https://github.com/kubectl-secure/kubectl-secure"
	versionPkg = "github.com/kubectl-secure/kubectl-secure/pkg/version"
)

// The platforms the project promises (README, DESIGN.md): krew and goreleaser must both
// cover exactly these.
var releasePlatforms = []platform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"},
}

func releaseFactsFor(c *goreleaserConfig, tag string) releaseFacts {
	return releaseFacts{
		Tag:          tag,
		Homepage:     homepage,
		Platforms:    c.Platforms(),
		ArchiveName:  func(p platform) (string, error) { return c.ArchiveName(p, strings.TrimPrefix(tag, "v")) },
		BinaryName:   c.BinaryName,
		BinaryNames:  c.BinaryNames,
		ArchiveFiles: c.Archives[0].Files,
	}
}

func TestGoreleaserConfig(t *testing.T) {
	c := loadGoreleaser(t)
	b := c.Builds[0]
	if c.Version != 2 {
		t.Errorf("version: %d, want 2 (goreleaser v2 schema)", c.Version)
	}
	if got := c.Platforms(); !sameSet(got, releasePlatforms) {
		t.Errorf("release matrix %v, want %v", got, releasePlatforms)
	}
	// `go install .../cmd/kubectl-secure` and pre-commit's `go install ./...` name the
	// binary after its directory; a release archive must hold the same name, which is
	// also the name kubectl looks for.
	if b.Main != "./cmd/kubectl-secure" || b.Binary != "kubectl-secure" || filepath.Base(b.Main) != b.Binary {
		t.Errorf("build main %q binary %q, want ./cmd/kubectl-secure and kubectl-secure", b.Main, b.Binary)
	}
	// The full binary is found by its name beside kubectl-secure (pkg/addon) and is built
	// exactly like it: same flags, versions stamped, same platforms.
	full := c.Builds[1]
	if full.Main != "./cmd/"+addon.FullBinary || full.Binary != addon.FullBinary {
		t.Errorf("second build main %q binary %q, want ./cmd/%s and %s", full.Main, full.Binary, addon.FullBinary, addon.FullBinary)
	}
	if fmt.Sprint(full.Env, full.Flags, full.Ldflags, full.Goos, full.Goarch, full.Ignore) != fmt.Sprint(b.Env, b.Flags, b.Ldflags, b.Goos, b.Goarch, b.Ignore) {
		t.Errorf("the full build's settings differ from kubectl-secure's:\n%+v\n%+v", full, b)
	}
	if !contains(b.Env, "CGO_ENABLED=0") {
		t.Errorf("build env %v lacks CGO_ENABLED=0", b.Env)
	}
	if !contains(b.Flags, "-trimpath") {
		t.Errorf("build flags %v lack -trimpath", b.Flags)
	}
	// The variables must exist: renaming one breaks this test's build, not a release.
	_ = []*string{&version.Version, &version.Commit, &version.Date}
	ldflags := strings.Join(b.Ldflags, " ")
	for _, v := range []string{"Version={{ .Version }}", "Commit={{ .Commit }}", "Date="} {
		if !strings.Contains(ldflags, "-X "+versionPkg+"."+v) {
			t.Errorf("ldflags %q do not set %s.%s", ldflags, versionPkg, v)
		}
	}
	a := c.Archives[0]
	for _, f := range []string{"LICENSE", "README.md"} {
		if !contains(a.Files, f) {
			t.Errorf("archives.files %v lacks %s", a.Files, f)
		}
		if _, err := os.Stat(filepath.Join(testenv.RepoRoot(t), f)); err != nil {
			t.Errorf("archives.files names %s: %v", f, err)
		}
	}
	if license := string(readFile(t, "LICENSE")); !strings.Contains(license, "Apache License") || !strings.Contains(license, "Version 2.0, January 2004") {
		t.Errorf("LICENSE is not the Apache License 2.0")
	}
	if c.Checksum.NameTemplate == "" {
		t.Errorf("checksum.name_template is empty; krew-release-bot and users verify against it")
	}
	for _, p := range releasePlatforms {
		name, err := c.ArchiveName(p, "1.2.3")
		if err != nil {
			t.Fatal(err)
		}
		want := "kubectl-secure_v1.2.3_" + p.OS + "_" + p.Arch + ".tar.gz"
		if p.OS == "windows" {
			want = strings.TrimSuffix(want, ".tar.gz") + ".zip"
		}
		if name != want {
			t.Errorf("archive for %s: %q, want %q", p, name, want)
		}
	}
}

// TestKrewManifest renders krew.yaml as krew-release-bot does for a tag and checks that
// the result is a valid krew manifest whose every URI is an archive goreleaser makes.
func TestKrewManifest(t *testing.T) {
	c := loadGoreleaser(t)
	for _, tag := range []string{"v1.2.3", "v0.1.0-rc.1"} {
		t.Run(tag, func(t *testing.T) {
			rendered, err := renderKrew(readFile(t, "krew.yaml"), tag, fakeSha256)
			if err != nil {
				t.Fatal(err)
			}
			p, err := decodeKrew(rendered)
			if err != nil {
				t.Fatalf("%v\n%s", err, rendered)
			}
			if p.Metadata.Name != "secure" {
				t.Errorf("metadata.name %q, want secure (kubectl krew install secure)", p.Metadata.Name)
			}
			for _, prob := range krewProblems(p, releaseFactsFor(c, tag)) {
				t.Error(prob)
			}
		})
	}
}

// TestKrewProblems makes sure the correspondence check fires: each case breaks a valid
// rendered manifest in one way a hand edit of krew.yaml or .goreleaser.yaml could.
func TestKrewProblems(t *testing.T) {
	c := loadGoreleaser(t)
	const tag = "v1.2.3"
	rendered, err := renderKrew(readFile(t, "krew.yaml"), tag, fakeSha256)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(p *krewPlugin)
		want   string // substring of a problem; "" for none
	}{
		{"valid", func(p *krewPlugin) {}, ""},
		{"archive renamed", func(p *krewPlugin) {
			p.Spec.Platforms[0].URI = strings.Replace(p.Spec.Platforms[0].URI, "_v1.2.3_", "_1.2.3_", 1)
		}, "uri is"},
		{"arch swapped in uri", func(p *krewPlugin) {
			p.Spec.Platforms[0].URI = strings.Replace(p.Spec.Platforms[0].URI, "amd64", "arm64", 1)
		}, "uri is"},
		{"windows without .exe", func(p *krewPlugin) {
			for i := range p.Spec.Platforms {
				if p.Spec.Platforms[i].Selector.MatchLabels["os"] == "windows" {
					p.Spec.Platforms[i].Bin = "kubectl-secure"
				}
			}
		}, `bin is "kubectl-secure", want "kubectl-secure.exe"`},
		{"platform dropped", func(p *krewPlugin) { p.Spec.Platforms = p.Spec.Platforms[1:] }, "no krew platform for the released"},
		{"platform not released", func(p *krewPlugin) {
			p.Spec.Platforms[0].Selector.MatchLabels["arch"] = "386"
		}, "builds no archive"},
		{"placeholder sha", func(p *krewPlugin) { p.Spec.Platforms[0].Sha256 = "TODO" }, "not 64 lower-case hex"},
		{"version without v", func(p *krewPlugin) { p.Spec.Version = "1.2.3" }, "spec.version"},
		{"files miss the binary", func(p *krewPlugin) {
			p.Spec.Platforms[0].Files = p.Spec.Platforms[0].Files[1:]
		}, "does not copy the binary"},
		{"wrong kind", func(p *krewPlugin) { p.Kind = "Plugins" }, "kind is"},
		{"no caveats", func(p *krewPlugin) { p.Spec.Caveats = "" }, "spec.caveats is empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodeKrew(rendered)
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(p)
			probs := krewProblems(p, releaseFactsFor(c, tag))
			if tc.want == "" {
				if len(probs) > 0 {
					t.Fatalf("unexpected problems: %q", probs)
				}
				return
			}
			for _, prob := range probs {
				if strings.Contains(prob, tc.want) {
					return
				}
			}
			t.Fatalf("no problem mentions %q; got %q", tc.want, probs)
		})
	}

	t.Run("misspelt field", func(t *testing.T) {
		bad := strings.Replace(string(rendered), "    bin: ", "    binary: ", 1)
		if _, err := decodeKrew([]byte(bad)); err == nil || !strings.Contains(err.Error(), "binary") {
			t.Fatalf("strict decode accepted an unknown field: %v", err)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sameSet(a, b []platform) bool {
	set := func(ps []platform) map[platform]int {
		m := map[platform]int{}
		for _, p := range ps {
			m[p]++
		}
		return m
	}
	return reflect.DeepEqual(set(a), set(b))
}
