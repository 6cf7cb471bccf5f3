package report

import (
	"io"
	"strings"
)

// Format is one output format of a lint report. The table of formats is the one place a
// format is named: flag validation, --help and the dispatch of the command line all read
// it, so that a new format is one entry here.
type Format struct {
	Name string
	// Purpose says what the format is for in --help, "" when the name says it.
	Purpose string
	// Color and ShowSuppressed say which of the options the writer honours: colour, and
	// listing the suppressed findings (formats without it list them always or never).
	Color, ShowSuppressed bool
	// Views says the format shows Views (the reachability graph, access paths), which the
	// caller computes from the run's objects and passes in FormatOptions.
	Views bool
	write func(w io.Writer, r Report, o FormatOptions) error
}

// FormatOptions are the writer options the formats share; each format reads those it
// supports.
type FormatOptions struct {
	Color          bool
	ShowSuppressed bool
	// WorkDir is what SARIF and GitHub paths are made relative to; "" leaves them as the
	// user gave them.
	WorkDir string
	// Views are the graph and access paths, for the formats that show them.
	Views *Views
}

// Write writes r in the format.
func (f Format) Write(w io.Writer, r Report, o FormatOptions) error {
	return f.write(w, r, o)
}

// formats lists the formats in the order --help names them; the first is the default.
var formats = []Format{
	{Name: "text", Color: true, ShowSuppressed: true, write: func(w io.Writer, r Report, o FormatOptions) error {
		return Text(w, r, TextOptions{Color: o.Color, ShowSuppressed: o.ShowSuppressed})
	}},
	{Name: "json", write: func(w io.Writer, r Report, _ FormatOptions) error { return JSON(w, r) }},
	{Name: "sarif", Purpose: "GitHub code scanning", ShowSuppressed: true, write: func(w io.Writer, r Report, o FormatOptions) error {
		return SARIF(w, r, SARIFOptions{WorkDir: o.WorkDir, Suppressed: o.ShowSuppressed})
	}},
	{Name: "github", Purpose: "workflow annotations", write: func(w io.Writer, r Report, o FormatOptions) error {
		return GitHub(w, r, GitHubOptions{WorkDir: o.WorkDir})
	}},
	{Name: "junit", write: func(w io.Writer, r Report, _ FormatOptions) error { return JUnit(w, r) }},
	{Name: "markdown", Purpose: "pull-request summary", write: func(w io.Writer, r Report, o FormatOptions) error {
		return Markdown(w, r, MarkdownOptions{WorkDir: o.WorkDir})
	}},
	{Name: "html", Purpose: "a self-contained page: findings, reachability graph, access paths", Views: true, write: func(w io.Writer, r Report, o FormatOptions) error {
		return HTML(w, r, HTMLOptions{WorkDir: o.WorkDir, Views: o.Views})
	}},
}

// Formats returns the output formats, the default first.
func Formats() []Format { return append([]Format(nil), formats...) }

// LookupFormat returns the format called name.
func LookupFormat(name string) (Format, bool) {
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// FormatNames lists the format names as a sentence: "text, json, ... or junit"; with
// purposes, each is followed by what it is for in parentheses.
func FormatNames(purposes bool) string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = f.Name
		if purposes && f.Purpose != "" {
			names[i] += " (" + f.Purpose + ")"
		}
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
