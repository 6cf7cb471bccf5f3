package dist

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"gopkg.in/yaml.v3"
)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// goreleaserConfig is the part of .goreleaser.yaml these tests depend on. goreleaser
// itself validates the whole file (`goreleaser check`, in TestGoreleaserRelease).
type goreleaserConfig struct {
	Version     int    `yaml:"version"`
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ignore  []struct {
			Goos   string `yaml:"goos"`
			Goarch string `yaml:"goarch"`
		} `yaml:"ignore"`
	} `yaml:"builds"`
	Archives []struct {
		ID              string   `yaml:"id"`
		Formats         []string `yaml:"formats"`
		NameTemplate    string   `yaml:"name_template"`
		Files           []string `yaml:"files"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
}

func loadGoreleaser(t testing.TB) *goreleaserConfig {
	t.Helper()
	var c goreleaserConfig
	if err := yaml.Unmarshal(readFile(t, ".goreleaser.yaml"), &c); err != nil {
		t.Fatalf("parse .goreleaser.yaml: %v", err)
	}
	if len(c.Builds) != 2 || len(c.Archives) != 1 {
		t.Fatalf(".goreleaser.yaml: want two builds (kubectl-secure and kubectl-secure-full) and one archive, got %d and %d: these tests and krew.yaml assume one archive per platform", len(c.Builds), len(c.Archives))
	}
	return &c
}

// platform is one GOOS/GOARCH pair, written the way krew's selectors and goreleaser's
// archive names write them.
type platform struct{ OS, Arch string }

func (p platform) String() string { return p.OS + "/" + p.Arch }

// Platforms is the release matrix: goos × goarch less the ignored pairs.
func (c *goreleaserConfig) Platforms() []platform {
	b := c.Builds[0]
	var out []platform
	for _, goos := range b.Goos {
		for _, arch := range b.Goarch {
			ignored := false
			for _, ig := range b.Ignore {
				if (ig.Goos == "" || ig.Goos == goos) && (ig.Goarch == "" || ig.Goarch == arch) {
					ignored = true
				}
			}
			if !ignored {
				out = append(out, platform{goos, arch})
			}
		}
	}
	return out
}

// ArchiveName renders the archive file name goreleaser gives a platform's archive for a
// release whose version (the tag without its "v") is version.
func (c *goreleaserConfig) ArchiveName(p platform, version string) (string, error) {
	a := c.Archives[0]
	tmpl, err := template.New("name_template").Option("missingkey=error").Parse(a.NameTemplate)
	if err != nil {
		return "", fmt.Errorf("archives.name_template: %w", err)
	}
	var buf bytes.Buffer
	fields := map[string]any{
		"ProjectName": c.ProjectName, "Version": version, "Tag": "v" + version,
		"Os": p.OS, "Arch": p.Arch, "Binary": c.Builds[0].Binary,
	}
	if err := tmpl.Execute(&buf, fields); err != nil {
		return "", fmt.Errorf("archives.name_template: %w", err)
	}
	format := "tar.gz"
	if len(a.Formats) > 0 {
		format = a.Formats[0]
	}
	for _, o := range a.FormatOverrides {
		if o.Goos == p.OS && len(o.Formats) > 0 {
			format = o.Formats[0]
		}
	}
	return buf.String() + "." + format, nil
}

// BinaryName is the executable's name inside the archive: the one krew puts on PATH.
func (c *goreleaserConfig) BinaryName(p platform) string {
	return exeName(p, c.Builds[0].Binary)
}

// BinaryNames are all the executables inside the archive: kubectl-secure and the full
// binary it hands runs over to, which must sit beside it (pkg/addon).
func (c *goreleaserConfig) BinaryNames(p platform) []string {
	var names []string
	for _, b := range c.Builds {
		names = append(names, exeName(p, b.Binary))
	}
	return names
}

func exeName(p platform, binary string) string {
	if p.OS == "windows" {
		return binary + ".exe"
	}
	return binary
}

// krewPlugin mirrors krew's index.krew.dev v1alpha2 Plugin type. It is decoded strictly,
// as krew does, so a misspelt field is an error rather than a silently ignored key.
type krewPlugin struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Version          string         `yaml:"version"`
		ShortDescription string         `yaml:"shortDescription"`
		Description      string         `yaml:"description"`
		Caveats          string         `yaml:"caveats"`
		Homepage         string         `yaml:"homepage"`
		Platforms        []krewPlatform `yaml:"platforms"`
	} `yaml:"spec"`
}

type krewPlatform struct {
	Selector struct {
		MatchLabels      map[string]string `yaml:"matchLabels"`
		MatchExpressions []any             `yaml:"matchExpressions"`
	} `yaml:"selector"`
	URI    string `yaml:"uri"`
	Sha256 string `yaml:"sha256"`
	Files  []struct {
		From string `yaml:"from"`
		To   string `yaml:"to"`
	} `yaml:"files"`
	Bin string `yaml:"bin"`
}

// renderKrew renders a krew-release-bot template the way the bot does: a Go template over
// {TagName}, whose addURIAndSha(url, tag) renders url as a template over
// {TagName, Version} and emits `uri:` plus `sha256:` (indented for a platform entry).
// sha256Of stands in for the bot's download of the published archive.
func renderKrew(src []byte, tag string, sha256Of func(uri string) (string, error)) ([]byte, error) {
	funcs := template.FuncMap{
		"addURIAndSha": func(url, tag string) (string, error) {
			t, err := template.New("url").Option("missingkey=error").Parse(url)
			if err != nil {
				return "", err
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, map[string]string{"TagName": tag, "Version": strings.TrimPrefix(tag, "v")}); err != nil {
				return "", err
			}
			sum, err := sha256Of(buf.String())
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("uri: %s\n    sha256: %s", buf.String(), sum), nil
		},
	}
	t, err := template.New("krew.yaml").Funcs(funcs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("parse krew.yaml template: %w", err)
	}
	var out bytes.Buffer
	if err := t.Execute(&out, map[string]string{"TagName": tag}); err != nil {
		return nil, fmt.Errorf("render krew.yaml: %w", err)
	}
	return out.Bytes(), nil
}

// fakeSha256 gives each URI a distinct, well-formed checksum when no archive exists.
func fakeSha256(uri string) (string, error) {
	sum := sha256.Sum256([]byte(uri))
	return hex.EncodeToString(sum[:]), nil
}

func decodeKrew(data []byte) (*krewPlugin, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p krewPlugin
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("decode krew manifest: %w", err)
	}
	return &p, nil
}

var (
	// krew requires a semantic version with a leading v (pkg/index/validation).
	krewVersion = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	krewName    = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	sha256Hex   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// releaseFacts is what a krew manifest must agree with: the release it describes.
type releaseFacts struct {
	Tag          string
	Homepage     string
	Platforms    []platform
	ArchiveName  func(platform) (string, error)
	BinaryName   func(platform) string   // the binary krew links onto PATH
	BinaryNames  func(platform) []string // every binary in the archive
	ArchiveFiles []string                // extra files in every archive (LICENSE, README.md)
}

// krewProblems lists every way a rendered krew manifest is invalid for krew or disagrees
// with the release; no problems means `kubectl krew install` would find, download and
// install each platform's archive.
func krewProblems(p *krewPlugin, r releaseFacts) []string {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }

	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" {
		add("apiVersion is %q", p.APIVersion)
	}
	if p.Kind != "Plugin" {
		add("kind is %q", p.Kind)
	}
	if !krewName.MatchString(p.Metadata.Name) || strings.HasPrefix(p.Metadata.Name, "kubectl-") {
		add("metadata.name %q is not a valid plugin name", p.Metadata.Name)
	}
	if p.Spec.Version != r.Tag {
		add("spec.version is %q, want the tag %q", p.Spec.Version, r.Tag)
	}
	if !krewVersion.MatchString(p.Spec.Version) {
		add("spec.version %q is not a v-prefixed semantic version", p.Spec.Version)
	}
	if p.Spec.Homepage != r.Homepage {
		add("spec.homepage is %q, want %q", p.Spec.Homepage, r.Homepage)
	}
	for field, v := range map[string]string{"shortDescription": p.Spec.ShortDescription, "description": p.Spec.Description, "caveats": p.Spec.Caveats} {
		if strings.TrimSpace(v) == "" {
			add("spec.%s is empty", field)
		}
	}
	if strings.Contains(p.Spec.ShortDescription, "\n") {
		add("spec.shortDescription spans lines")
	}

	want := map[platform]bool{}
	for _, pl := range r.Platforms {
		want[pl] = true
	}
	seen := map[platform]bool{}
	for i, pl := range p.Spec.Platforms {
		labels := pl.Selector.MatchLabels
		got := platform{labels["os"], labels["arch"]}
		where := fmt.Sprintf("platforms[%d] (%s)", i, got)
		if len(labels) != 2 || got.OS == "" || got.Arch == "" || len(pl.Selector.MatchExpressions) > 0 {
			add("%s: selector must be matchLabels os and arch only, got %v", where, labels)
			continue
		}
		if seen[got] {
			add("%s: a second entry for the same platform", where)
		}
		seen[got] = true
		if !want[got] {
			add("%s: the release builds no archive for this platform", where)
			continue
		}
		archive, err := r.ArchiveName(got)
		if err != nil {
			add("%s: %v", where, err)
			continue
		}
		if wantURI := r.Homepage + "/releases/download/" + r.Tag + "/" + archive; pl.URI != wantURI {
			add("%s: uri is %q, want %q", where, pl.URI, wantURI)
		}
		if !sha256Hex.MatchString(pl.Sha256) {
			add("%s: sha256 %q is not 64 lower-case hex digits", where, pl.Sha256)
		}
		bin := r.BinaryName(got)
		if pl.Bin != bin {
			add("%s: bin is %q, want %q", where, pl.Bin, bin)
		}
		// krew copies only what `files` names (all of the archive when there is none);
		// each name must exist at the archive's root.
		inArchive := map[string]bool{}
		copied := map[string]bool{}
		for _, b := range r.BinaryNames(got) {
			inArchive[b] = true
			copied[b] = len(pl.Files) == 0
		}
		for _, f := range r.ArchiveFiles {
			inArchive[f] = true
		}
		for _, f := range pl.Files {
			for b := range copied {
				if ok, _ := path.Match(f.From, b); ok {
					copied[b] = true
				}
			}
			matched := false
			for name := range inArchive {
				if ok, _ := path.Match(f.From, name); ok {
					matched = true
				}
			}
			if !matched {
				add("%s: files.from %q matches nothing in the archive", where, f.From)
			}
		}
		for _, b := range r.BinaryNames(got) {
			if !copied[b] {
				add("%s: files does not copy the binary %q", where, b)
			}
		}
	}
	for _, pl := range r.Platforms {
		if !seen[pl] {
			add("no krew platform for the released %s archive", pl)
		}
	}
	return probs
}
