// Package fixtest holds what the tests of pkg/fix and its overlay writer share: the
// notation their case files write changes in, and copying a case's tree to a scratch
// directory.
package fixtest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// ParsePath reads the notation fieldpath.Path.String writes:
// spec.containers[name=app].securityContext, volumes[2], metadata.annotations."a.b/c".
func ParsePath(s string) (fieldpath.Path, error) {
	var p fieldpath.Path
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '.':
			i++
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", s)
			}
			inner := s[i+1 : i+j]
			if k, v, ok := strings.Cut(inner, "="); ok {
				p = append(p, fieldpath.Select(k, v))
			} else {
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("bad index %q in %q", inner, s)
				}
				p = append(p, fieldpath.Index(n))
			}
			i += j + 1
		case c == '"':
			q, err := strconv.QuotedPrefix(s[i:])
			if err != nil {
				return nil, fmt.Errorf("bad quoted key in %q: %v", s, err)
			}
			k, _ := strconv.Unquote(q)
			p = append(p, fieldpath.Key(k))
			i += len(q)
		default:
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			p = append(p, fieldpath.Key(s[i:j]))
			i = j
		}
	}
	return p, nil
}

// parseValue reads true/false, integers and (optionally quoted) strings.
func parseValue(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// ParseChange reads "set PATH VALUE", "append PATH VALUE" or "remove PATH".
func ParseChange(line string) (finding.Change, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return finding.Change{}, fmt.Errorf("bad change %q", line)
	}
	p, err := ParsePath(f[1])
	if err != nil {
		return finding.Change{}, err
	}
	ch := finding.Change{Path: p}
	switch f[0] {
	case "set":
		ch.Op = finding.Set
	case "append":
		ch.Op = finding.Append
	case "remove":
		ch.Op = finding.Remove
	default:
		return finding.Change{}, fmt.Errorf("unknown op %q", f[0])
	}
	if ch.Op != finding.Remove {
		if len(f) < 3 {
			return finding.Change{}, fmt.Errorf("%s needs a value: %q", f[0], line)
		}
		ch.Value = parseValue(strings.Join(f[2:], " "))
	}
	return ch, nil
}

// RemovesByIndex reports a change that removes a list element by index: applied again, the
// index names the next element, so a second run of such a fix is not a no-op.
func RemovesByIndex(changes []finding.Change) bool {
	for _, ch := range changes {
		if ch.Op == finding.Remove && ch.Path[len(ch.Path)-1].IsIndex {
			return true
		}
	}
	return false
}

// CopyTree copies the regular files and directories below src to dst.
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
