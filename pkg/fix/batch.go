package fix

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix/yamledit"
)

// applyRun applies the fixes of ps, all of one target, in order. Applying them one change
// at a time re-parses and re-checks the whole object per change, which is quadratic in the
// object's size (a pod with 20,000 containers and a fix each). So the fixes are applied in
// batches: a batch is the longest run of fixes whose changes touch separate parts of the
// object (no change edits a node another one goes through or edits), so that the edits
// computed on the one parse are the edits a one-by-one application would make. A batch
// is parsed, applied and checked once. A fix whose own changes touch the same part, or
// that the batch refuses, goes one change at a time as before, and so does a batch whose
// check fails: the result is never other than the one-by-one result.
func (fe *fileEditor) applyRun(tg *target, ps []pending) (adds []pending) {
	for len(ps) > 0 {
		n, a := fe.applyBatch(tg, ps)
		adds = append(adds, a...)
		ps = ps[n:]
	}
	return adds
}

// planned is one change of a batch, for the check.
type planned struct {
	ch    finding.Change
	steps fieldpath.Path
}

type batched struct {
	p       pending
	changes int
	hasAdd  bool
	plan    []planned
}

// applyBatch applies a batch from the start of ps and returns how many fixes it handled.
func (fe *fileEditor) applyBatch(tg *target, ps []pending) (int, []pending) {
	one := func() (int, []pending) {
		if fe.applyFix(tg, ps[0]) {
			return 1, ps[:1]
		}
		return 1, nil
	}
	root, shared, err := fe.objectRoot(tg)
	if err != nil {
		return one()
	}
	doc := fe.document(tg, root)
	c := yamledit.Context{Removed: tg.removed, Shared: shared, Index: &fieldpath.StepIndex{}}
	batch := newTouched()
	var edits []yamledit.TextEdit
	var done []batched
	for _, p := range ps {
		if err := ValidateAdds(p.fix); err != nil {
			if len(done) > 0 {
				break
			}
			return one()
		}
		b := batched{p: p}
		own := newTouched()
		var fixEdits []yamledit.TextEdit
		ok := true
		for _, ch := range p.fix.Changes {
			if ch.Op == finding.AddObject {
				b.hasAdd = true
				continue
			}
			ed, err := doc.Change(root, ch, c)
			if err == yamledit.ErrNoop || err == nil && len(ed.Edits) == 0 {
				continue
			}
			if err != nil {
				ok = false
				break
			}
			if batch.meets(ed.Anchor, ed.Through) || own.meets(ed.Anchor, ed.Through) {
				ok = false
				break
			}
			own.add(ed.Anchor, ed.Through)
			fixEdits = append(fixEdits, ed.Edits...)
			b.plan = append(b.plan, planned{ch: ch, steps: ed.Steps})
			b.changes++
		}
		if !ok {
			if len(done) > 0 {
				break // this fix starts the next batch, or goes alone
			}
			return one()
		}
		batch.merge(own)
		edits = append(edits, fixEdits...)
		done = append(done, b)
	}
	if err := fe.commit(tg, root, edits, done); err != nil {
		// Not what one-by-one would give: apply these fixes that way.
		var adds []pending
		for _, b := range done {
			if fe.applyFix(tg, b.p) {
				adds = append(adds, b.p)
			}
		}
		return len(done), adds
	}
	var adds []pending
	for _, b := range done {
		b.p.outcome.Changes = b.changes
		if b.hasAdd {
			adds = append(adds, b.p)
		}
	}
	return len(done), adds
}

// commit applies the edits of a batch and checks, as apply does per change, that the
// object decodes after them as the changes say, and nothing else.
func (fe *fileEditor) commit(tg *target, root *yaml.Node, edits []yamledit.TextEdit, done []batched) error {
	if len(edits) == 0 {
		return nil
	}
	out, err := yamledit.Apply(tg.u.text, edits)
	if err != nil {
		return err
	}
	var want any
	if err := root.Decode(&want); err != nil {
		return err
	}
	for _, b := range done {
		for _, pl := range b.plan {
			if want, err = applyDecoded(want, pl.steps, pl.ch.Op, pl.ch.Value); err != nil {
				return err
			}
		}
	}
	old := tg.u.text
	tg.u.text = out
	same, err := fe.verifyEdited(tg, want)
	if err == nil && !same {
		err = fmt.Errorf("the edits changed more than their paths")
	}
	if err != nil {
		tg.u.text = old
		return err
	}
	for _, b := range done {
		for _, pl := range b.plan {
			tg.recordRemoval(pl.ch, pl.steps)
		}
	}
	return nil
}

// touched is the part of an object that the changes of a batch edit (their anchors) and
// go through (the nodes on the way to them).
type touched struct {
	anchors, path map[*yaml.Node]bool
}

func newTouched() touched {
	return touched{anchors: map[*yaml.Node]bool{}, path: map[*yaml.Node]bool{}}
}

// meets reports whether a change at anchor through chain touches what t touches: it
// edits a node t edits or goes through, or goes through a node t edits.
func (t touched) meets(anchor *yaml.Node, chain []*yaml.Node) bool {
	if t.anchors[anchor] || t.path[anchor] {
		return true
	}
	for _, n := range chain {
		if t.anchors[n] {
			return true
		}
	}
	return false
}

func (t touched) add(anchor *yaml.Node, chain []*yaml.Node) {
	t.anchors[anchor] = true
	for _, n := range chain {
		t.path[n] = true
	}
}

func (t touched) merge(o touched) {
	for n := range o.anchors {
		t.anchors[n] = true
	}
	for n := range o.path {
		t.path[n] = true
	}
}
