// Package load reads the inputs discover found — files, stdin and Kustomize builds — into
// objects, in parallel and in a deterministic order.
package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// Loaded is everything read from the inputs.
type Loaded struct {
	Objects []*manifest.Object
	Errors  []finding.InputError
	// Notes are what the user should know that is not an error: an optional Component
	// that was not built (discover.Input.Optional), and what was linted instead.
	Notes []finding.InputError
	// Files counts the distinct files read as input: every plain file (whatever it held,
	// even when it failed to load or was noted as not a manifest) and every file an object
	// of a Kustomize build comes from. Not the files with findings.
	Files int
	// Plain holds every plain file read, with its content when it contains the marker
	// LoadMarked was given (nil otherwise): later stages that look for the marker in the
	// files (suppression comments) need not read them again.
	Plain map[string][]byte
	// Fragments are the files of Kustomize trees that no kustomization reads and that hold
	// only patch fragments (workload.Fragment): not linted, and named in one note.
	Fragments []string
}

// Load reads every input, in parallel, keeping the inputs' order in the result so that
// output does not depend on scheduling. stdin is read only if an input names it.
func Load(inputs []discover.Input, stdin io.Reader, limits manifest.Limits) Loaded {
	return LoadEach(inputs, stdin, limits, "", nil)
}

// LoadEach is Load that also keeps, in Loaded.Plain, the content of the plain files that
// contain marker, and calls each (when not nil) with the index and the objects of every
// input as soon as it is read, on the goroutine that read it: a lint run checks a file
// while the next ones are read, and can release its trees before the end of loading.
func LoadEach(inputs []discover.Input, stdin io.Reader, limits manifest.Limits, marker string, each func(int, []*manifest.Object)) Loaded {
	results := make([]result, len(inputs))
	cache := kustomize.NewCacheWith(limits)
	defer quietKustomize(inputs)()
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, in := range inputs {
		if in.Kind == discover.Stdin {
			// stdin is read on this goroutine: it can only be read once, and in order.
			objs, errs, err := loadStdin(stdin, limits)
			results[i].errs = append(results[i].errs, errs...)
			results[i].add(objs, err)
			results[i].files = append(results[i].files, "-")
			if each != nil {
				each(i, results[i].objs)
			}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, in discover.Input) {
			defer func() { <-sem; wg.Done() }()
			r := &results[i]
			r.load(in, cache, limits, marker)
			if each != nil {
				each(i, r.objs)
			}
		}(i, in)
	}
	wg.Wait()

	out := Loaded{Plain: map[string][]byte{}}
	files := map[string]bool{}
	for _, r := range results {
		for _, p := range r.plain {
			out.Plain[p.file] = p.kept
		}
		out.Objects = append(out.Objects, r.objs...)
		out.Errors = append(out.Errors, r.errs...)
		out.Notes = append(out.Notes, r.notes...)
		out.Fragments = append(out.Fragments, r.fragments...)
		for _, f := range r.files {
			files[f] = true
		}
		for _, o := range r.objs {
			files[o.File] = true
		}
	}
	out.Files = len(files)
	finding.SortErrors(out.Errors)
	// The renders of one chart (its values, each ci/ variant) fail alike when the chart
	// cannot load: one error says it.
	out.Errors = slices.Compact(out.Errors)
	return out
}

// result is what one input loaded.
type result struct {
	objs  []*manifest.Object
	errs  []finding.InputError
	notes []finding.InputError
	files []string // plain files named, read or not
	plain []plainRead
	// fragments are plain files dropped as patch fragments.
	fragments []string
}

// plainRead is a plain file that was read, with its content when it holds the marker.
type plainRead struct {
	file string
	kept []byte
}

func (r *result) add(objs []*manifest.Object, err *finding.InputError) {
	r.objs = append(r.objs, objs...)
	if err != nil {
		r.errs = append(r.errs, *err)
	}
}

func (r *result) load(in discover.Input, cache *kustomize.Cache, limits manifest.Limits, marker string) {
	switch in.Kind {
	case discover.Kustomize:
		r.loadKustomize(in, cache, limits, marker)
		return
	case discover.HelmChart:
		var opts chart.Options
		if in.Chart != nil {
			opts = *in.Chart
		}
		objs, errs := chart.Load(chart.Request{Chart: in.Path, Options: opts}, in.Variant, limits)
		r.objs, r.errs = append(r.objs, objs...), append(r.errs, errs...)
		return
	}
	r.loadPlain(in.Path, limits, marker, in.InKustomizeTree)
}

func (r *result) loadPlain(path string, limits manifest.Limits, marker string, inKustomizeTree bool) {
	objs, data, errs, err := loadFile(path, limits)
	r.errs = append(r.errs, errs...)
	if inKustomizeTree && err == nil && onlyFragments(objs) {
		r.fragments = append(r.fragments, path)
		objs = nil
	}
	if len(objs) == 0 && manifest.IsSyntaxError(err) {
		if why, ok := notManifest(path, data); ok {
			r.notes = append(r.notes, finding.InputError{File: err.File, Line: err.Line,
				Message: "not linted: " + why + "; " + err.Message})
			err = nil
		}
	}
	r.add(objs, err)
	r.files = append(r.files, path)
	if data != nil {
		var kept []byte
		if marker != "" && bytes.Contains(data, []byte(marker)) {
			kept = data
		}
		r.plain = append(r.plain, plainRead{file: path, kept: kept})
	}
}

// loadKustomize builds a kustomization. An optional Component that does not build on its
// own because it patches objects it does not have is a note, and its own resources are
// loaded instead.
func (r *result) loadKustomize(in discover.Input, cache *kustomize.Cache, limits manifest.Limits, marker string) {
	objs, err := kustomize.BuildLimited(in.Path, cache, limits)
	if err == nil || !in.Optional || !errors.Is(err, kustomize.ErrUnmatchedTarget) {
		r.add(objs, asInputError(in.Path, err))
		return
	}
	ie := asInputError(in.Path, err)
	// kustomize says the same thing three ways; its first clause names the target.
	why := strings.TrimPrefix(ie.Message, "kustomize build failed: ")
	why, _, _ = strings.Cut(why, "; ")
	if i := strings.Index(why, ": no matches for Id"); i > 0 {
		why = why[:i]
	}
	what := "it has no resources of its own to lint"
	switch n := len(in.Fallback); n {
	case 0:
	case 1:
		what = "its one resource is linted on its own"
	default:
		what = fmt.Sprintf("its %d resources are linted on their own", n)
	}
	r.notes = append(r.notes, finding.InputError{File: ie.File, Line: ie.Line, Message: fmt.Sprintf(
		"not built: a Component that no kustomization here includes, and it patches objects it does not have (%s); %s", why, what)})
	for _, fb := range in.Fallback {
		r.load(fb, cache, limits, marker)
	}
}

// onlyFragments reports a non-empty list of objects that are all patch fragments.
func onlyFragments(objs []*manifest.Object) bool {
	for _, o := range objs {
		if workload.Fragment(o) == "" {
			return false
		}
	}
	return len(objs) > 0
}

// loadFile reads and parses one file: errs are the errors of documents whose objects are
// still returned (a duplicate key: the checks run on the value the API server keeps), err
// the one that stopped the parse.
func loadFile(path string, limits manifest.Limits) (objs []*manifest.Object, data []byte, errs []finding.InputError, err *finding.InputError) {
	data, ierr := readRegularFile(path, limits.MaxFileBytes)
	if ierr != nil {
		return nil, nil, nil, ierr
	}
	res := manifest.Parse(path, data, limits)
	return res.Objects, data, res.Errs, res.Err
}

// readPortable reads a regular file of at most max bytes (no limit when max <= 0) with
// package os; readRegularFile is this where no faster way is written.
func readPortable(path string, max int64) ([]byte, *finding.InputError) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, &finding.InputError{File: path, Message: describe(err)}
	}
	if !info.Mode().IsRegular() {
		return nil, &finding.InputError{File: path, Message: "not a regular file"}
	}
	if max > 0 && info.Size() > max {
		return nil, tooLarge(path, info.Size(), max)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &finding.InputError{File: path, Message: describe(err)}
	}
	return data, nil
}

func tooLarge(path string, size, max int64) *finding.InputError {
	return &finding.InputError{File: path, Message: fmt.Sprintf("file is %d bytes, over the %d-byte limit", size, max)}
}

func loadStdin(r io.Reader, limits manifest.Limits) ([]*manifest.Object, []finding.InputError, *finding.InputError) {
	if r == nil {
		return nil, nil, &finding.InputError{File: "-", Message: "standard input is not available"}
	}
	max := limits.MaxFileBytes
	if max <= 0 {
		max = 1 << 62
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, nil, &finding.InputError{File: "-", Message: "reading standard input: " + err.Error()}
	}
	if int64(len(data)) > max {
		return nil, nil, &finding.InputError{File: "-", Message: fmt.Sprintf("standard input is over the %d-byte limit", max)}
	}
	res := manifest.Parse("-", data, limits)
	return res.Objects, res.Errs, res.Err
}

func asInputError(path string, err error) *finding.InputError {
	if err == nil {
		return nil
	}
	var ie *finding.InputError
	if errors.As(err, &ie) {
		return ie
	}
	return &finding.InputError{File: path, Message: err.Error()}
}

func describe(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// quietKustomize sends os.Stderr to the null device while kustomizations build: kustomize
// prints its deprecation notices ("'commonLabels' is deprecated") straight to os.Stderr,
// where they would interleave with the report and say nothing about security. It is swapped
// before any build starts and restored after all have finished, so no goroutine of ours
// writes to or reads it concurrently. The returned function restores it.
func quietKustomize(inputs []discover.Input) func() {
	need := false
	for _, in := range inputs {
		need = need || in.Kind == discover.Kustomize
	}
	if !need {
		return func() {}
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	saved := os.Stderr
	os.Stderr = null
	return func() {
		os.Stderr = saved
		null.Close()
	}
}
