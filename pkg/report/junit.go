package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

type (
	junitTestsuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Classname string         `xml:"classname,attr"`
		Name      string         `xml:"name,attr"`
		Failures  []junitProblem `xml:"failure"`
		Errors    []junitProblem `xml:"error"`

		line int // orders the cases of a suite as they appear in the file
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	}
)

// JUnit writes the report as JUnit XML for CI systems that show test results: one
// testsuite per file, one testcase per object in it (classname the file, name
// Kind/namespace/name) with a <failure> per finding (a finding that reaches several
// objects fails each of their testcases), and one testcase with an <error> per
// input error. Objects in r.Linted with no finding are passing testcases.
//
// The suite's failures attribute counts failing testcases, not findings, so it never
// exceeds tests.
func JUnit(w io.Writer, r Report) error {
	type caseKey struct {
		file string
		obj  finding.ObjectRef
	}
	cases := map[caseKey]*junitCase{}
	var order []caseKey
	failed := map[finding.ObjectRef]bool{}
	for _, f := range r.Findings {
		// JUnit's model is one testcase per object: a finding that reaches several objects
		// (a base used by several overlays) fails each of their testcases, once each.
		var seen []finding.ObjectRef
		for _, reached := range f.Reaches() {
			obj := reached.ObjectRef
			if slices.Contains(seen, obj) {
				continue
			}
			seen = append(seen, obj)
			k := caseKey{f.File, obj}
			c := cases[k]
			if c == nil {
				c = &junitCase{Classname: xmlText(f.File), Name: xmlText(obj.String()), line: f.Line}
				cases[k] = c
				order = append(order, k)
			}
			failed[obj] = true
			one := f
			one.Object, one.Objects = obj, nil
			c.Failures = append(c.Failures, junitProblem{
				Message: xmlText(f.Message),
				Type:    xmlText(f.Check),
				Body:    xmlStrip(failureBody(one)),
			})
		}
	}
	for _, o := range r.Linted {
		k := caseKey{o.File, o.Ref}
		// An object with a finding anywhere (a Kustomize object can be located in its base
		// and in a patch) did not pass, so it is not listed as passing elsewhere.
		if failed[o.Ref] || cases[k] != nil {
			continue
		}
		cases[k] = &junitCase{Classname: xmlText(o.File), Name: xmlText(o.Ref.String()), line: o.Line}
		order = append(order, k)
	}

	suites := map[string]*junitSuite{}
	suite := func(file string) *junitSuite {
		s := suites[file]
		if s == nil {
			s = &junitSuite{Name: xmlText(file)}
			suites[file] = s
		}
		return s
	}
	for _, e := range r.Errors {
		s := suite(e.File)
		s.Cases = append(s.Cases, junitCase{
			Classname: xmlText(e.File), Name: "input error", line: -1,
			Errors: []junitProblem{{Message: xmlText(e.Message), Type: "input-error", Body: xmlText(e.Error())}},
		})
	}
	for _, k := range order {
		s := suite(k.file)
		s.Cases = append(s.Cases, *cases[k])
	}

	doc := junitTestsuites{Name: toolName}
	files := make([]string, 0, len(suites))
	for f := range suites {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		s := suites[f]
		sort.SliceStable(s.Cases, func(i, j int) bool {
			a, b := s.Cases[i], s.Cases[j]
			if a.line != b.line {
				return a.line < b.line
			}
			return a.Name < b.Name
		})
		for _, c := range s.Cases {
			s.Tests++
			switch {
			case len(c.Errors) > 0:
				s.Errors++
			case len(c.Failures) > 0:
				s.Failures++
			}
		}
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, *s)
	}

	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JUnit XML: %w", err)
	}
	_, err = io.WriteString(w, xml.Header+string(out)+"\n")
	return err
}

func failureBody(f finding.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: %s %s\n", Sanitize(f.File), f.Line, f.Column, f.Severity, Sanitize(f.Check))
	b.WriteString("object: " + Sanitize(f.Object.String()) + "\n")
	if f.Path != "" {
		b.WriteString("path: " + Sanitize(f.Path) + "\n")
	}
	if f.PSS != "" {
		b.WriteString("pss: " + Sanitize(f.PSS) + "\n")
	}
	if f.Fix != nil {
		kind := "unsafe fix"
		if f.Fix.Safe {
			kind = "fix"
		}
		b.WriteString(kind + ": " + Sanitize(f.Fix.Description) + "\n")
	}
	return b.String()
}

// xmlText makes s safe for an XML 1.0 document: control characters (line breaks included)
// and invalid UTF-8 are escaped visibly by Sanitize, and what XML 1.0 still forbids is
// dropped by xmlStrip.
func xmlText(s string) string { return xmlStrip(Sanitize(s)) }

// xmlStrip drops the characters XML 1.0 forbids, which Sanitize lets through as printable
// (U+FFFE, U+FFFF) or that a caller built in on purpose. encoding/xml would write U+FFFD
// for them, silently changing the text.
func xmlStrip(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF) {
			return r
		}
		return -1
	}, s)
}
