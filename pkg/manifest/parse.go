package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest/internal/blockyaml"
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
	// NoFastPath sends every file straight to yaml.v3, bypassing the block-YAML splitter,
	// validator, builder and CRD skimmer (internal/blockyaml): slower, and CRDs are read
	// whole, but what it reads is the reference the fast path must equal. For triage of a
	// parse bug (KUBECTL_SECURE_NO_FASTPATH=1 on the command line).
	NoFastPath bool
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

// Result is what parsing one file yields: its objects, at most one error that stopped the
// parse, and the errors of documents that were still read. Objects of the documents before
// a syntax error are kept; a bad document never hides the good ones. A document kubectl
// reads differently from what it says (a duplicate key, a wrong type) yields an error in
// Errs and its objects as the API server would receive them, so their findings show too.
type Result struct {
	Objects []*Object
	Err     *finding.InputError
	Errs    []finding.InputError
}

// All returns every error of the result, in file order.
func (r Result) All() []finding.InputError {
	out := append([]finding.InputError(nil), r.Errs...)
	if r.Err != nil {
		out = append(out, *r.Err)
	}
	return out
}

// Parse decodes a YAML or JSON stream. Documents that are not Kubernetes objects (no kind or
// apiVersion: Helm values, empty documents) are skipped without noise; a `kind: List` is
// expanded into its items as kubectl does.
func Parse(file string, data []byte, lim Limits) Result {
	var res Result
	docs, err := ParseDocuments(file, data, lim)
	for _, d := range docs {
		res.Errs = append(res.Errs, d.Errs...)
		res.Objects, res.Errs = appendObjects(res.Objects, res.Errs, file, d.Index, d.Root)
	}
	if line, text := badSeparator(data); line > 0 {
		res.Errs = append([]finding.InputError{{File: file, Line: line, Message: fmt.Sprintf(
			"%q: kubectl splits documents at lines that are \"---\" alone (or with a comment) and refuses text after it", text)}}, res.Errs...)
		sort.SliceStable(res.Errs, func(i, j int) bool { return res.Errs[i].Line < res.Errs[j].Line })
	}
	res.Err = err
	return res
}

// badSeparator finds the first line that starts with "---" followed by text other than a
// comment: kubectl's document reader refuses the stream there ("invalid Yaml document
// separator"), whatever YAML makes of it ("---apiVersion: v1" is a key, "--- x" a value).
func badSeparator(data []byte) (line int, text string) {
	for off := 0; ; {
		if bytes.HasPrefix(data[off:], []byte("---")) {
			end := bytes.IndexByte(data[off:], '\n')
			if end < 0 {
				end = len(data) - off
			}
			rest := bytes.TrimSpace(data[off+3 : off+end])
			if len(rest) > 0 && rest[0] != '#' {
				return 1 + bytes.Count(data[:off], []byte("\n")), string(bytes.TrimSpace(data[off : off+end]))
			}
		}
		i := bytes.Index(data[off:], []byte("\n---"))
		if i < 0 {
			return 0, ""
		}
		off += i + 1
	}
}

// Document is one document of a stream: its 0-based index and its root node (never nil;
// empty documents are left out). Root is normalised to what the API server receives (see
// normalize); Errs are the problems found doing so.
type Document struct {
	Index int
	Root  *yaml.Node
	Errs  []finding.InputError
	// Duplicate is the first duplicate key of the document (also in Errs), or nil:
	// kustomize refuses such a document where plain kubectl reads its last value.
	Duplicate *finding.InputError
}

// newDocument normalises root and makes its document.
func newDocument(file string, index int, root *yaml.Node) Document {
	errs, dup := normalize(file, root)
	d := Document{Index: index, Root: root, Errs: errs}
	if dup >= 0 {
		d.Duplicate = &errs[dup]
	}
	return d
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
	if n := len(data); n > 0 && data[n-1] != '\n' && data[n-1] != '\r' {
		// go-yaml v2, which kubectl reads with, ends the last line with a break when the
		// file does not (a block scalar at the end then keeps its final newline); yaml.v3
		// does not. A copy of such a file with the break reads as kubectl reads it.
		orig := data
		data = append(data[:n:n], '\n')
		docs, err := parseData(file, data, lim, tooDeep)
		// Positions stay within the file as written.
		clampToEnd(docs, orig, 0)
		last := bytes.Count(orig, []byte("\n")) + 1
		if err != nil && err.Line > last {
			err.Line = last
		}
		for i := range docs {
			for j := range docs[i].Errs {
				if e := &docs[i].Errs[j]; e.Line > last {
					e.Line = last
				}
			}
		}
		return docs, err
	}
	return parseData(file, data, lim, tooDeep)
}

func parseData(file string, data []byte, lim Limits, tooDeep func(text []byte, firstLine int) *finding.InputError) ([]Document, *finding.InputError) {
	if !lim.NoFastPath {
		if segs := blockyaml.Split(data); segs != nil {
			if docs, err, ok := parseSegments(file, segs, lim, tooDeep); ok {
				return docs, err
			}
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
		docs = append(docs, newDocument(file, doc, root))
	}
}

// parseSegments parses a stream one document at a time, and gives every node its
// file-absolute line. Documents in the block-YAML subset that blockyaml.Valid accepts are
// built directly (blockyaml.Build), those of blockyaml's skimmed kinds without their spec and status; the
// others, and any the builder declines, are decoded by yaml.v3. ok is false when the stream
// must be parsed whole instead: on a syntax error, whose line yaml.v3 reports relative to
// the segment and leaves out on a segment's first line, and when yaml.v3 finds a document
// boundary that blockyaml.Split did not (a marker after a lone CR).
//
// tooDeep, when not nil, checks the text of each document yaml.v3 is to decode (whose first
// line is firstLine+1 of the file); an error from it fails the whole file, without documents.
func parseSegments(file string, segs []blockyaml.Segment, lim Limits, tooDeep func(text []byte, firstLine int) *finding.InputError) (docs []Document, _ *finding.InputError, ok bool) {
	fail := func(line int, format string, args ...any) ([]Document, *finding.InputError, bool) {
		return docs, &finding.InputError{File: file, Line: line, Message: fmt.Sprintf(format, args...)}, true
	}
	for i, seg := range segs {
		if lim.MaxDocuments > 0 && i >= lim.MaxDocuments {
			return fail(0, "more than %d documents in one stream", lim.MaxDocuments)
		}
		valid := blockyaml.Valid(seg.Text)
		skim := valid && blockyaml.Skimmable(seg.Text)
		root, st, err := segmentRoot(file, seg, lim, tooDeep, valid, skim)
		var doc Document
		if st == segOK && root != nil {
			doc = newDocument(file, i, root)
			if skim && !blockyaml.SkimmedRoot(root) {
				// The kind the API server reads is not the one blockyaml.Skimmable saw (a second
				// kind key): the document is read whole.
				root, st, err = segmentRoot(file, seg, lim, tooDeep, valid, false)
				if st == segOK && root != nil {
					doc = newDocument(file, i, root)
				}
			}
		}
		switch st {
		case segWhole:
			return nil, nil, false
		case segFailed:
			return docs, err, true
		case segFatal:
			return nil, err, true
		}
		if root != nil {
			docs = append(docs, doc)
		}
	}
	if n := len(segs); n > 0 {
		clampToEnd(docs, segs[n-1].Text, segs[n-1].StartLine)
	}
	return docs, nil, true
}

type segStatus int

const (
	segOK     segStatus = iota
	segWhole            // the stream must be parsed whole
	segFailed           // an error after the documents read so far
	segFatal            // an error that fails the whole file
)

// segmentRoot parses one segment; root is nil for a document without content.
func segmentRoot(file string, seg blockyaml.Segment, lim Limits, tooDeep func(text []byte, firstLine int) *finding.InputError, valid, skim bool) (*yaml.Node, segStatus, *finding.InputError) {
	text := seg.Text
	if valid {
		if root, built := blockyaml.Build(text, seg.StartLine, skim); built {
			return root, segOK, nil
		}
		if skim {
			text = blockyaml.WithoutFields(text)
		}
	}
	if tooDeep != nil {
		if err := tooDeep(seg.Text, seg.StartLine); err != nil {
			return nil, segFatal, err
		}
	}
	var n yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(text))
	err := dec.Decode(&n)
	if errors.Is(err, io.EOF) {
		return nil, segOK, nil
	}
	if err != nil {
		return nil, segWhole, nil
	}
	// The segment must hold one document: text after it is an error, and a second
	// document means the split was wrong.
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, segWhole, nil
	}
	lines := newLineMap(text)
	if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
		return nil, segOK, nil
	}
	lines.apply(&n)
	shiftLines(&n, seg.StartLine)
	root := n.Content[0]
	if alias := firstAlias(root); lim.MaxAliasExpansion > 0 && alias != nil {
		if expanded(root, lim.MaxAliasExpansion) > lim.MaxAliasExpansion {
			return nil, segFailed, &finding.InputError{File: file, Line: alias.Line, Message: fmt.Sprintf("document expands to more than %d nodes through YAML aliases", lim.MaxAliasExpansion)}
		}
	}
	return root, segOK, nil
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

// maxListDepth bounds lists nested in list items.
const maxListDepth = 16

// appendObjects appends the objects of a document's root, and errors for what kubectl
// refuses in them. Any object with a top-level items field is a list to kubectl, whatever
// its kind: its items are applied, not the list; an item without kind and apiVersion takes
// the list's apiVersion and its kind less "List", as kubectl's decoder does.
func appendObjects(out []*Object, errs []finding.InputError, file string, doc int, root *yaml.Node) ([]*Object, []finding.InputError) {
	return appendObject(out, errs, file, doc, root, finding.ObjectRef{}, 0)
}

func appendObject(out []*Object, errs []finding.InputError, file string, doc int, root *yaml.Node, list finding.ObjectRef, depth int) ([]*Object, []finding.InputError) {
	root = fieldpath.Deref(root)
	fail := func(n *yaml.Node, format string, args ...any) []finding.InputError {
		return append(errs, finding.InputError{File: file, Line: n.Line, Message: fmt.Sprintf(format, args...)})
	}
	if root == nil || root.Kind != yaml.MappingNode {
		if depth > 0 && root != nil && !(root.Kind == yaml.ScalarNode && root.Tag == "!!null") {
			errs = fail(root, "an item of a list must be an object; kubectl refuses the list")
		}
		return out, errs
	}
	ref := RefOf(root)
	if depth > 0 && ref.Kind == "" && ref.APIVersion == "" {
		ref.APIVersion, ref.Kind = list.APIVersion, strings.TrimSuffix(list.Kind, "List")
	}
	if ref.Kind == "" || ref.APIVersion == "" {
		if depth > 0 || (ref.Kind != "" || ref.APIVersion != "") && fieldpath.MapGet(root, "metadata") != nil {
			missing := "apiVersion"
			if ref.Kind == "" {
				missing = "kind"
			}
			errs = fail(root, "an object without %s; kubectl refuses it", missing)
		}
		return out, errs
	}
	if _, items := fieldpath.MapEntry(root, "items"); items != nil {
		switch {
		case items.Kind == yaml.SequenceNode:
			if depth >= maxListDepth {
				return out, fail(items, "lists nested deeper than %d levels", maxListDepth)
			}
			for _, item := range items.Content {
				out, errs = appendObject(out, errs, file, doc, item, ref, depth+1)
			}
		case items.Kind == yaml.ScalarNode && items.Tag == "!!null":
		default:
			errs = fail(items, "items must be a list: kubectl reads an object with items as a list of objects and refuses this")
		}
		return out, errs
	}
	errs = shapeErrors(errs, file, ref, root)
	return append(out, &Object{Ref: ref, File: file, Doc: doc, Root: root}), errs
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
