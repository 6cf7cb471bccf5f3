// Package report writes the result of a lint run in the formats users and tools read.
package report

import (
	"encoding/json"
	"io"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// Report is the result of one lint run.
type Report struct {
	Findings []finding.Finding
	Errors   []finding.InputError
	Files    int
	Objects  int
}

// Summary is the closing count; its JSON form is part of the product contract.
type Summary struct {
	Files    int `json:"files"`
	Objects  int `json:"objects"`
	Findings int `json:"findings"`
}

type jsonReport struct {
	Findings []finding.Finding    `json:"findings"`
	Errors   []finding.InputError `json:"errors"`
	Summary  Summary              `json:"summary"`
}

// JSON writes the report as one JSON document (DESIGN.md's shape). Empty lists are written
// as [] so consumers never meet null.
func JSON(w io.Writer, r Report) error {
	doc := jsonReport{Findings: r.Findings, Errors: r.Errors,
		Summary: Summary{Files: r.Files, Objects: r.Objects, Findings: len(r.Findings)}}
	if doc.Findings == nil {
		doc.Findings = []finding.Finding{}
	}
	if doc.Errors == nil {
		doc.Errors = []finding.InputError{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
