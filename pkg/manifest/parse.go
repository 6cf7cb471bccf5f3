package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Limits bound what one file may cost. Input is often written by strangers (pull requests,
// vendored charts); a file beyond a limit is refused with a located error, never an OOM.
type Limits struct {
	MaxFileBytes int64 // larger files are refused before they are read
	MaxDepth     int   // flow and block nesting
	MaxDocuments int   // documents in one stream
	// MaxAliasExpansion bounds how many nodes a document may stand for once its aliases are
	// expanded, so that walking it stays linear in its size ("billion laughs").
	MaxAliasExpansion int
	// MaxLineBytes bounds one line; minified blobs longer than this are not manifests a
	// person edits, and unbounded lines make every later step (messages, diffs) unbounded.
	MaxLineBytes int
	// MaxBuildTime bounds one Kustomize build (0: no bound). kustomize's library cannot be
	// cancelled, so a build past it is reported as an error and abandoned. It guards
	// against a build that never ends, not a slow one: wall time on a loaded shared runner
	// is many times the CPU time (a large corpus build took over 60 s on a 2-core machine
	// shared by eight jobs), so the default is generous.
	MaxBuildTime time.Duration
	// LoadOutsideRoot is --load-restrictor none: a Kustomize build may read files outside
	// its kustomization's directory (kustomize's LoadRestrictionsNone). Off by default: a
	// pull request could then make the build read any file of the CI machine.
	LoadOutsideRoot bool
}

// DefaultLimits are generous for real manifests (the largest CRD bundles are a few MB,
// nest fewer than 60 levels) and tight enough that hostile input fails fast.
var DefaultLimits = Limits{
	MaxFileBytes:      64 << 20,
	MaxDepth:          500,
	MaxDocuments:      100000,
	MaxAliasExpansion: 1000000,
	MaxLineBytes:      8 << 20,
	MaxBuildTime:      5 * time.Minute,
}

// Result is what parsing one file yields: its objects and at most one error. Objects of the
// documents before a syntax error are kept; a bad document never hides the good ones.
type Result struct {
	Objects []*Object
	Err     *finding.InputError
}

// Parse decodes a YAML or JSON stream. Documents that are not Kubernetes objects (no kind or
// apiVersion: Helm values, empty documents) are skipped without noise; a `kind: List` is
// expanded into its items as kubectl does.
func Parse(file string, data []byte, lim Limits) Result {
	var res Result
	docs, err := ParseDocuments(file, data, lim)
	for _, d := range docs {
		res.Objects = appendObjects(res.Objects, file, d.Index, d.Root)
	}
	res.Err = err
	return res
}

// Document is one document of a stream: its 0-based index and its root node (never nil;
// empty documents are left out).
type Document struct {
	Index int
	Root  *yaml.Node
}

// ParseDocuments decodes every document of a stream within the limits, whatever it holds.
// Kustomize patches and kustomization files are read with it: they are YAML but not
// Kubernetes objects. The documents before an error are returned with it.
func ParseDocuments(file string, data []byte, lim Limits) ([]Document, *finding.InputError) {
	var docs []Document
	fail := func(line int, format string, args ...any) ([]Document, *finding.InputError) {
		return docs, &finding.InputError{File: file, Line: line, Message: fmt.Sprintf(format, args...)}
	}
	if lim.MaxFileBytes > 0 && int64(len(data)) > lim.MaxFileBytes {
		return fail(0, "file is %d bytes, over the %d-byte limit", len(data), lim.MaxFileBytes)
	}
	if looksBinary(data) {
		return fail(0, "not a text file (binary content)")
	}
	if lim.MaxDocuments > 0 && bytes.Count(data, []byte("\n---")) >= lim.MaxDocuments {
		// Counted before parsing, so a stream of a million tiny documents is refused at once.
		return fail(0, "more than %d documents in one stream", lim.MaxDocuments)
	}
	if line := longLine(data, lim.MaxLineBytes); line > 0 {
		return fail(line, "line longer than %d bytes", lim.MaxLineBytes)
	}
	// yaml.v3 composes flow collections recursively, so text bound for it is first checked
	// for deep nesting. Documents the builder takes need no such check (it bounds its own
	// depth), and scanning every byte of every large file for brackets was a tenth of the
	// parsing time.
	tooDeep := func(text []byte, firstLine int) *finding.InputError {
		if line, depth := nestingDepth(text, lim.MaxDepth); depth > lim.MaxDepth {
			return &finding.InputError{File: file, Line: firstLine + line, Message: fmt.Sprintf("nesting deeper than %d levels", lim.MaxDepth)}
		}
		return nil
	}
	if segs := splitDocuments(data); segs != nil {
		if docs, err, ok := parseSegments(file, segs, lim, tooDeep); ok {
			return docs, err
		}
	}
	if err := tooDeep(data, 0); err != nil {
		return nil, err
	}
	return parseStream(file, data, lim)
}

// parseStream decodes the whole stream with one decoder, which gives file-absolute lines.
func parseStream(file string, data []byte, lim Limits) ([]Document, *finding.InputError) {
	var docs []Document
	fail := func(line int, format string, args ...any) ([]Document, *finding.InputError) {
		return docs, &finding.InputError{File: file, Line: line, Message: fmt.Sprintf(format, args...)}
	}
	lines := newLineMap(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for doc := 0; ; doc++ {
		if lim.MaxDocuments > 0 && doc >= lim.MaxDocuments {
			return fail(0, "more than %d documents in one stream", lim.MaxDocuments)
		}
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			clampToEnd(docs, data, 0)
			return docs, nil
		}
		if err != nil {
			line, msg := splitYAMLError(err)
			return fail(lines.lineOf(line), "invalid YAML: %s", msg)
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		root := n.Content[0]
		lines.apply(root)
		if alias := firstAlias(root); lim.MaxAliasExpansion > 0 && alias != nil {
			if expanded(root, lim.MaxAliasExpansion) > lim.MaxAliasExpansion {
				return fail(alias.Line, "document expands to more than %d nodes through YAML aliases", lim.MaxAliasExpansion)
			}
		}
		docs = append(docs, Document{Index: doc, Root: root})
	}
}

// parseSegments parses a stream one document at a time, and gives every node its
// file-absolute line. Documents in the block-YAML subset that validBlockYAML accepts are
// built directly (buildBlockYAML), those of skimmedKinds without their spec and status; the
// others, and any the builder declines, are decoded by yaml.v3. ok is false when the stream
// must be parsed whole instead: on a syntax error, whose line yaml.v3 reports relative to
// the segment and leaves out on a segment's first line, and when yaml.v3 finds a document
// boundary that splitDocuments did not (a marker after a lone CR).
//
// tooDeep, when not nil, checks the text of each document yaml.v3 is to decode (whose first
// line is firstLine+1 of the file); an error from it fails the whole file, without documents.
func parseSegments(file string, segs []segment, lim Limits, tooDeep func(text []byte, firstLine int) *finding.InputError) (docs []Document, _ *finding.InputError, ok bool) {
	fail := func(line int, format string, args ...any) ([]Document, *finding.InputError, bool) {
		return docs, &finding.InputError{File: file, Line: line, Message: fmt.Sprintf(format, args...)}, true
	}
	for i, seg := range segs {
		if lim.MaxDocuments > 0 && i >= lim.MaxDocuments {
			return fail(0, "more than %d documents in one stream", lim.MaxDocuments)
		}
		text := seg.text
		if validBlockYAML(text) {
			skim := skimmable(text)
			if root, built := buildBlockYAML(text, seg.startLine, skim); built {
				if root != nil {
					docs = append(docs, Document{Index: i, Root: root})
				}
				continue
			}
			if skim {
				text = withoutFields(text)
			}
		}
		if tooDeep != nil {
			if err := tooDeep(seg.text, seg.startLine); err != nil {
				return nil, err, true
			}
		}
		var n yaml.Node
		dec := yaml.NewDecoder(bytes.NewReader(text))
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			continue
		}
		if err != nil {
			return nil, nil, false
		}
		// The segment must hold one document: text after it is an error, and a second
		// document means the split was wrong.
		var extra yaml.Node
		if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
			return nil, nil, false
		}
		lines := newLineMap(text)
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		lines.apply(&n)
		shiftLines(&n, seg.startLine)
		root := n.Content[0]
		if alias := firstAlias(root); lim.MaxAliasExpansion > 0 && alias != nil {
			if expanded(root, lim.MaxAliasExpansion) > lim.MaxAliasExpansion {
				return fail(alias.Line, "document expands to more than %d nodes through YAML aliases", lim.MaxAliasExpansion)
			}
		}
		docs = append(docs, Document{Index: i, Root: root})
	}
	if n := len(segs); n > 0 {
		clampToEnd(docs, segs[n-1].text, segs[n-1].startLine)
	}
	return docs, nil, true
}

// shiftLines moves a document parsed on its own to its place in the file.
func shiftLines(n *yaml.Node, by int) {
	if by == 0 {
		return
	}
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

func appendObjects(out []*Object, file string, doc int, root *yaml.Node) []*Object {
	root = fieldpath.Deref(root)
	if root == nil || root.Kind != yaml.MappingNode {
		return out
	}
	ref := RefOf(root)
	if ref.Kind == "" || ref.APIVersion == "" {
		return out
	}
	if ref.Kind == "List" || strings.HasSuffix(ref.Kind, "List") && fieldpath.MapGet(root, "items") != nil {
		for _, item := range fieldpath.Items(fieldpath.MapGet(root, "items")) {
			out = appendObjects(out, file, doc, item)
		}
		return out
	}
	return append(out, &Object{Ref: ref, File: file, Doc: doc, Root: root})
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// splitYAMLError pulls the line number out of yaml.v3's "yaml: line N: msg" errors.
func splitYAMLError(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// longLine returns the 1-based number of the first line longer than max bytes, or 0.
func longLine(data []byte, max int) int {
	if max <= 0 || len(data) <= max {
		return 0
	}
	for line := 1; len(data) > 0; line++ {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			i = len(data)
		}
		if i > max {
			return line
		}
		if i == len(data) {
			break
		}
		data = data[i+1:]
	}
	return 0
}

// looksBinary reports NUL bytes or invalid UTF-8 in the first block, which YAML cannot be.
func looksBinary(data []byte) bool {
	head := data
	if len(head) > 8000 {
		head = head[:8000]
		// Do not cut a multi-byte rune in half.
		for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1]
		}
	}
	return bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head)
}

// nestingDepth scans for flow-collection nesting ([ and {), which yaml.v3 composes
// recursively: a few megabytes of "[[[[" would otherwise exhaust the stack. Brackets inside
// quotes and comments are ignored. It stops as soon as the limit is passed and returns the
// line there.
func nestingDepth(data []byte, limit int) (line, depth int) {
	// Nesting can't pass the limit with fewer opening brackets than that; counting them is
	// vectorised and spares most files the byte-by-byte scan.
	if bytes.Count(data, []byte{'['})+bytes.Count(data, []byte{'{'}) <= limit {
		return 0, 0
	}
	line = 1
	var quote byte
	comment := false
	maxDepth := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
			comment = false
			if quote == 0 {
				continue
			}
		}
		if comment {
			continue
		}
		if quote != 0 {
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '#':
			if i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n' {
				comment = true
			}
		case '"', '\'':
			// A quote only opens a string at the start of a scalar, not inside a word (it's).
			if i == 0 || strings.IndexByte(" \t\n[{,:-", data[i-1]) >= 0 {
				quote = c
			}
		case '[', '{':
			depth++
			if depth > maxDepth {
				maxDepth = depth
				if maxDepth > limit {
					return line, maxDepth
				}
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return line, maxDepth
}

// firstAlias returns the first alias node in document order, where an error about
// aliasing is best located.
func firstAlias(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode {
		return n
	}
	for _, c := range n.Content {
		if a := firstAlias(c); a != nil {
			return a
		}
	}
	return nil
}

// expanded counts the nodes n stands for with aliases expanded, memoised per node so the
// count itself stays linear, and stops early once limit is passed.
func expanded(n *yaml.Node, limit int) int {
	memo := map[*yaml.Node]int{}
	var size func(*yaml.Node, int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil || depth > 10000 {
			return limit + 1
		}
		if v, ok := memo[n]; ok {
			return v
		}
		memo[n] = limit + 1 // an alias cycle counts as unbounded
		total := 1
		if n.Kind == yaml.AliasNode {
			total = size(n.Alias, depth+1)
		} else {
			for _, c := range n.Content {
				total += size(c, depth+1)
				if total > limit {
					break
				}
			}
		}
		memo[n] = total
		return total
	}
	return size(n, 0)
}
