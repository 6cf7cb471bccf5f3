// Package yamltest holds what the tests of pkg/manifest and of its block-YAML fast path
// compare against: yaml.v3's own reading of a text.
package yamltest

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// Accepts reports whether yaml.v3 decodes every document of text without error.
func Accepts(text []byte) bool {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// SameTree compares two node trees, everything but comments, which parsed manifests do not
// promise; it returns "" when they are the same, else the first difference (b against a).
func SameTree(a, b *yaml.Node) string {
	if a.Kind != b.Kind || a.Value != b.Value || a.Line != b.Line || a.Column != b.Column || len(a.Content) != len(b.Content) ||
		a.Tag != b.Tag || a.Style != b.Style || a.Anchor != b.Anchor || (a.Alias == nil) != (b.Alias == nil) {
		return fmt.Sprintf("node differs: %d %q %s %d at %d:%d, want %d %q %s %d at %d:%d",
			b.Kind, b.Value, b.Tag, b.Style, b.Line, b.Column, a.Kind, a.Value, a.Tag, a.Style, a.Line, a.Column)
	}
	for i := range a.Content {
		if d := SameTree(a.Content[i], b.Content[i]); d != "" {
			return d
		}
	}
	return ""
}
