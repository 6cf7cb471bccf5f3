package report

import (
	"bytes"
	_ "embed" // the page's stylesheet and script
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"path/filepath"
	"sort"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/reach"
)

// The page is one file: its stylesheet and script are ours (no library, no font, no
// request), embedded here and inlined into it, and its Content-Security-Policy forbids
// every request, so nothing leaves the page wherever it is opened.
var (
	//go:embed html/report.css
	htmlCSS string
	//go:embed html/report.js
	htmlJS string
	//go:embed html/report.html
	htmlPage string
)

var pageTemplate = template.Must(template.New("report").Parse(htmlPage))

// Views are what the html format shows besides the findings. The caller computes them
// from the run's objects (they need the objects' trees, which a report does not hold).
type Views struct {
	Graph *reach.Graph
	// Access is each workload's path to the API: ServiceAccount, bindings, what it can do.
	Access []AccessPath
	// AccessNote says why access paths are missing or partial, "" when they are complete.
	AccessNote string
}

// AccessPath is what the pods of one workload can do with the Kubernetes API: the
// bindings that reach its ServiceAccount and the capabilities they grant.
type AccessPath struct {
	Workload       string          `json:"workload"` // the graph node ID
	ServiceAccount string          `json:"serviceAccount"`
	Bindings       []AccessBinding `json:"bindings"`
	Grants         []AccessGrant   `json:"grants"`
}

// AccessBinding is one binding that reaches a workload's ServiceAccount.
type AccessBinding struct {
	Binding string `json:"binding"`         // Kind namespace/name
	Role    string `json:"role"`            // Kind name
	Group   string `json:"group,omitempty"` // the group subject that reaches the account
	File    string `json:"file,omitempty"`  // of the subject entry
	Line    int    `json:"line,omitempty"`
}

// AccessGrant is one capability and the binding and role that grant it.
type AccessGrant struct {
	Capability  string `json:"capability"`
	Description string `json:"description"`
	Binding     string `json:"binding"`          // Kind namespace/name
	Role        string `json:"role"`             // Kind name
	Source      string `json:"source,omitempty"` // the role whose rule grants it, when aggregated into Role
	Scope       string `json:"scope"`            // a namespace, or "cluster"
	File        string `json:"file,omitempty"`   // of the binding's subject entry
	Line        int    `json:"line,omitempty"`
}

// htmlData is the JSON the page's script reads.
type htmlData struct {
	WorkDir string `json:"workDir"`
	// Files are the files findings are in; a finding names its file by index, which keeps
	// the corpus's page a third smaller than repeating each path.
	Files      []string          `json:"files"`
	Summary    Summary           `json:"summary"`
	Findings   []htmlFinding     `json:"findings"`
	Suppressed int               `json:"suppressed"`
	Errors     []string          `json:"errors"`
	Rules      map[string]string `json:"rules"` // check ID → title
	Graph      *reach.Graph      `json:"graph"`
	Access     []AccessPath      `json:"access"`
	AccessNote string            `json:"accessNote,omitempty"`
}

type htmlFinding struct {
	Check     string `json:"check"`
	Severity  string `json:"severity"`
	Message   string `json:"message"`
	File      int    `json:"file"` // index in htmlData.Files
	Line      int    `json:"line"`
	Column    int    `json:"column"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Fix       string `json:"fix,omitempty"` // safe, unsafe, or none
}

// HTMLOptions are what the page needs besides the report.
type HTMLOptions struct {
	// WorkDir makes file links absolute (vscode://file/...); "" leaves them relative.
	WorkDir string
	Views   *Views
}

// HTML writes r as one self-contained page: the findings (filtered by severity, check
// and file, searched), the reachability graph of each namespace and each workload's access
// path. The data is embedded as JSON in a script element the page's script reads;
// encoding/json escapes <, > and &, so no value can end that element.
func HTML(w io.Writer, r Report, o HTMLOptions) error {
	data := htmlData{WorkDir: o.WorkDir, Files: []string{}, Findings: make([]htmlFinding, 0, len(r.Findings)), Suppressed: len(r.Suppressed),
		Errors: []string{}, Rules: map[string]string{}, Access: []AccessPath{}}
	data.Summary = Summary{Files: r.Files, Objects: r.Objects, Findings: len(r.Findings)}
	if data.WorkDir != "" {
		data.WorkDir = filepath.ToSlash(data.WorkDir)
	}
	fileIndex := map[string]int{}
	for _, f := range r.Findings {
		file := filepath.ToSlash(f.File)
		i, ok := fileIndex[file]
		if !ok {
			i = len(data.Files)
			fileIndex[file] = i
			data.Files = append(data.Files, file)
		}
		hf := htmlFinding{Check: f.Check, Severity: f.Severity.String(), Message: f.Message,
			File: i, Line: f.Line, Column: f.Column, Kind: f.Object.Kind, Namespace: f.Object.Namespace, Name: f.Object.Name}
		if f.Fix != nil {
			hf.Fix = fixClass(f.Fix)
		}
		data.Findings = append(data.Findings, hf)
	}
	sort.SliceStable(data.Findings, func(i, j int) bool {
		return severityRank(data.Findings[i].Severity) > severityRank(data.Findings[j].Severity)
	})
	for _, e := range r.Errors {
		data.Errors = append(data.Errors, e.Error())
	}
	for _, rule := range r.Rules {
		data.Rules[rule.ID] = rule.Title
	}
	if v := o.Views; v != nil {
		data.Graph, data.AccessNote = v.Graph, v.AccessNote
		// A workload no binding reaches needs no entry: the page says so for a missing one.
		for _, p := range v.Access {
			if len(p.Bindings) > 0 {
				data.Access = append(data.Access, p)
			}
		}
	}
	if data.Graph == nil {
		data.Graph = &reach.Graph{}
	}
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(data); err != nil {
		return fmt.Errorf("html report data: %w", err)
	}
	return pageTemplate.Execute(w, struct {
		CSS  template.CSS
		JS   template.JS
		Data template.JS
	}{template.CSS(htmlCSS), template.JS(htmlJS), template.JS(js.String())})
}

func fixClass(fx *finding.Fix) string {
	if fx.Safe {
		return "safe"
	}
	return "unsafe"
}

func severityRank(s string) int {
	sev, err := finding.ParseSeverity(s)
	if err != nil {
		return 0
	}
	return int(sev)
}
