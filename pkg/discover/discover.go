// Package discover turns what the user named on the command line (paths, -f, -k, -R,
// stdin) into the list of inputs to lint, following DESIGN.md: a Kustomize directory is
// built, a plain directory is walked, and in a whole repository every top kustomization is
// built once while the files its tree uses are not linted again on their own.
package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// Kind says how an input is loaded.
type Kind int

const (
	File      Kind = iota // a YAML/JSON stream on disk
	Stdin                 // the stream on standard input
	Kustomize             // a directory built with Kustomize
	HelmChart             // a Helm chart (a directory with Chart.yaml, or a .tgz) rendered
)

// Input is one thing to load. Path is the display path, as the user would type it.
type Input struct {
	Kind Kind
	Path string
	// Optional marks a Component found in a repository walk that no kustomization in the
	// tree includes. Built on its own, such a component often patches objects it does not
	// have; when its build fails for that reason, Fallback (its own resources that nothing
	// else lints) is loaded instead and the failure is a note, not an input error.
	Optional bool
	Fallback []Input
	// InKustomizeTree marks a file a repository walk found in a kustomization's directory
	// or below it that no kustomization reads: loading drops it when it is only patch
	// fragments (a kubebuilder patch whose entry is commented out), which are not objects.
	InKustomizeTree bool
	// Reads are the absolute paths of the files a Kustomize input's tree reads (its
	// kustomization files, resources, patches, generator inputs), when a repository walk
	// read the tree: which inputs a changed file affects (lint --since).
	Reads []string
	// Chart are the values and release settings a Chart input is rendered with, and
	// Variant the chart-testing values file (ci/*-values.yaml) applied first, "" for none.
	Chart   *chart.Options
	Variant string
}

// Request is what the command line asked for.
type Request struct {
	Paths     []string // positional arguments
	Filenames []string // -f/--filename
	Kustomize string   // -k/--kustomize
	Recursive bool     // -R/--recursive, for -f directories as in kubectl
	// Repo, when set, is the repository the named files are part of (pre-commit names the
	// staged files): a file a Kustomize tree there reads is linted through the builds that
	// read it rather than as a manifest of its own.
	Repo string
	// IncludeHidden walks hidden directories and node_modules too, as kubectl apply -R
	// does; version-control directories (.git ...) are never walked.
	IncludeHidden bool
	// Chart are the values and release settings charts are rendered with.
	Chart chart.Options
}

// Resolution is what Resolve found.
type Resolution struct {
	Inputs []Input
	Errors []finding.InputError
	// Skipped are the hidden and node_modules directories a directory walk left out that
	// hold files with a manifest extension, as walked (kubectl apply -R would read them).
	Skipped []string
	// Charts are the Helm chart directories the walks found: each is rendered (a Chart
	// input); their Chart.yaml and values files are not inputs of their own.
	Charts []Chart
}

// Chart is a Helm chart directory and the name its Chart.yaml gives ("" if unreadable).
type Chart struct {
	Dir, Name string
}

// Extensions are the file name endings read from directories, as kubectl reads them.
var Extensions = []string{".yaml", ".yml", ".json"}

// Resolve returns the inputs in a deterministic order, and an error per name that could not
// be used. Inputs named twice are returned once.
func Resolve(req Request) ([]Input, []finding.InputError) {
	res := ResolveAll(req)
	return res.Inputs, res.Errors
}

// ResolveAll is Resolve that also says what the directory walks left out.
func ResolveAll(req Request) Resolution {
	var (
		inputs []Input
		errs   []finding.InputError
		seen   = map[[2]string]bool{}
		res    Resolution
		noted  = map[string]bool{} // skipped and chart directories already listed
	)
	add := func(in ...Input) {
		for _, i := range in {
			if key := [2]string{fmt.Sprint(i.Kind) + " " + i.Variant, i.Path}; !seen[key] {
				seen[key] = true
				inputs = append(inputs, i)
			}
		}
	}
	fail := func(name, msg string) { errs = append(errs, finding.InputError{File: name, Message: msg}) }
	var named []string // files to lint in the context of req.Repo
	file := func(p string) {
		if req.Repo != "" {
			named = append(named, p)
			return
		}
		add(Input{Kind: File, Path: p})
	}

	for _, p := range req.Paths {
		switch info, err := os.Stat(p); {
		case p == "-":
			add(Input{Kind: Stdin, Path: "-"})
		case err != nil:
			fail(p, describe(err))
		case info.IsDir():
			if _, ok := kustomize.KustomizationFile(p); ok {
				add(Input{Kind: Kustomize, Path: p})
				continue
			}
			if isChartDir(p) {
				add(chartInputs(p, &req.Chart)...)
				continue
			}
			w := walkRepository(p, req.IncludeHidden, &req.Chart)
			add(w.inputs...)
			errs = append(errs, w.errs...)
			for _, d := range w.skipped {
				if !noted[d] {
					noted[d] = true
					res.Skipped = append(res.Skipped, d)
				}
			}
			for _, c := range w.charts {
				if !noted[c.Dir] {
					noted[c.Dir] = true
					res.Charts = append(res.Charts, c)
				}
			}
		case chart.IsArchive(p):
			add(chartInputs(p, &req.Chart)...)
		default:
			file(p)
		}
	}
	for _, f := range req.Filenames {
		switch info, err := os.Stat(f); {
		case f == "-":
			add(Input{Kind: Stdin, Path: "-"})
		case isURL(f):
			fail(f, "URLs are not fetched: kubectl-secure works offline; download the file and lint it")
		case err != nil:
			fail(f, describe(err))
		case info.IsDir():
			files, es := walkFiles(f, req.Recursive)
			for _, file := range files {
				add(Input{Kind: File, Path: file})
			}
			errs = append(errs, es...)
		default:
			file(f)
		}
	}
	if len(named) > 0 {
		add(inContext(req.Repo, named, req.IncludeHidden, &req.Chart)...)
	}
	if req.Kustomize != "" {
		if _, ok := kustomize.KustomizationFile(req.Kustomize); !ok {
			fail(req.Kustomize, kustomize.NoKustomization)
		} else {
			add(Input{Kind: Kustomize, Path: req.Kustomize})
		}
	}
	res.Inputs, res.Errors = inputs, errs
	return res
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func hasExtension(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	for _, e := range Extensions {
		if ext == e {
			return true
		}
	}
	return false
}

// walkFiles lists manifest files in dir as kubectl -f DIR does: the directory's own files,
// or every file below it with -R.
func walkFiles(dir string, recursive bool) ([]string, []finding.InputError) {
	var files []string
	var errs []finding.InputError
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, finding.InputError{File: p, Message: describe(err)})
			return nil
		}
		if d.IsDir() {
			if p != dir && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		if !hasExtension(p) {
			return nil
		}
		if e := escapes(dir, p, d); e != nil {
			errs = append(errs, *e)
			return nil
		}
		if isRegularFile(p, d) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, finding.InputError{File: dir, Message: describe(err)})
	}
	sort.Strings(files)
	return files, errs
}

// escapes refuses a symlink found while walking root whose target lies outside root: a
// directory walk must not read files elsewhere on the machine (a pull request can add a
// link to ~/.kube/config). Naming such a file explicitly still works.
func escapes(root, p string, d fs.DirEntry) *finding.InputError {
	if d.Type()&fs.ModeSymlink == 0 {
		return nil
	}
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return &finding.InputError{File: p, Message: "broken symlink: " + describe(err)}
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil
	}
	absTarget, err1 := filepath.Abs(target)
	absRoot, err2 := filepath.Abs(realRoot)
	if err1 != nil || err2 != nil {
		return nil
	}
	if rel, err := filepath.Rel(absRoot, absTarget); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return &finding.InputError{File: p, Message: fmt.Sprintf("symlink points outside %s (to %s); not followed", root, target)}
	}
	return nil
}

// isRegularFile follows a symlink to a file, but never to a directory (no loops) and never
// to a FIFO or device (which would block or never end).
func isRegularFile(p string, d fs.DirEntry) bool {
	if d.Type().IsRegular() {
		return true
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	info, err := os.Stat(p)
	return err == nil && info.Mode().IsRegular()
}
