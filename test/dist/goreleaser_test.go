package dist

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
	"gopkg.in/yaml.v3"
)

// releaseTestEnv opts in to TestGoreleaserRelease: cross-compiling release binaries
// takes minutes, so it does not run on every `go test ./...`.
const releaseTestEnv = "KUBECTL_SECURE_RELEASE_TEST"

// TestGoreleaserRelease runs goreleaser itself: `goreleaser check` on .goreleaser.yaml,
// then a snapshot release of a copy of the tree, and checks what a user downloads: the
// archive names krew.yaml points at, their checksums, what each archive holds, and that
// the linux/amd64 binary reports the version goreleaser injected.
//
// KUBECTL_SECURE_RELEASE_TEST=1 builds linux/amd64 and windows/amd64 (a tar.gz and a zip,
// the two archive kinds); =full builds the whole release matrix.
func TestGoreleaserRelease(t *testing.T) {
	mode := os.Getenv(releaseTestEnv)
	if mode == "" {
		t.Skipf("set %s=1 (or =full for every platform) to run goreleaser; it cross-compiles release builds", releaseTestEnv)
	}
	goreleaser := testenv.Tool(t, "goreleaser", "go install github.com/goreleaser/goreleaser/v2@v2.15.0")
	c := loadGoreleaser(t)
	src, commit := snapshotRepo(t)
	env := []string{"GOTOOLCHAIN=local"}
	mustRun(t, time.Minute, src, env, goreleaser, "check")

	config := filepath.Join(src, ".goreleaser.yaml")
	want := c.Platforms()
	if mode != "full" {
		want = []platform{{"linux", "amd64"}, {"windows", "amd64"}}
		config = restrictTargets(t, config, want)
	}
	out := mustRun(t, 15*time.Minute, src, env, goreleaser, "release", "--snapshot", "--clean", "--skip=publish", "--config", config)
	t.Logf("goreleaser release --snapshot:\n%s", out)

	dist := filepath.Join(src, "dist")
	var meta struct {
		Version string `json:"version"`
		Tag     string `json:"tag"`
		Commit  string `json:"commit"`
	}
	readJSON(t, filepath.Join(dist, "metadata.json"), &meta)
	if meta.Commit != commit {
		t.Errorf("metadata.json commit %q, want %q", meta.Commit, commit)
	}
	var artifacts []struct {
		Name   string `json:"name"`
		Path   string `json:"path"`
		Type   string `json:"type"`
		Goos   string `json:"goos"`
		Goarch string `json:"goarch"`
	}
	readJSON(t, filepath.Join(dist, "artifacts.json"), &artifacts)
	archives := map[platform]string{} // platform -> path
	for _, a := range artifacts {
		if a.Type == "Archive" {
			archives[platform{a.Goos, a.Goarch}] = filepath.Join(src, a.Path)
		}
	}
	var gotPlatforms []platform
	for p := range archives {
		gotPlatforms = append(gotPlatforms, p)
	}
	if !sameSet(gotPlatforms, want) {
		t.Fatalf("archives for %v, want %v", gotPlatforms, want)
	}

	// The names this test and krew.yaml predict are the names goreleaser produced.
	for p, path := range archives {
		name, err := c.ArchiveName(p, meta.Version)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(path) != name {
			t.Errorf("%s archive %q, want %q", p, filepath.Base(path), name)
		}
	}

	// Render krew.yaml as the release bot would for this version, with the real checksums.
	sums := readChecksums(t, filepath.Join(dist, c.Checksum.NameTemplate))
	tag := "v" + meta.Version
	rendered, err := renderKrew(readFile(t, "krew.yaml"), tag, func(uri string) (string, error) {
		name := uri[strings.LastIndex(uri, "/")+1:]
		for p, path := range archives {
			if filepath.Base(path) == name {
				sum := fileSha256(t, path)
				if sums[name] != sum {
					return "", fmt.Errorf("%s: checksums.txt says %q, file is %q", p, sums[name], sum)
				}
				return sum, nil
			}
		}
		// A platform this run did not build: krew.yaml is still checked against its name.
		return fakeSha256(uri)
	})
	if err != nil {
		t.Fatal(err)
	}
	plugin, err := decodeKrew(rendered)
	if err != nil {
		t.Fatal(err)
	}
	facts := releaseFactsFor(c, tag)
	for _, prob := range krewProblems(plugin, facts) {
		t.Error(prob)
	}
	released := 0
	for _, pl := range plugin.Spec.Platforms {
		p := platform{pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]}
		if path, ok := archives[p]; ok {
			released++
			if !strings.HasSuffix(pl.URI, "/"+filepath.Base(path)) {
				t.Errorf("krew %s uri %q is not the released %q", p, pl.URI, filepath.Base(path))
			}
		}
	}
	if released != len(archives) {
		t.Errorf("krew.yaml names %d of the %d archives built", released, len(archives))
	}

	// Each archive holds the binary, LICENSE and README.md at its root: krew's files and
	// bin refer to them there.
	for p, path := range archives {
		entries := archiveEntries(t, path)
		for _, f := range append(c.BinaryNames(p), c.Archives[0].Files...) {
			if _, ok := entries[f]; !ok {
				t.Errorf("%s: %s lacks %s (has %v)", p, filepath.Base(path), f, keys(entries))
			}
		}
	}

	// The binary a linux/amd64 user unpacks reports the version goreleaser injected.
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Logf("not on linux/amd64: not running the released binary")
		return
	}
	bin := filepath.Join(t.TempDir(), c.BinaryName(platform{"linux", "amd64"}))
	extractFile(t, archives[platform{"linux", "amd64"}], filepath.Base(bin), bin)
	text := mustRun(t, time.Minute, ".", nil, bin, "version")
	if !strings.Contains(text, "kubectl-secure "+meta.Version+" (commit "+commit) {
		t.Errorf("version output %q lacks version %q and commit %q", text, meta.Version, commit)
	}
	var info struct {
		Version, Commit, Date, Platform string
	}
	if err := json.Unmarshal([]byte(mustRun(t, time.Minute, ".", nil, bin, "version", "-o", "json")), &info); err != nil {
		t.Fatal(err)
	}
	if info.Version != meta.Version || info.Commit != commit || info.Platform != "linux/amd64" {
		t.Errorf("version -o json: %+v, want version %q commit %q on linux/amd64", info, meta.Version, commit)
	}
	if _, err := time.Parse(time.RFC3339, info.Date); err != nil {
		t.Errorf("version date %q: %v", info.Date, err)
	}
}

// restrictTargets writes a copy of the goreleaser config that builds only the given
// platforms, and returns its path; everything else (names, files, flags) is unchanged.
func restrictTargets(t *testing.T, config string, platforms []platform) string {
	t.Helper()
	data, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, p := range platforms {
		target := p.OS + "_" + p.Arch
		if p.Arch == "amd64" {
			target += "_v1" // goreleaser's default GOAMD64
		}
		targets = append(targets, target)
	}
	builds, _ := doc["builds"].([]any)
	for _, b := range builds {
		m := b.(map[string]any)
		delete(m, "goos")
		delete(m, "goarch")
		delete(m, "ignore")
		m["targets"] = targets
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "goreleaser-targets.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readChecksums parses a sha256sum-style file: "<hex>  <name>" per line.
func readChecksums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("%s: malformed line %q", path, sc.Text())
		}
		sums[fields[1]] = fields[0]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sums
}

func fileSha256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// archiveEntries lists the regular files of a .tar.gz or .zip by name.
func archiveEntries(t *testing.T, path string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	walkArchive(t, path, func(name string, _ io.Reader) { names[name] = true })
	return names
}

func extractFile(t *testing.T, archive, name, dst string) {
	t.Helper()
	found := false
	walkArchive(t, archive, func(n string, r io.Reader) {
		if n != name {
			return
		}
		found = true
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, r); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	})
	if !found {
		t.Fatalf("%s has no %s", archive, name)
	}
}

func walkArchive(t *testing.T, path string, fn func(name string, r io.Reader)) {
	t.Helper()
	switch {
	case strings.HasSuffix(path, ".zip"):
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			fn(f.Name, rc)
			rc.Close()
		}
	case strings.HasSuffix(path, ".tar.gz"):
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if h.Typeflag == tar.TypeReg {
				fn(h.Name, tr)
			}
		}
	default:
		t.Fatalf("%s: not a .tar.gz or .zip", path)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
