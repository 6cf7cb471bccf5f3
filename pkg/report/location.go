package report

import (
	"net/url"
	"path/filepath"
	"strings"
)

// repoPath returns file as CI tools want it: forward slashes and relative to workDir, the
// directory the user ran in (in CI, the checkout). inside is false when the file cannot be
// named relative to workDir (an absolute path elsewhere, or ../ out of it); file is then
// returned absolute when workDir allows it, else cleaned as given.
func repoPath(file, workDir string) (p string, inside bool) {
	if file == "" || file == "-" {
		// stdin has no path; "-" is what the user typed and what the other formats print.
		return file, true
	}
	clean := filepath.Clean(file)
	if !filepath.IsAbs(clean) {
		if !escapes(clean) {
			return filepath.ToSlash(clean), true
		}
		if workDir == "" {
			return filepath.ToSlash(clean), false
		}
		clean = filepath.Join(workDir, clean)
	}
	if workDir != "" {
		if rel, err := filepath.Rel(workDir, clean); err == nil && !escapes(rel) {
			return filepath.ToSlash(rel), true
		}
	}
	return filepath.ToSlash(clean), false
}

func escapes(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// artifactURI is the SARIF artifactLocation of file: a relative URI reference resolved
// against %SRCROOT% when the file is under workDir, an absolute file URI otherwise. Either
// way it is percent-encoded, so no byte of a hostile file name reaches the URI raw.
func artifactURI(file, workDir string) (uri, baseID string) {
	p, inside := repoPath(file, workDir)
	if inside {
		// url.URL prefixes "./" when the first segment holds a colon, so it cannot be
		// mistaken for a scheme.
		return (&url.URL{Path: p}).String(), "%SRCROOT%"
	}
	if !strings.HasPrefix(p, "/") {
		if filepath.VolumeName(p) == "" {
			// A relative path leaving an unknown working directory: the best is as given.
			return (&url.URL{Path: p}).String(), "%SRCROOT%"
		}
		p = "/" + p // C:/x → file:///C:/x
	}
	return (&url.URL{Scheme: "file", Path: p}).String(), ""
}
