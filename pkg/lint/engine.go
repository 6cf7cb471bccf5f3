// Package lint runs checks over loaded objects and turns their diagnostics into located,
// sorted findings.
package lint

import (
	"sync"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// RunChecks runs every check over objs and returns the findings sorted. Checks run
// concurrently (each check sees all objects, because some are cross-object).
func RunChecks(checks []*check.Check, objs []*manifest.Object, settings *check.Settings) []finding.Finding {
	if settings == nil {
		settings = &check.Settings{}
	}
	results := make([][]finding.Finding, len(checks))
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallelism())
	for i, c := range checks {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, c *check.Check) {
			defer func() { <-sem; wg.Done() }()
			pass := &check.Pass{Check: c, Objects: objs, Settings: settings}
			pass.Report = func(d check.Diagnostic) { results[i] = append(results[i], Locate(c, d)) }
			c.Run(pass)
		}(i, c)
	}
	wg.Wait()
	var out []finding.Finding
	for _, r := range results {
		out = append(out, r...)
	}
	finding.Sort(out)
	return dedupe(out)
}

// Locate turns a diagnostic into a finding at the place the user must edit.
func Locate(c *check.Check, d check.Diagnostic) finding.Finding {
	pos := d.Object.Locate(d.Path)
	sev := d.Severity
	if sev == 0 {
		sev = c.Severity
	}
	pss := d.PSS
	if pss == "" {
		pss = c.PSS
	}
	fix := d.Fix
	if fix != nil {
		withObject := *fix
		withObject.Object = d.Object
		fix = &withObject
	}
	return finding.Finding{
		Check:    c.ID,
		Category: c.Category,
		Severity: sev,
		PSS:      pss,
		Message:  d.Message,
		File:     pos.File,
		Line:     pos.Line,
		Column:   pos.Column,
		Object:   d.Object.Ref,
		Path:     d.Path.String(),
		Fix:      fix,
	}
}

// dedupe drops identical findings: two overlays that include the same base report a base
// problem once per object, but an object reached twice must not report twice.
func dedupe(fs []finding.Finding) []finding.Finding {
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && sameFinding(fs[i-1], f) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func sameFinding(a, b finding.Finding) bool {
	return a.Check == b.Check && a.File == b.File && a.Line == b.Line && a.Column == b.Column &&
		a.Message == b.Message && a.Object == b.Object && a.Path == b.Path
}
