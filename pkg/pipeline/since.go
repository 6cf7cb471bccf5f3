package pipeline

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/baseline"
	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/gitrev"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// lintSince lints the deploy units the changes since r.Since affect, lints the same units
// as they were at r.Since (their files read with git into a temporary directory; the
// working tree is only read), and keeps the findings that were not there.
func (r *runner) lintSince() (*Result, error) {
	if slices.Contains(r.Paths, "-") || slices.Contains(r.Filenames, "-") {
		return nil, fmt.Errorf("--since compares files of a git repository: standard input has no earlier revision")
	}
	repo, err := gitrev.Open(r.gitDir())
	if err != nil {
		return nil, err
	}
	commit, err := repo.Resolve(r.Since)
	if err != nil {
		return nil, err
	}
	changes, err := repo.Changes(commit)
	if err != nil {
		return nil, err
	}
	ch := newChangeSet(repo.Root, changes)
	resolved := r.resolve()
	all := len(resolved.Inputs)
	members := map[string]bool{} // absolute paths of the files Kustomize trees read now
	for _, in := range resolved.Inputs {
		for _, f := range in.Reads {
			members[f] = true
		}
	}
	resolved.Inputs = withContext(resolved.Inputs, ch.affected(resolved.Inputs), r.Settings)
	res, err := r.lintResolved(resolved)
	if err != nil {
		return nil, err
	}

	old, err := r.lintAt(repo, commit, ch, resolved.Inputs, members)
	if old.root != "" {
		defer os.RemoveAll(old.root)
	}
	if err != nil {
		return nil, err
	}
	var units []string
	for _, in := range resolved.Inputs {
		units = append(units, in.Path)
	}
	known := baseline.Entries(old.Findings, ch.fromOld(old.root))
	display := displayFrom(repo.Root)
	for i := range known {
		ch.showOld(known[i].Old, old.root, display)
	}
	out := baseline.Compare(res.Findings, known, baseline.Relative(repo.Root))
	res.Findings = out.New
	res.Compared = &Comparison{Since: r.Since, Existing: out.Existing, Fixed: out.Fixed, Display: func(p string) string { return p }, Units: units}
	res.Notes = append(res.Notes, finding.InputError{Message: fmt.Sprintf("since %s: %s changed; %s of %d linted, compared with %s",
		r.Since, Plural(len(changes), "file"), Plural(len(resolved.Inputs), "deploy unit"), all, r.Since)})
	r.compareErrors(res, old, ch, display)
	return res, nil
}

// compareErrors keeps as errors (exit status 2) only the input errors of files that had
// none at the revision: a file that was broken already, or a unit that could not be built
// then either (a remote base, say), did not break with this change, and is a note. Errors
// at the revision alone are notes too: the findings of what failed there count as new.
func (r *runner) compareErrors(res *Result, old oldRun, ch *changeSet, display func(string) string) {
	fromOld, now := ch.fromOld(old.root), baseline.Relative(ch.root)
	before := map[string]bool{}
	for _, e := range old.Errors {
		before[fromOld(e.File)] = true
	}
	after := map[string]bool{}
	kept := res.Errors[:0]
	for _, e := range res.Errors {
		f := now(e.File)
		after[f] = true
		if before[f] {
			res.Notes = append(res.Notes, finding.InputError{File: e.File, Line: e.Line, Message: fmt.Sprintf(
				"%s (an input error at %s too, so not one this change introduced)", e.Message, r.Since)})
			continue
		}
		kept = append(kept, e)
	}
	res.Errors = kept
	for _, e := range old.Errors {
		if f := fromOld(e.File); !after[f] {
			msg := strings.ReplaceAll(e.Message, old.root+string(filepath.Separator), "")
			res.Notes = append(res.Notes, finding.InputError{File: display(f), Line: e.Line, Message: fmt.Sprintf(
				"at %s: %s: its findings there are unknown, so all of its findings count as new", r.Since, msg)})
		}
	}
}

// gitDir is where the repository is looked for: the first input named, or the working
// directory.
func (r *runner) gitDir() string {
	for _, p := range slices.Concat([]string{r.Kustomize}, r.Paths, r.Filenames) {
		if p == "" {
			continue
		}
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return filepath.Dir(p)
		}
		return p
	}
	return "."
}

// changeSet is what changed since the revision, by path relative to the root.
type changeSet struct {
	root     string
	changes  []gitrev.Change
	changed  map[string]bool   // absolute paths of the changed files as they are now
	dirs     map[string]bool   // root-relative directories of changed manifest files, then and now
	oldToNew map[string]string // root-relative renames
	newToOld map[string]string
}

func newChangeSet(root string, changes []gitrev.Change) *changeSet {
	c := &changeSet{root: root, changes: changes, changed: map[string]bool{}, dirs: map[string]bool{},
		oldToNew: map[string]string{}, newToOld: map[string]string{}}
	for _, ch := range changes {
		if ch.New != "" {
			c.changed[filepath.Join(root, filepath.FromSlash(ch.New))] = true
		}
		for _, p := range []string{ch.Old, ch.New} {
			if p != "" && isManifestName(p) {
				c.dirs[path.Dir(p)] = true
			}
		}
		if ch.Old != "" && ch.New != "" && ch.Old != ch.New {
			c.oldToNew[ch.Old], c.newToOld[ch.New] = ch.New, ch.Old
		}
	}
	return c
}

func isManifestName(p string) bool {
	return slices.Contains(discover.Extensions, strings.ToLower(path.Ext(p))) || kustomize.IsKustomizationFile(p)
}

// rel is p (as displayed) relative to the root, with slashes.
func (c *changeSet) rel(p string) string {
	return baseline.Relative(c.root)(p)
}

// affected keeps the inputs a change reaches: a Kustomize build whose tree reads a changed
// file (a base reaches every top kustomization that uses it), and a plain file whose
// directory, its deploy unit, holds a changed manifest file.
func (c *changeSet) affected(inputs []discover.Input) []discover.Input {
	var out []discover.Input
	for _, in := range inputs {
		switch in.Kind {
		case discover.Kustomize:
			reads := in.Reads
			if reads == nil {
				t, err := kustomize.ReadTree(in.Path)
				if err != nil {
					out = append(out, in) // its build says what is wrong
					continue
				}
				reads = t.Files
				in.Reads = reads
			}
			if slices.ContainsFunc(reads, func(f string) bool { return c.changed[f] }) {
				out = append(out, in)
			}
		case discover.File:
			if c.dirs[path.Dir(c.rel(in.Path))] {
				out = append(out, in)
			}
		case discover.Stdin:
		default:
			// A unit kept whole in one directory (a Helm chart once charts are inputs: its
			// Chart.yaml, values files and templates) is affected by any change below it.
			if c.changedBelow(c.rel(in.Path)) {
				out = append(out, in)
			}
		}
	}
	return out
}

// changedBelow reports a change to a file below dir (root-relative), then or now.
func (c *changeSet) changedBelow(dir string) bool {
	for _, ch := range c.changes {
		for _, p := range []string{ch.Old, ch.New} {
			if p != "" && strings.HasPrefix(p, dir+"/") {
				return true
			}
		}
	}
	return false
}

// oldPath is the path at the revision of a file now at p (root-relative), "" when it is new.
func (c *changeSet) oldPath(p string) string {
	if o, ok := c.newToOld[p]; ok {
		return o
	}
	for _, ch := range c.changes {
		if ch.New == p && ch.Old == "" {
			return ""
		}
	}
	return p
}

// newPath is where the file at p (root-relative) at the revision is now.
func (c *changeSet) newPath(p string) string {
	if n, ok := c.oldToNew[p]; ok {
		return n
	}
	return p
}

// fromOld makes a file of the revision's lint, written below dir, relative to the root
// and renamed to where it is now, so that its findings compare with today's.
func (c *changeSet) fromOld(dir string) func(string) string {
	rel := baseline.Relative(dir)
	return func(p string) string { return c.newPath(rel(p)) }
}

// showOld makes a finding of the revision's lint show its files (and its overlays) as the
// user would type them in the work tree.
func (c *changeSet) showOld(f *finding.Finding, dir string, display func(string) string) {
	rel := baseline.Relative(dir)
	show := func(p string) string {
		if p == "" || p == "-" {
			return p
		}
		return display(c.newPath(rel(p)))
	}
	f.File = show(f.File)
	f.Overlay = show(f.Overlay)
	for i := range f.Objects {
		f.Objects[i].Overlay = show(f.Objects[i].Overlay)
	}
	sort.SliceStable(f.Objects, func(i, j int) bool { return f.Objects[i].Overlay < f.Objects[j].Overlay })
}
