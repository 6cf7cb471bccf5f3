package blockyaml

import (
	"gopkg.in/yaml.v3"

	"bytes"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
)

// Most bytes in real repositories are CustomResourceDefinition schemas, which no check
// reads. Building a yaml.v3 node tree for them costs most of a lint run's time and memory,
// so their documents are skimmed instead: a conservative line-based validator proves the
// text is YAML that yaml.v3 accepts, and only the small top-level part outside spec and
// status is parsed into nodes. When the validator is unsure it says no and the document takes
// the full path, which reports any syntax error with its line as before.

// skimmedKinds are the kinds whose spec and status are never read by a check.
var skimmedKinds = [][]byte{[]byte("CustomResourceDefinition")}

// skimmedFields are the top-level fields left out of a skimmed document's tree.
var skimmedFields = [][]byte{[]byte("spec"), []byte("status")}

// Segment is one document of a stream: its text without the marker line and the 0-based
// line of its first byte in the file.
type Segment struct {
	Text      []byte
	StartLine int
	counted   bool // whether yaml.v3 counts it as a document (see Split)
}

// Split cuts a stream at its `---` marker lines the way yaml.v3 counts documents:
// text before the first marker is a document only if it holds more than comments and
// blank lines; every marker starts one. It returns nil for streams it does not handle
// (directives, `...` end markers, content on a marker line), which take the full path.
func Split(data []byte) []Segment {
	var segs []Segment
	cur := Segment{counted: false}
	start, line := 0, 0
	for pos := 0; pos <= len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data) + 1
		if end < 0 {
			end = len(data)
		} else {
			end += pos
			next = end + 1
		}
		l := bytes.TrimRight(data[pos:end], "\r")
		switch {
		case len(l) > 0 && l[0] == '%':
			return nil
		case bytes.HasPrefix(l, []byte("...")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t'):
			return nil
		case bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t'):
			if rest := bytes.TrimLeft(l[3:], " \t"); len(rest) > 0 && rest[0] != '#' {
				return nil
			}
			cur.Text = data[start:pos]
			if cur.counted || hasContent(cur.Text) {
				cur.counted = true
				segs = append(segs, cur)
			}
			cur = Segment{StartLine: line + 1, counted: true}
			start = next
		}
		line++
		pos = next
	}
	if start <= len(data) {
		cur.Text = data[start:]
	} else {
		cur.Text = nil
	}
	if cur.counted || hasContent(cur.Text) {
		cur.counted = true
		segs = append(segs, cur)
	}
	return segs
}

// cutLine splits off the first line of text, without its newline.
func cutLine(text []byte) (line, rest []byte) {
	if i := bytes.IndexByte(text, '\n'); i >= 0 {
		return text[:i], text[i+1:]
	}
	return text, nil
}

// hasContent reports a line that is neither blank nor a comment.
func hasContent(text []byte) bool {
	for len(text) > 0 {
		var l []byte
		l, text = cutLine(text)
		l = bytes.TrimLeft(l, " \t\r")
		if len(l) > 0 && l[0] != '#' {
			return true
		}
	}
	return false
}

// Skimmable reports whether the document's top-level kind is one of skimmedKinds.
func Skimmable(text []byte) bool {
	for len(text) > 0 {
		var l []byte
		l, text = cutLine(text)
		if !bytes.HasPrefix(l, []byte("kind:")) {
			continue
		}
		v := bytes.TrimSpace(bytes.TrimRight(l[len("kind:"):], "\r"))
		if i := bytes.Index(v, []byte(" #")); i >= 0 {
			v = bytes.TrimSpace(v[:i])
		}
		for _, k := range skimmedKinds {
			if bytes.Equal(v, k) {
				return true
			}
		}
		return false
	}
	return false
}

// WithoutFields returns text with the lines of the values of skimmedFields blanked (the key
// lines kept with an empty value), so the rest parses with its own line numbers.
func WithoutFields(text []byte) []byte {
	out := make([]byte, 0, 1024)
	skipping := false
	for len(text) > 0 {
		l := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i+1], text[i+1:]
		} else {
			text = nil
		}
		if len(l) > 0 && l[0] != ' ' && l[0] != '\t' && l[0] != '#' && l[0] != '\n' && l[0] != '\r' {
			skipping = false
			if f := skimmedField(l); f > 0 {
				skipping = true
				out = append(out, l[:f]...)
				out = append(out, '\n')
				continue
			}
		}
		if skipping {
			out = append(out, '\n')
			continue
		}
		out = append(out, l...)
	}
	return out
}

// SkimmedRoot reports whether a document's normalised root has one of skimmedKinds: the
// kind the API server reads, which Skimmable guessed from the first kind line.
func SkimmedRoot(root *yaml.Node) bool {
	k, _ := fieldpath.Str(fieldpath.MapGet(root, "kind"))
	return SkimmedKind(k)
}

// SkimmedKind reports whether kind is one of skimmedKinds.
func SkimmedKind(k string) bool {
	for _, s := range skimmedKinds {
		if string(s) == k {
			return true
		}
	}
	return false
}
