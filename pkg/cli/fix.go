package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/overlay"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/report"
)

// validateFixTo checks --fix-to, which only means something with --fix or --diff.
func (o *LintOptions) validateFixTo() error {
	if _, err := overlay.ParseFixTo(o.FixTo); err != nil {
		return err
	}
	if o.FixTo != "" && !o.Fix && !o.Diff {
		return fmt.Errorf("--fix-to needs --fix or --diff")
	}
	return nil
}

// readsStdin reports whether the command line names standard input.
func (o *LintOptions) readsStdin() bool {
	for _, p := range append(append([]string{}, o.paths...), o.Filenames...) {
		if p == "-" {
			return true
		}
	}
	return false
}

// runFix is `lint --diff` and `lint --fix`: lint, apply the fixes in memory, then print
// them as a diff or write them and lint again to report what is left.
func (o *LintOptions) runFix() error {
	var stdin []byte
	if o.readsStdin() && o.In != nil {
		// stdin is read once; keep it, the fixes edit it and --fix writes it back out.
		data, err := io.ReadAll(o.In)
		if err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
		stdin = data
		o.In = bytes.NewReader(stdin)
	}
	loaded, findings, errs := o.lintInputs()

	// Fixes read and write only inside the tree the run was given, so that neither a diff
	// nor a write goes through a symlink a pull request planted.
	tree := o.fixTree(findings)
	ws := fix.NewWorkspace(func(path string) ([]byte, error) {
		if path == fix.Stdin {
			return stdin, nil
		}
		return tree.ReadFile(path)
	})
	to, err := overlay.ParseFixTo(o.FixTo)
	if err != nil {
		return err
	}
	res := fix.Apply(ws, findings, fix.Options{Unsafe: o.UnsafeFixes, Overlay: overlay.NewKustomizeWriter(to), Objects: loaded.Objects})
	changed := ws.Changed()
	refused := o.fixSummary(res, changed)
	o.adviceSummary(findings)

	if o.Diff {
		for _, e := range errs {
			fmt.Fprintf(o.ErrOut, "kubectl-secure: error: %s\n", report.Sanitize(e.Error()))
		}
		o.printNotes(loaded.Notes)
		if err := fix.WriteDiff(o.Out, displayFiles(changed)); err != nil {
			return fmt.Errorf("writing the diff: %w", err)
		}
		switch {
		case len(errs) > 0 || refused:
			return exitError{ExitError}
		case failing(findings, o.failOn):
			return exitError{ExitFindings}
		}
		return nil
	}

	// Ctrl-C or a CI job's SIGTERM while writing: the file being written is left whole (no
	// temporary file stays behind) and the run says which files were written.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	wrote := fix.Write(ctx, changed, fix.WriteOptions{Tree: tree})
	stop()
	writeErrs := wrote.Errors
	for _, err := range writeErrs {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: error: %s\n", report.Sanitize(err.Error()))
	}
	if wrote.Interrupted {
		o.reportInterrupted(wrote)
		return exitError{ExitError}
	}
	again := *o
	again.Fix = false
	if stdin != nil {
		// The fixed stream goes to stdout, where a pipeline expects it; the report of what
		// is left goes to stderr.
		fixed := stdin
		if f, err := ws.Open(fix.Stdin); err == nil {
			fixed = f.Data
		}
		if _, err := o.Out.Write(fixed); err != nil {
			return fmt.Errorf("writing the fixed stream: %w", err)
		}
		again.In = bytes.NewReader(fixed)
		again.Out = o.ErrOut
	}
	err = again.Run()
	if len(writeErrs) > 0 || refused {
		return exitError{ExitError}
	}
	return err
}

// reportInterrupted says, after a signal, which files were written and which were not.
func (o *LintOptions) reportInterrupted(w *fix.WriteReport) {
	list := func(files []string) string {
		if len(files) == 0 {
			return "none"
		}
		return report.Sanitize(strings.Join(files, ", "))
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: interrupted: %s written (%s); %s not written (%s)\n",
		plural(len(w.Written), "file"), list(w.Written), plural(len(w.NotWritten), "file"), list(w.NotWritten))
}

// fixTree is what the fixes may read and write: each directory named on the command line
// (a file's directory for a file), the repository of --repo, and the kustomization
// directories the builds of the objects being fixed read (Kustomize's own load
// restrictions keep those to what the kustomizations name).
func (o *LintOptions) fixTree(findings []finding.Finding) *fix.Tree {
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
	for _, p := range o.paths {
		add(p)
	}
	for _, p := range o.Filenames {
		add(p)
	}
	add(o.Kustomize)
	add(o.Repo)
	for i := range findings {
		fx := findings[i].Fix
		if fx == nil {
			continue
		}
		obj, _ := fx.Object.(*manifest.Object)
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

// fixSummary tells on stderr what was fixed and what was not, and why. It reports whether
// a fix was refused for where it would write (an error: the exit status is 2).
func (o *LintOptions) fixSummary(res *fix.Result, changed []*fix.File) (refused bool) {
	fixes, changes := res.Fixed()
	files := 0
	for _, f := range changed {
		if f.Path != fix.Stdin {
			files++
		}
	}
	verb := "fixed"
	if o.Diff {
		verb = "would fix"
	}
	where := plural(files, "file")
	if files == 0 && len(changed) > 0 {
		where = "standard input"
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: %s %s (%s) in %s\n", verb, plural(fixes, "finding"), plural(changes, "change"), where)
	skipped := res.Skipped()
	if n := skipped[fix.SkipUnsafe]; n > 0 {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (unsafe; use --unsafe-fixes)\n", plural(n, "fix", "fixes"))
	}
	if n := skipped[fix.SkipOverlay]; n > 0 {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (Kustomize overlay)\n", plural(n, "fix", "fixes"))
	}
	var reasons []string
	for r := range skipped {
		if r != fix.SkipUnsafe && r != fix.SkipOverlay {
			reasons = append(reasons, r)
		}
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (%s)\n", plural(skipped[r], "fix", "fixes"), r)
	}
	for _, f := range res.Failed() {
		level := "warning"
		if errors.Is(f.Err, fix.ErrUnsafePath) {
			level, refused = "error", true
		}
		fmt.Fprintf(o.ErrOut, "kubectl-secure: %s: %s:%d: %s: fix not applied: %s\n",
			level, f.Finding.File, f.Finding.Line, f.Finding.Check, report.Sanitize(f.Err.Error()))
	}
	return refused
}

// adviceSummary says which findings offer advice that no fix applies, so that every fix a
// report shows is either applied or explained.
func (o *LintOptions) adviceSummary(findings []finding.Finding) {
	checks := fix.AdviceOnly(findings)
	if len(checks) == 0 {
		return
	}
	n := 0
	for _, c := range checks {
		n += c.Count
	}
	names := make([]string, len(checks))
	for i, c := range checks {
		names[i] = c.Check
	}
	fmt.Fprintf(o.ErrOut, "kubectl-secure: %s not applied (advice only, no automatic fix: %s)\n", plural(n, "fix", "fixes"), strings.Join(names, ", "))
}

// plural renders "1 fix" or "2 fixes"; the plural defaults to word+"s".
func plural(n int, word string, many ...string) string {
	if n == 1 {
		return "1 " + word
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// displayFiles names files in the diff relative to the working directory, as `git apply`
// run there expects them.
func displayFiles(files []*fix.File) []*fix.File {
	wd, _ := os.Getwd()
	out := make([]*fix.File, len(files))
	for i, f := range files {
		c := *f
		if filepath.IsAbs(c.Path) && wd != "" {
			if rel, err := filepath.Rel(wd, c.Path); err == nil && !strings.HasPrefix(rel, "..") {
				c.Path = rel
			}
		}
		out[i] = &c
	}
	return out
}
