package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/load"
)

// ValidateExclude refuses an --exclude glob that could never match, as the config file
// refuses such a skipPaths entry.
func ValidateExclude(globs []string) error {
	for _, p := range globs {
		if err := config.ValidGlob(p); err != nil {
			return fmt.Errorf("--exclude: %w", err)
		}
	}
	return nil
}

// excluded reports whether a path a directory walk found is left out by the config's
// skipPaths or by --exclude.
func (r *runner) excluded(p string) bool {
	return r.Config.MatchFile(r.Config.SkipPaths, p) || r.matchExclude(p)
}

// matchExclude matches --exclude globs as skipPaths are matched, against the path as
// printed (relative to the working directory) and relative to each directory named on the
// command line, so `lint ../repo --exclude 'charts/**'` works from anywhere.
func (r *runner) matchExclude(p string) bool {
	if len(r.Exclude) == 0 {
		return false
	}
	if config.MatchAny(r.Exclude, p) {
		return true
	}
	for _, root := range append(append([]string{}, r.Paths...), r.Filenames...) {
		if root == "-" {
			continue
		}
		rel, err := filepath.Rel(filepath.Clean(root), filepath.Clean(p))
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		if config.MatchAny(r.Exclude, rel) {
			return true
		}
	}
	return false
}

// skipInputs drops the inputs the config's skipPaths or --exclude match. An input the user
// named on the command line is linted anyway: both are about what walking a directory finds.
func (r *runner) skipInputs(inputs []discover.Input) []discover.Input {
	if len(r.Config.SkipPaths) == 0 && len(r.Exclude) == 0 {
		return inputs
	}
	named := map[string]bool{}
	for _, p := range append(append([]string{r.Kustomize}, r.Paths...), r.Filenames...) {
		if p != "" {
			named[filepath.Clean(p)] = true
		}
	}
	keep := func(in discover.Input) bool {
		return in.Kind == discover.Stdin || named[filepath.Clean(in.Path)] || !r.excluded(in.Path)
	}
	kept := inputs[:0]
	for _, in := range inputs {
		if !keep(in) {
			continue
		}
		if len(in.Fallback) > 0 {
			in.Fallback = slices.DeleteFunc(slices.Clone(in.Fallback), func(fb discover.Input) bool { return !keep(fb) })
		}
		kept = append(kept, in)
	}
	return kept
}

// maxListed bounds the directories and inputs a note names, so a huge tree gives a short
// line.
const maxListed = 5

// inputNotes are the notes of a run, in the order they are printed: the directories the
// walks left out that hold YAML, what loading noted, and
// that no object was found at all. Directories the user excluded are not mentioned.
func (r *runner) inputNotes(resolved discover.Resolution, loaded load.Loaded, errs []finding.InputError) []finding.InputError {
	var notes []finding.InputError
	var skipped []string
	for _, d := range resolved.Skipped {
		if !r.excluded(d) {
			skipped = append(skipped, d)
		}
	}
	if n := len(skipped); n > 0 {
		what := "a hidden or node_modules directory that holds"
		if n > 1 {
			what = fmt.Sprintf("%d hidden or node_modules directories that hold", n)
		}
		notes = append(notes, finding.InputError{Message: fmt.Sprintf(
			"not linted: %s YAML or JSON files (kubectl apply -R would read them): %s; --include-hidden lints them",
			what, listBounded(skipped))})
	}
	notes = append(notes, loaded.Notes...)
	if n := len(loaded.Fragments); n > 0 {
		// One line for the run: kubebuilder's layout alone keeps several such patches.
		what := "a file that holds"
		if n > 1 {
			what = fmt.Sprintf("%d files that hold", n)
		}
		notes = append(notes, finding.InputError{Message: fmt.Sprintf(
			"not linted: %s only patch fragments (a workload without a selector, a pod template or a container image) in a Kustomize tree that no kustomization uses: %s",
			what, listBounded(loaded.Fragments))})
	}
	if len(loaded.Objects) == 0 && len(errs) == 0 {
		var named []string
		for _, p := range append(append([]string{}, r.Paths...), r.Filenames...) {
			if p == "-" {
				p = "standard input"
			}
			named = append(named, p)
		}
		if r.Kustomize != "" {
			named = append(named, r.Kustomize)
		}
		notes = append(notes, finding.InputError{Message: fmt.Sprintf("no Kubernetes objects found in %s (%s read)",
			listBounded(named), Plural(loaded.Files, "file"))})
	}
	return notes
}

// listBounded joins the first maxListed names and counts the others.
func listBounded(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxListed], ", "), len(names)-maxListed)
}

// Plural renders "1 file" or "2 files"; the plural defaults to word+"s".
func Plural(n int, word string, many ...string) string {
	if n == 1 {
		return "1 " + word
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, word)
}
