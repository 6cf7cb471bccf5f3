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
	"sync"

	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Loaded is everything read from the inputs.
type Loaded struct {
	Objects []*manifest.Object
	Errors  []finding.InputError
	Files   int // distinct files read
	// Plain holds every plain file read, with its content when it contains the marker
	// LoadMarked was given (nil otherwise): later stages that look for the marker in the
	// files (suppression comments) need not read them again.
	Plain map[string][]byte
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
	type result struct {
		objs []*manifest.Object
		err  *finding.InputError
		file string // the file read, for plain inputs
		kept []byte // its content, when it holds the marker
		read bool
	}
	results := make([]result, len(inputs))
	cache := kustomize.NewCache()
	defer quietKustomize(inputs)()
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, in := range inputs {
		if in.Kind == discover.Stdin {
			// stdin is read on this goroutine: it can only be read once, and in order.
			results[i].objs, results[i].err = loadStdin(stdin, limits)
			results[i].file = "-"
			if each != nil {
				each(i, results[i].objs)
			}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, in discover.Input) {
			defer func() { <-sem; wg.Done() }()
			switch in.Kind {
			case discover.Kustomize:
				objs, err := kustomize.Build(in.Path, cache)
				results[i].objs, results[i].err = objs, asInputError(in.Path, err)
			default:
				var data []byte
				results[i].objs, data, results[i].err = loadFile(in.Path, limits)
				results[i].file = in.Path
				results[i].read = data != nil
				if marker != "" && bytes.Contains(data, []byte(marker)) {
					results[i].kept = data
				}
			}
			if each != nil {
				each(i, results[i].objs)
			}
		}(i, in)
	}
	wg.Wait()

	out := Loaded{Plain: map[string][]byte{}}
	files := map[string]bool{}
	for _, r := range results {
		if r.read {
			out.Plain[r.file] = r.kept
		}
		out.Objects = append(out.Objects, r.objs...)
		if r.err != nil {
			out.Errors = append(out.Errors, *r.err)
		}
		if r.file != "" {
			files[r.file] = true
		}
		for _, o := range r.objs {
			files[o.File] = true
		}
	}
	out.Files = len(files)
	finding.SortErrors(out.Errors)
	return out
}

func loadFile(path string, limits manifest.Limits) ([]*manifest.Object, []byte, *finding.InputError) {
	data, ierr := readRegularFile(path, limits.MaxFileBytes)
	if ierr != nil {
		return nil, nil, ierr
	}
	res := manifest.Parse(path, data, limits)
	return res.Objects, data, res.Err
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

func loadStdin(r io.Reader, limits manifest.Limits) ([]*manifest.Object, *finding.InputError) {
	if r == nil {
		return nil, &finding.InputError{File: "-", Message: "standard input is not available"}
	}
	max := limits.MaxFileBytes
	if max <= 0 {
		max = 1 << 62
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, &finding.InputError{File: "-", Message: "reading standard input: " + err.Error()}
	}
	if int64(len(data)) > max {
		return nil, &finding.InputError{File: "-", Message: fmt.Sprintf("standard input is over the %d-byte limit", max)}
	}
	res := manifest.Parse("-", data, limits)
	return res.Objects, res.Err
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
