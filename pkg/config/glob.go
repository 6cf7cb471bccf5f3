package config

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// ValidGlob reports a pattern that path.Match would reject, so a typo in the config file is
// an error instead of a pattern that silently never matches.
func ValidGlob(pattern string) error {
	if strings.TrimSpace(pattern) == "" {
		return fmt.Errorf("empty pattern")
	}
	for _, seg := range strings.Split(pattern, "/") {
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("bad pattern %q: %w", pattern, err)
		}
	}
	return nil
}

// MatchPath reports whether the slash-separated path p, or one of the directories it is in,
// matches pattern. Segments match as in path.Match; a "**" segment matches any number of
// directories, none included. So "vendor", "vendor/**" and "**/testdata" each match every
// file below such a directory, and "**/*.gen.yaml" matches that name anywhere.
func MatchPath(pattern, p string) bool {
	pattern = strings.TrimPrefix(path.Clean(filepath.ToSlash(pattern)), "./")
	p = strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "./")
	pat := strings.Split(pattern, "/")
	segs := strings.Split(p, "/")
	// A pattern matching a leading part of the path matches a directory holding the file.
	for n := len(segs); n > 0; n-- {
		if matchSegments(pat, segs[:n]) {
			return true
		}
	}
	return false
}

func matchSegments(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			// Collapse repeated ** and try every split point.
			for len(pat) > 0 && pat[0] == "**" {
				pat = pat[1:]
			}
			if len(pat) == 0 {
				return true
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegments(pat, segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], segs[0]); !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// MatchAny reports whether any pattern matches p.
func MatchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		if MatchPath(pat, p) {
			return true
		}
	}
	return false
}

// Dir is the directory relative paths in the config are resolved against: the config file's
// directory, or "" when no file was read.
func (c *Config) Dir() string {
	if c == nil || c.Path == "" {
		return ""
	}
	return filepath.Dir(c.Path)
}

// MatchFile reports whether any pattern matches file, a path as the tool prints it
// (relative to the working directory, or absolute). Patterns are tried against file as
// printed and against file relative to the config file's directory, so a pattern written
// relative to the repository root works from any working directory.
func (c *Config) MatchFile(patterns []string, file string) bool {
	if len(patterns) == 0 {
		return false
	}
	for _, cand := range c.candidates(file) {
		if MatchAny(patterns, cand) {
			return true
		}
	}
	return false
}

func (c *Config) candidates(file string) []string {
	out := []string{file}
	dir := c.Dir()
	if dir == "" || file == "-" {
		return out
	}
	absDir, err1 := filepath.Abs(dir)
	absFile, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return out
	}
	rel, err := filepath.Rel(absDir, absFile)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return out
	}
	if filepath.ToSlash(rel) != filepath.ToSlash(path.Clean(file)) {
		out = append(out, rel)
	}
	return out
}
