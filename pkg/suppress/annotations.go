package suppress

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// AnnotationKey suppresses findings of the object that carries it, on the object or on its
// pod template: "ID[,ID]: reason", one suppression per line.
const AnnotationKey = "kubectl-secure.io/ignore"

// Annotation is one ignore annotation as an object carries it, read while the object's
// tree is in memory: a lint run releases trees before it applies suppressions.
type Annotation struct {
	// Instance is the object that carries the annotation: the annotation suppresses the
	// findings of that object only, not of objects of other files or builds that share its
	// kind, namespace and name.
	Instance finding.Instance
	Path     fieldpath.Path
	At       manifest.Position
	// Value is the annotation's text when Scalar; Literal says it is a literal block, whose
	// lines are lines of the file.
	Value           string
	Scalar, Literal bool
}

// ReadAnnotations reads the annotation of every object and of its pod templates, in order.
// Released objects have nothing left to read.
func ReadAnnotations(objs []*manifest.Object) []Annotation {
	var out []Annotation
	for _, o := range objs {
		if o.Released() {
			continue
		}
		metas := []fieldpath.Path{fieldpath.New("metadata")}
		for _, pod := range workload.Pods(o) {
			if len(pod.MetaPath) > 1 { // a Pod's own metadata is the object's
				metas = append(metas, pod.MetaPath)
			}
		}
		for _, meta := range metas {
			p := meta.Keys("annotations", AnnotationKey)
			n := o.Get(p)
			if n == nil {
				continue
			}
			out = append(out, Annotation{Instance: o.Instance(), Path: p, At: o.Locate(p), Value: n.Value,
				Scalar: n.Kind == yaml.ScalarNode, Literal: n.Style&yaml.LiteralStyle != 0})
		}
	}
	return out
}

// collectAnnotations records the annotations read before and those of objs.
func (a *applier) collectAnnotations(read []Annotation, objs []*manifest.Object) {
	a.byInstance = map[finding.Instance][]*suppression{}
	for _, an := range append(read, ReadAnnotations(objs)...) {
		a.annotation(an)
	}
}

func (a *applier) annotation(an Annotation) {
	pos := an.At
	ignored := !a.opts.Mode.inSource()
	if !an.Scalar {
		if !ignored {
			a.fail(pos.File, pos.Line, "annotation %s must be a string \"check-id[,check-id]: reason\"", AnnotationKey)
		}
		return
	}
	for i, entry := range strings.Split(an.Value, "\n") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		at := pos
		if an.Literal {
			// Each line of a literal block is a line of the file after the "|".
			at.Line, at.Column = pos.Line+1+i, 1
		}
		names, reason, problem := parseAnnotation(entry)
		if problem == "" {
			if err := validNames(names); err != nil {
				problem = err.Error()
			}
		}
		if problem != "" {
			// A suppression the mode does not honour cannot hide anything, well written
			// or not.
			if !ignored {
				a.fail(at.File, at.Line, "annotation %s: %s", AnnotationKey, problem)
			}
			continue
		}
		// One place and text is one suppression, however many builds' objects carry it:
		// a base annotation that two overlays build is used when either build's finding
		// is, and reported stale once.
		key := fmt.Sprintf("%s\x00%d\x00%d\x00%s", at.File, at.Line, at.Column, strings.TrimSpace(entry))
		s := a.annotations[key]
		if s == nil {
			s = &suppression{source: FromAnnotation, file: at.File, line: at.Line, column: at.Column, ignored: ignored,
				names: names, reason: reason, instances: map[finding.Instance]bool{}, object: an.Instance.Ref, path: an.Path.String()}
			a.annotations[key] = s
		}
		if !s.instances[an.Instance] {
			s.instances[an.Instance] = true
			a.byInstance[an.Instance] = append(a.byInstance[an.Instance], s)
		}
	}
}

// parseAnnotation reads one "ID[,ID]: reason" line.
func parseAnnotation(entry string) (names []string, reason, problem string) {
	ids, reason, found := strings.Cut(entry, ":")
	ids, reason = strings.TrimSpace(ids), strings.TrimSpace(reason)
	if !found && ids != "" && !strings.ContainsAny(ids, " \t") {
		found = true // only check names: the reason is what is missing
	}
	if !found || ids == "" {
		return nil, "", fmt.Sprintf("%q must be written \"check-id[,check-id]: reason\"", strings.TrimSpace(entry))
	}
	names = splitNames(ids)
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, " \t") {
			return nil, "", fmt.Sprintf("bad check list %q: write IDs or categories separated by commas", ids)
		}
	}
	if reason == "" {
		return nil, "", fmt.Sprintf("suppression of %s has no reason: write \"%s: <why it is accepted>\"", ids, ids)
	}
	return names, reason, ""
}
