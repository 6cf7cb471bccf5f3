package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/chartfix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// FixOutcome is what the fixes of a run did.
type FixOutcome struct {
	// Applied counts the fixes applied, skipped and failed; Changed are the files they
	// changed, in memory (fix.Stdin for standard input).
	Applied *fix.Result
	Changed []*fix.File
	// Refused is set when a fix was refused for where it would write (fix.ErrUnsafePath),
	// which fails the run.
	Refused bool
	// Advice counts, by check, the findings whose fix is advice that no change applies.
	Advice []fix.AdviceCount
	// Written is what writing the changed files did; nil for FixDiff.
	Written *fix.WriteReport
	// Stdin is the fixed standard input when the run read it and wrote the fixes (the
	// command line prints it on stdout); nil otherwise.
	Stdin []byte
	// After is the lint after the fixes were written; nil for FixDiff or when writing was
	// interrupted.
	After *Result
}

// lintAndFix lints, applies the fixes in memory and, for FixWrite, writes them and lints
// again to report what is left.
func (r *runner) lintAndFix(ctx context.Context) (*Result, error) {
	var stdin []byte
	if r.readsStdin() && r.Stdin != nil {
		// stdin is read once; keep it, the fixes edit it and --fix writes it back out.
		data, err := io.ReadAll(r.Stdin)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		stdin = data
		r.Stdin = bytes.NewReader(stdin)
	}
	res, err := r.lint()
	if err != nil {
		return nil, err
	}

	// Fixes read and write only inside the tree the run was given, so that neither a diff
	// nor a write goes through a symlink a pull request planted.
	tree := r.fixTree(res.Findings)
	ws := fix.NewWorkspace(func(path string) ([]byte, error) {
		if path == fix.Stdin {
			return stdin, nil
		}
		return tree.ReadFile(path)
	})
	fixTo, valuesFile := r.FixTo, ""
	if f, ok := chartfix.ValuesFile(string(fixTo)); ok {
		fixTo, valuesFile = overlay.FixToAuto, f
	}
	applied := fix.Apply(ws, res.Findings, fix.Options{Unsafe: r.UnsafeFixes, Overlay: overlay.NewKustomizeWriter(fixTo),
		Chart: chartfix.New(valuesFile, r.UnsafeFixes), Objects: res.Objects})
	out := &FixOutcome{Applied: applied, Changed: ws.Changed(), Advice: fix.AdviceOnly(res.Findings)}
	for _, f := range applied.Failed() {
		out.Refused = out.Refused || errors.Is(f.Err, fix.ErrUnsafePath)
	}
	res.Fix = out
	if r.Fix != FixWrite {
		return res, nil
	}

	if len(r.InterruptSignals) > 0 {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, r.InterruptSignals...)
		defer stop()
	}
	out.Written = fix.Write(ctx, out.Changed, fix.WriteOptions{Tree: tree})
	if out.Written.Interrupted {
		return res, nil
	}
	again := *r
	again.Fix, again.suppressed, again.ignoredNote = NoFix, nil, ""
	if stdin != nil {
		fixed := stdin
		if f, err := ws.Open(fix.Stdin); err == nil {
			fixed = f.Data
		}
		out.Stdin = fixed
		again.Stdin = bytes.NewReader(fixed)
	}
	out.After, err = again.lint()
	return res, err
}

// readsStdin reports whether the inputs name standard input.
func (r *runner) readsStdin() bool {
	for _, p := range append(append([]string{}, r.Paths...), r.Filenames...) {
		if p == "-" {
			return true
		}
	}
	return false
}

// fixTree is what the fixes may read and write: each directory named on the command line
// (a file's directory for a file), the repository of --repo, and the kustomization
// directories the builds of the objects being fixed read (Kustomize's own load
// restrictions keep those to what the kustomizations name).
func (r *runner) fixTree(findings []finding.Finding) *fix.Tree {
	var roots []string
	add := func(p string) {
		if p == "" || p == "-" {
			return
		}
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			p = filepath.Dir(p)
		}
		roots = append(roots, p)
	}
	for _, p := range r.Paths {
		add(p)
	}
	for _, p := range r.Filenames {
		add(p)
	}
	add(r.Kustomize)
	add(r.Repo)
	if f, ok := chartfix.ValuesFile(string(r.FixTo)); ok {
		add(filepath.Dir(f)) // the override values file the user named
	}
	for i := range findings {
		fx := findings[i].Fix
		if fx == nil {
			continue
		}
		obj, _ := fx.Object.(*manifest.Object)
		if obj != nil && obj.Chart != "" {
			// the chart and the values files its render read (the fixes edit them)
			add(obj.Chart)
			if req, ok := chart.RequestOf(obj); ok {
				for _, v := range req.ValuesFiles {
					add(v)
				}
			}
			continue
		}
		if obj == nil || obj.Overlay == "" {
			continue
		}
		add(obj.Overlay)
		if org, ok := kustomize.OriginOf(obj); ok {
			add(org.Dir)
			if org.File != "" {
				add(filepath.Dir(org.File))
			}
			for _, p := range org.Patches {
				add(filepath.Dir(p.File))
			}
		}
	}
	return fix.NewTree(roots...)
}
