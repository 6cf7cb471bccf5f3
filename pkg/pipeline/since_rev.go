package pipeline

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/discover"
	"github.com/kubectl-secure/kubectl-secure/pkg/gitrev"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
)

// oldRun is the lint of the affected units at the revision; root is the temporary
// directory their files were written to, which the caller removes.
type oldRun struct {
	*Result
	root string
}

// maxFetchRounds bounds the rounds of reading a revision's Kustomize trees and fetching
// the files they name that are not written yet (one round per level of bases, usually).
const maxFetchRounds = 32

// lintAt lints, as they were at commit, the deploy units inputs are now: the same
// kustomizations (where their kustomization file was then), and the plain manifests of the
// same directories, plus the kustomizations the change deleted. Only the files these need
// are written, below a new temporary directory. members are the files Kustomize trees
// read now, which are not plain manifests.
func (r *runner) lintAt(repo *gitrev.Repo, commit string, c *changeSet, inputs []discover.Input, members map[string]bool) (oldRun, error) {
	files, err := repo.Files(commit)
	if err != nil {
		return oldRun{}, err
	}
	tmp, err := os.MkdirTemp("", "kubectl-secure-since-")
	if err != nil {
		return oldRun{}, fmt.Errorf("--since: %w", err)
	}
	if real, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = real
	}
	run := oldRun{root: tmp}
	rev := revision{repo: repo, files: files, dir: tmp, written: map[string]bool{}, byDir: map[string][]string{}}
	for p := range files {
		rev.byDir[path.Dir(p)] = append(rev.byDir[path.Dir(p)], p)
	}
	kunits, plain := c.unitsAt(inputs, rev, members)
	want := slices.Clone(plain)
	var kdirs []string
	for _, u := range kunits {
		if u.whole {
			want = append(want, rev.below(u.dir)...)
			continue
		}
		kdirs = append(kdirs, u.dir)
		want = append(want, rev.byDir[u.dir]...)
	}
	if err := rev.write(want); err != nil {
		return run, err
	}
	if err := rev.fetchTrees(kdirs); err != nil {
		return run, err
	}
	sub := &runner{Options: r.Options}
	sub.Paths, sub.Filenames, sub.Kustomize, sub.Repo, sub.Stdin, sub.Exclude = nil, nil, "", "", nil, nil
	sub.Since, sub.Baseline, sub.Fix, sub.KeepTrees, sub.Fingerprints = "", nil, NoFix, true, true
	at := func(p string) string { return filepath.Join(tmp, filepath.FromSlash(p)) }
	var resolved discover.Resolution
	for _, u := range kunits {
		// Optional as now: a catalogue Component that does not build alone lints its
		// resources instead, there as here.
		if u.whole {
			resolved.Inputs = append(resolved.Inputs, discover.Input{Kind: u.in.Kind, Path: at(u.dir)})
			continue
		}
		in := discover.Input{Kind: discover.Kustomize, Path: at(u.dir), Optional: u.in.Optional}
		for _, fb := range u.in.Fallback {
			if old := c.oldPath(c.rel(fb.Path)); old != "" {
				in.Fallback = append(in.Fallback, discover.Input{Kind: fb.Kind, Path: at(old)})
			}
		}
		resolved.Inputs = append(resolved.Inputs, in)
	}
	for _, p := range plain {
		resolved.Inputs = append(resolved.Inputs, discover.Input{Kind: discover.File, Path: at(p)})
	}
	if len(resolved.Inputs) == 0 {
		run.Result = &Result{}
		return run, nil
	}
	res, err := sub.lintResolved(resolved)
	if err != nil {
		return run, err
	}
	run.Result = res
	return run, nil
}

// kunit is a Kustomize unit at the revision: its directory there (root-relative), and the
// input it is now (the zero Input for a kustomization the change deleted).
type kunit struct {
	dir string
	in  discover.Input
	// whole marks a unit kept in its directory (not a kustomization): every file below it
	// is written, and it is linted as the kind of input it is now.
	whole bool
}

// below lists the files below dir at the revision.
func (v revision) below(dir string) []string {
	var out []string
	for p := range v.files {
		if strings.HasPrefix(p, dir+"/") {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// unitsAt are the units of inputs at the revision: the directories of their
// kustomizations, and the plain manifest files of their directories (root-relative).
func (c *changeSet) unitsAt(inputs []discover.Input, rev revision, members map[string]bool) (kunits []kunit, plain []string) {
	plainDirs := map[string]bool{}
	has := func(d string) bool { return slices.ContainsFunc(kunits, func(u kunit) bool { return u.dir == d }) }
	for _, in := range inputs {
		rel := c.rel(in.Path)
		switch in.Kind {
		case discover.Kustomize:
			if d, ok := rev.kustomizationDir(c, rel); ok && !has(d) {
				kunits = append(kunits, kunit{dir: d, in: in})
			}
		case discover.File:
			plainDirs[path.Dir(c.oldPath(rel))] = true
		case discover.Stdin:
		default:
			if !has(rel) && len(rev.below(rel)) > 0 {
				kunits = append(kunits, kunit{dir: rel, in: in, whole: true})
			}
		}
	}
	for _, ch := range c.changes {
		switch {
		case ch.Old == "" || ch.Old == ch.New:
		case kustomize.IsKustomizationFile(ch.Old) && ch.New == "":
			// A deleted kustomization: what it deployed is gone.
			if d := path.Dir(ch.Old); !has(d) {
				kunits = append(kunits, kunit{dir: d})
			}
		case isManifestName(ch.Old):
			plainDirs[path.Dir(ch.Old)] = true
		}
	}
	for d := range plainDirs {
		if rev.hasKustomization(d) || rev.has(path.Join(d, "Chart.yaml")) {
			continue
		}
		for _, p := range rev.byDir[d] {
			now := filepath.Join(c.root, filepath.FromSlash(c.newPath(p)))
			if isManifestName(p) && !kustomize.IsKustomizationFile(p) && !members[now] {
				plain = append(plain, p)
			}
		}
	}
	slices.Sort(plain)
	return kunits, plain
}

// revision is the files of a commit and the directory chosen ones are written to.
type revision struct {
	repo    *gitrev.Repo
	files   map[string]string   // root-relative path -> blob
	byDir   map[string][]string // directory -> its files
	dir     string
	written map[string]bool
}

func (v revision) has(p string) bool { _, ok := v.files[p]; return ok }

func (v revision) hasKustomization(dir string) bool {
	return slices.ContainsFunc(v.byDir[dir], kustomize.IsKustomizationFile)
}

// kustomizationDir is the directory, at the revision, of the kustomization now in dir:
// where its kustomization file was (it may have been renamed); false when it is new.
func (v revision) kustomizationDir(c *changeSet, dir string) (string, bool) {
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		now := path.Join(dir, name)
		if _, err := os.Stat(filepath.Join(c.root, filepath.FromSlash(now))); err != nil {
			continue
		}
		if old := c.oldPath(now); old != "" && v.has(old) {
			return path.Dir(old), true
		}
		return "", false
	}
	return "", false
}

// write writes the files not written yet.
func (v revision) write(paths []string) error {
	var todo []string
	for _, p := range paths {
		if !v.written[p] && v.has(p) {
			v.written[p] = true
			todo = append(todo, p)
		}
	}
	return v.repo.Write(v.files, todo, v.dir)
}

// fetchTrees reads the Kustomize trees of kdirs from what is written and writes what they
// name that is missing, a file or a directory's files, until nothing is missing.
func (v revision) fetchTrees(kdirs []string) error {
	for round := 0; round < maxFetchRounds; round++ {
		var want []string
		for _, d := range kdirs {
			t, err := kustomize.ReadTree(filepath.Join(v.dir, filepath.FromSlash(d)))
			if err != nil {
				continue // the build says what is wrong
			}
			for _, m := range t.Missing {
				rel, err := filepath.Rel(v.dir, m)
				if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					continue
				}
				rel = filepath.ToSlash(rel)
				if v.has(rel) {
					want = append(want, rel)
				} else {
					want = append(want, v.byDir[rel]...)
				}
			}
		}
		n := len(v.written)
		if err := v.write(want); err != nil {
			return err
		}
		if len(v.written) == n {
			return nil
		}
	}
	return nil
}
