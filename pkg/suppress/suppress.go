// Package suppress applies the suppressions users write next to the findings they accept:
// an annotation on the object, a comment on the offending line, or an ignore entry in the
// config file. Every suppression carries a reason, and one that no longer matches anything
// (or whose expiry date has passed) is itself reported, so accepted risks stay reviewed.
package suppress

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/config"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// Source says where a suppression is written.
type Source string

const (
	FromComment    Source = "comment"
	FromAnnotation Source = "annotation"
	FromConfig     Source = "config"
)

// Suppressed is a finding a suppression hid, with the suppression's reason and place.
type Suppressed struct {
	Finding finding.Finding
	Reason  string
	Source  Source
	File    string
	Line    int
}

// Options are the inputs of Apply besides the findings and objects.
type Options struct {
	// Config holds the ignore entries; nil means none.
	Config *config.Config
	// Checks are the checks that ran (nil: every registered check). A suppression is only
	// reported stale when every check it names ran, and the stale and expired findings are
	// only reported when their own checks are among them.
	Checks []*check.Check
	// Now decides whether an entry has expired.
	Now time.Time
	// ReadFile reads a file named by a finding or an object, to find suppression
	// comments; nil means os.ReadFile. It is called concurrently. The command line serves
	// "-" (stdin) from memory.
	ReadFile func(string) ([]byte, error)
	// Namespace is the namespace of objects that set none, for the namespaces criterion
	// of ignore entries; "" means "default".
	Namespace string
	// WholeProject says the run linted everything below the config file's directory. Only
	// then is a config entry that selects nothing the run linted reported stale or expired:
	// linting one file says nothing about the entries written for the rest of the
	// repository.
	WholeProject bool
	// Annotations are the ignore annotations of objects released before Apply, read with
	// ReadAnnotations; those of the objects Apply is given are read there.
	Annotations []Annotation
	// Mode says which suppressions are honoured; "" is HonourAll. A suppression the mode
	// does not honour hides nothing and is never reported stale, expired or malformed; the
	// findings it would have hidden are kept and counted in Result.Ignored.
	Mode Mode
}

// Result is what Apply returns.
type Result struct {
	// Kept are the findings no suppression matched.
	Kept []finding.Finding
	// Suppressed are the findings a suppression hid, in the order of the findings.
	Suppressed []Suppressed
	// Extra are the findings about suppressions: stale ones and expired config entries.
	Extra []finding.Finding
	// Errors are unusable suppressions: no reason, no or unknown check names.
	Errors []finding.InputError
	// Ignored counts the suppressions the mode did not honour and the kept findings they
	// would have hidden, so that a run can say so.
	Ignored Ignored
}

// suppression is one place that suppresses findings.
type suppression struct {
	source       Source
	file         string
	line, column int
	names        []string // check IDs or categories; empty matches every check
	reason       string

	// Comments apply to a line of a file.
	target fileLine
	// Annotations apply to the findings of the object instances that carry them: the
	// document of a plain file, or the objects of the builds whose object has it. Two
	// overlays that build the same base object carry the same annotation, read once.
	instances map[finding.Instance]bool
	// Config entries apply where their criteria match.
	entry *config.Ignore

	object finding.ObjectRef // the object the suppression is written in, for findings about it
	path   string            // field path of the annotation
	used   bool
	// ignored says the mode does not honour the suppression: it hides nothing and is
	// never stale, but the findings it matches are counted.
	ignored bool
}

type fileLine struct {
	file string
	line int
}

// Apply sorts findings into kept and suppressed, and reports suppressions that are
// unusable, stale or expired.
func Apply(findings []finding.Finding, objs []*manifest.Object, opts Options) Result {
	a := &applier{opts: opts, byTarget: map[fileLine][]*suppression{}, annotations: map[string]*suppression{}}
	if a.opts.ReadFile == nil {
		a.opts.ReadFile = os.ReadFile
	}
	a.ran = ranSet(opts.Checks)
	a.collectComments(findings, objs)
	a.collectAnnotations(opts.Annotations, objs)
	a.collectConfig()

	// Findings are large values: appending them one by one to a growing slice cost more
	// than matching them.
	res := Result{Kept: make([]finding.Finding, 0, len(findings))}
	for _, f := range findings {
		s, ignored := a.match(f)
		if s != nil {
			res.Suppressed = append(res.Suppressed, Suppressed{Finding: f, Reason: s.reason, Source: s.source, File: s.file, Line: s.line})
			continue
		}
		if ignored {
			res.Ignored.Findings++
		}
		res.Kept = append(res.Kept, f)
	}
	res.Extra = a.extra(findings, objs)
	res.Errors = a.errs
	res.Ignored.Suppressions = a.countIgnored()
	finding.Sort(res.Extra)
	finding.SortErrors(res.Errors)
	return res
}

type applier struct {
	opts Options
	ran  map[string]bool

	comments    []*suppression
	byTarget    map[fileLine][]*suppression
	annotations map[string]*suppression // by place and text
	byInstance  map[finding.Instance][]*suppression
	entries     []*suppression // config entries in force
	expired     []*suppression
	errs        []finding.InputError
}

// ranSet holds the IDs of the checks that ran.
func ranSet(cs []*check.Check) map[string]bool {
	if cs == nil {
		cs = check.All()
	}
	ran := map[string]bool{}
	for _, c := range cs {
		ran[c.ID] = true
	}
	return ran
}

// validNames reports the first name that is neither a check ID nor a category.
func validNames(names []string) error {
	cats := map[string]bool{}
	for _, c := range check.Categories() {
		cats[c] = true
	}
	for _, n := range names {
		if check.Lookup(n) == nil && !cats[n] && !check.IsRunName(n) {
			return fmt.Errorf("unknown check or category %q (see `kubectl secure checks`)", n)
		}
	}
	return nil
}

func (a *applier) fail(file string, line int, format string, args ...any) {
	a.errs = append(a.errs, finding.InputError{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// collectComments reads every file a finding points into or an object came from.
func (a *applier) collectComments(findings []finding.Finding, objs []*manifest.Object) {
	seen := map[string]bool{}
	var files []string
	add := func(f string) {
		if f != "" && !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, f := range findings {
		add(f.File)
	}
	for _, o := range objs {
		add(o.File)
	}
	sort.Strings(files)
	// Reading is most of the cost of this stage (the files were read once to load them);
	// read and scan in parallel, then record in file order.
	scanned := make([][]comment, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, file := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if data, err := a.opts.ReadFile(file); err == nil { // else: the loader has reported it
				scanned[i] = scanComments(data)
			}
		}()
	}
	wg.Wait()
	ignored := !a.opts.Mode.inSource()
	for i, file := range files {
		for _, c := range scanned[i] {
			if ignored && (c.problem != "" || validNames(c.names) != nil) {
				continue // hides nothing whether well written or not
			}
			if c.problem != "" {
				a.fail(file, c.line, "suppression comment %s", c.problem)
				continue
			}
			if err := validNames(c.names); err != nil {
				a.fail(file, c.line, "suppression comment: %v", err)
				continue
			}
			s := &suppression{source: FromComment, file: file, line: c.line, column: c.column, names: c.names, ignored: ignored,
				reason: c.reason, target: fileLine{file, c.target}, object: objectAt(objs, file, c.line)}
			a.comments = append(a.comments, s)
			if c.target > 0 {
				a.byTarget[s.target] = append(a.byTarget[s.target], s)
			}
		}
	}
}

// objectAt returns the object of a plain file whose document holds line, for the findings
// about a comment; objects built by Kustomize are not text of that file.
func objectAt(objs []*manifest.Object, file string, line int) finding.ObjectRef {
	var best *manifest.Object
	for _, o := range objs {
		start := o.StartLine()
		if o.File != file || start == 0 || start > line {
			continue
		}
		if best == nil || start > best.StartLine() {
			best = o
		}
	}
	if best == nil {
		return finding.ObjectRef{}
	}
	return best.Ref
}

func (a *applier) collectConfig() {
	cfg := a.opts.Config
	if cfg == nil {
		return
	}
	// The config file is the owners' own: its errors are reported whatever the mode.
	ignored := !a.opts.Mode.config()
	for i := range cfg.Ignore {
		e := &cfg.Ignore[i]
		if strings.TrimSpace(e.Reason) == "" {
			a.fail(cfg.Path, e.Line, "ignore entry has no reason: say why the findings it hides are accepted")
			continue
		}
		if err := validNames(e.Checks); err != nil {
			a.fail(cfg.Path, e.Line, "ignore entry: %v", err)
			continue
		}
		s := &suppression{source: FromConfig, file: cfg.Path, line: e.Line, column: max(e.Column, 1),
			names: e.Checks, reason: strings.TrimSpace(e.Reason), entry: e, ignored: ignored}
		if e.Expires != nil && e.Expires.Expired(a.opts.Now) {
			if !ignored { // an expired entry hides nothing in any mode; reported only when honoured
				a.expired = append(a.expired, s)
			}
			continue
		}
		a.entries = append(a.entries, s)
	}
}

// ValidateConfig reports the first ignore entry that names an unknown check or category,
// so the command line can refuse a bad config before linting.
func ValidateConfig(cfg *config.Config) error {
	if cfg == nil {
		return nil
	}
	for _, e := range cfg.Ignore {
		if err := validNames(e.Checks); err != nil {
			return &finding.InputError{File: cfg.Path, Line: e.Line, Message: "ignore entry: " + err.Error()}
		}
	}
	return nil
}

// match returns the suppression that hides f, the most specific first (the comment on its
// line, then its object's annotation, then the config), and marks every suppression that
// matches as used so that none of them is called stale.
//
// A finding is hidden only when every object instance it is about is: a base line that two
// overlays build is one finding, and an annotation only one overlay's patch adds leaves it
// standing for the other. The suppressions that hide one instance are used all the same.
// ignored reports a kept finding that the suppressions the mode sets aside would have
// hidden.
func (a *applier) match(f finding.Finding) (first *suppression, ignored bool) {
	instances := f.Instances
	if len(instances) == 0 {
		// Not made by the lint engine: only what the finding itself says is known.
		instances = []finding.Instance{{File: f.File, Ref: f.Object}}
	}
	all, covered := true, true
	for i, in := range instances {
		hidden, wouldHide := a.matchInstance(f, in)
		if i == 0 {
			first = hidden
		}
		all = all && hidden != nil
		covered = covered && (hidden != nil || wouldHide)
	}
	if !all {
		return nil, covered
	}
	return first, false
}

// matchInstance returns the first honoured suppression that hides f for one instance, and
// whether a suppression the mode sets aside matches it.
func (a *applier) matchInstance(f finding.Finding, in finding.Instance) (first *suppression, ignored bool) {
	use := func(s *suppression) {
		if s.ignored {
			ignored = true
			return
		}
		s.used = true
		if first == nil {
			first = s
		}
	}
	// A comment is text of the file the finding points at: it applies to the findings
	// located on its line, whichever build reached that line.
	for _, s := range a.byTarget[fileLine{f.File, f.Line}] {
		if namesMatch(s.names, f) {
			use(s)
		}
	}
	for _, s := range a.byInstance[in] {
		if namesMatch(s.names, f) {
			use(s)
		}
	}
	for _, s := range a.entries {
		if namesMatch(s.names, f) && a.entryMatches(s.entry, f.File, in.Ref) {
			use(s)
		}
	}
	return first, ignored
}

// countIgnored counts the suppressions the mode set aside.
func (a *applier) countIgnored() int {
	n := 0
	for _, s := range a.comments {
		if s.ignored {
			n++
		}
	}
	for _, s := range a.annotations {
		if s.ignored {
			n++
		}
	}
	for _, s := range a.entries {
		if s.ignored {
			n++
		}
	}
	return n
}

func namesMatch(names []string, f finding.Finding) bool {
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if n == f.Check || n == f.Category {
			return true
		}
	}
	return false
}

// entryMatches applies the object and path criteria of a config entry.
func (a *applier) entryMatches(e *config.Ignore, file string, ref finding.ObjectRef) bool {
	if len(e.Paths) > 0 && !a.opts.Config.MatchFile(e.Paths, file) {
		return false
	}
	return a.objectMatches(e, ref)
}

func (a *applier) objectMatches(e *config.Ignore, ref finding.ObjectRef) bool {
	if len(e.Namespaces) > 0 {
		ns := ref.Namespace
		if ns == "" {
			ns = a.opts.Namespace
		}
		if ns == "" {
			ns = "default"
		}
		if !globAny(e.Namespaces, ns) {
			return false
		}
	}
	if len(e.Names) > 0 && !globAny(e.Names, ref.Name) {
		return false
	}
	if len(e.Kinds) > 0 {
		ok := false
		for _, k := range e.Kinds {
			ok = ok || strings.EqualFold(k, ref.Kind)
		}
		if !ok {
			return false
		}
	}
	return true
}

func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, s); ok {
			return true
		}
	}
	return false
}

// extra reports stale suppressions and expired config entries.
func (a *applier) extra(findings []finding.Finding, objs []*manifest.Object) []finding.Finding {
	var out []finding.Finding
	if a.ran[StaleID] {
		var all []*suppression
		all = append(all, a.comments...)
		all = append(all, sortedAnnotations(a.annotations)...)
		all = append(all, a.entries...)
		for _, s := range all {
			if s.used || s.ignored || !a.allRan(s.names) {
				continue
			}
			if s.source == FromConfig && !a.opts.WholeProject && !a.entryInScope(s.entry, findings, objs) {
				continue
			}
			out = append(out, a.finding(StaleID, s, staleMessage(s)))
		}
	}
	if a.ran[ExpiredID] {
		for _, s := range a.expired {
			// As for stale entries: a run over other files is not the place to nag.
			if !a.opts.WholeProject && !a.entryInScope(s.entry, findings, objs) {
				continue
			}
			out = append(out, a.finding(ExpiredID, s, fmt.Sprintf(
				"ignore entry %s expired on %s and no longer suppresses anything: fix its findings, or renew it with a new date and reason",
				describeEntry(s.entry), s.entry.Expires)))
		}
	}
	return out
}

func (a *applier) finding(id string, s *suppression, msg string) finding.Finding {
	c := check.Lookup(id)
	return finding.Finding{Check: id, Category: c.Category, Severity: c.Severity, Message: msg,
		File: s.file, Line: s.line, Column: s.column, Object: s.object, Path: s.path}
}

// allRan reports whether every check a suppression names ran, so that a suppression of a
// disabled check is not called stale.
func (a *applier) allRan(names []string) bool {
	for _, c := range check.All() {
		if c.Category == Category {
			continue
		}
		named := len(names) == 0
		for _, n := range names {
			named = named || n == c.ID || n == c.Category
		}
		if named && !a.ran[c.ID] {
			return false
		}
	}
	return true
}

// entryInScope reports whether the run linted something a config entry is written for:
// an object its criteria select, or a file its paths match.
func (a *applier) entryInScope(e *config.Ignore, findings []finding.Finding, objs []*manifest.Object) bool {
	if len(e.Paths)+len(e.Namespaces)+len(e.Names)+len(e.Kinds) == 0 {
		return false // only checks named: it is about the whole project
	}
	for _, o := range objs {
		if !a.objectMatches(e, o.Ref) {
			continue
		}
		if len(e.Paths) == 0 || a.opts.Config.MatchFile(e.Paths, o.File) {
			return true
		}
	}
	if len(e.Paths) > 0 {
		for _, f := range findings {
			if a.entryMatches(e, f.File, f.Object) {
				return true
			}
		}
	}
	return false
}

func sortedAnnotations(m map[string]*suppression) []*suppression {
	out := make([]*suppression, 0, len(m))
	for _, s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		if out[i].line != out[j].line {
			return out[i].line < out[j].line
		}
		return strings.Join(out[i].names, ",") < strings.Join(out[j].names, ",")
	})
	return out
}

func staleMessage(s *suppression) string {
	names := strings.Join(s.names, ",")
	switch s.source {
	case FromComment:
		if s.target.line == 0 {
			return fmt.Sprintf("suppression of %s applies to no line (it ends the file): remove it", names)
		}
		return fmt.Sprintf("suppression of %s matches no finding on line %d: remove it, or move it to the line it is meant for", names, s.target.line)
	case FromAnnotation:
		return fmt.Sprintf("suppression of %s in annotation %s matches no finding of %s %q: remove it", names, AnnotationKey, s.object.Kind, s.object.Name)
	default:
		return fmt.Sprintf("ignore entry %s matches no finding: remove it", describeEntry(s.entry))
	}
}

// describeEntry names an ignore entry by its criteria.
func describeEntry(e *config.Ignore) string {
	var parts []string
	add := func(key string, vs []string) {
		if len(vs) > 0 {
			parts = append(parts, key+": "+strings.Join(vs, ","))
		}
	}
	add("checks", e.Checks)
	add("paths", e.Paths)
	add("namespaces", e.Namespaces)
	add("names", e.Names)
	add("kinds", e.Kinds)
	return "(" + strings.Join(parts, "; ") + ")"
}
