package report

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/version"
)

const (
	toolName       = "kubectl-secure"
	informationURI = "https://github.com/kubectl-secure/kubectl-secure"
	sarifSchema    = "https://json.schemastore.org/sarif-2.1.0.json"
	// fingerprintKey is versioned as SARIF §3.27.17 asks, so a change to what is hashed
	// can take a new key instead of silently reopening every alert.
	fingerprintKey = "kubectlSecure/v1"
)

// SARIFOptions controls the SARIF output.
type SARIFOptions struct {
	// WorkDir is the directory file names are made relative to (the checkout in CI), so
	// that code scanning can resolve them against %SRCROOT%. Empty leaves them as given.
	WorkDir string
	// Suppressed adds the suppressed findings as results carrying SARIF suppressions
	// (§3.35): kind inSource for an annotation or comment, external for the config file,
	// the reason as justification and where the suppression is written. Off by default:
	// not every consumer honours suppressions, and one that does not (an upload to code
	// scanning without a dismissal step) would open an alert for each.
	Suppressed bool
}

// The SARIF 2.1.0 subset kubectl-secure writes. Field order follows the specification so
// the output reads like other tools'.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
		ColumnKind  string            `json:"columnKind"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Version        string      `json:"version"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string             `json:"id"`
		Name                 string             `json:"name"`
		ShortDescription     *sarifMessage      `json:"shortDescription,omitempty"`
		FullDescription      *sarifMessage      `json:"fullDescription,omitempty"`
		Help                 *sarifHelp         `json:"help,omitempty"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
		Properties           sarifRuleProps     `json:"properties"`
	}
	sarifHelp struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifRuleProps struct {
		Category string `json:"category,omitempty"`
		PSS      string `json:"pss,omitempty"`
		// GitHub reads security-severity (a number in a string, 0.0–10.0) to rank alerts
		// as critical/high/medium/low; it needs the "security" tag to do so.
		SecuritySeverity string   `json:"security-severity"`
		Tags             []string `json:"tags"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		RuleIndex int             `json:"ruleIndex"`
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations"`
		// RelatedLocations name every object a merged finding reaches (SARIF 2.1.0
		// §3.27.22), each as a logical location with the overlay that built it as message.
		RelatedLocations    []sarifLocation    `json:"relatedLocations,omitempty"`
		PartialFingerprints map[string]string  `json:"partialFingerprints"`
		Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
		Properties          sarifResultProps   `json:"properties"`
	}
	sarifSuppression struct {
		Kind          string         `json:"kind"`   // inSource or external
		Status        string         `json:"status"` // accepted: the suppression is in force
		Justification string         `json:"justification,omitempty"`
		Location      *sarifLocation `json:"location,omitempty"`
	}
	sarifResultProps struct {
		// Severity is the finding's own, which a config override can set apart from the
		// rule's default.
		Severity string `json:"severity"`
		Path     string `json:"path,omitempty"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifLocation struct {
		ID               int                    `json:"id,omitempty"`
		Message          *sarifMessage          `json:"message,omitempty"`
		PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
		LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	sarifLogicalLocation struct {
		Name               string `json:"name"`
		FullyQualifiedName string `json:"fullyQualifiedName"`
		Kind               string `json:"kind"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations,omitempty"`
	}
)

// SARIF writes the report as a SARIF 2.1.0 log that GitHub code scanning accepts: one run,
// every rule in r.Rules, one result per finding located at its line and column, and input
// errors as tool execution notifications of a run that did not succeed.
func SARIF(w io.Writer, r Report, opts SARIFOptions) error {
	rules, index := sarifRules(r, opts.Suppressed)
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		results = append(results, sarifResultOf(f, index, opts))
	}
	if opts.Suppressed {
		for _, s := range r.Suppressed {
			res := sarifResultOf(s.Finding, index, opts)
			sup := sarifSuppression{Kind: "inSource", Status: "accepted", Justification: Sanitize(s.Reason)}
			if s.Suppression.Kind == "config" {
				sup.Kind = "external"
			}
			if s.Suppression.File != "" {
				uri, base := artifactURI(s.Suppression.File, opts.WorkDir)
				sup.Location = &sarifLocation{PhysicalLocation: &sarifPhysicalLocation{
					ArtifactLocation: sarifArtifactLocation{URI: uri, URIBaseID: base},
					Region:           region(s.Suppression.Line, 0),
				}}
			}
			res.Suppressions = []sarifSuppression{sup}
			results = append(results, res)
		}
	}
	inv := sarifInvocation{ExecutionSuccessful: len(r.Errors) == 0}
	for _, e := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifMessage{Text: messageText(e.Message)}}
		if e.File != "" {
			uri, base := artifactURI(e.File, opts.WorkDir)
			n.Locations = []sarifLocation{{PhysicalLocation: &sarifPhysicalLocation{
				ArtifactLocation: sarifArtifactLocation{URI: uri, URIBaseID: base},
				Region:           region(e.Line, 0),
			}}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	doc := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name: toolName, InformationURI: informationURI, Version: version.Get().Version, Rules: rules,
			}},
			Invocations: []sarifInvocation{inv},
			Results:     results,
			// yaml.v3 counts columns in characters, not the UTF-16 units SARIF assumes.
			ColumnKind: "unicodeCodePoints",
		}},
	}
	return encodeJSON(w, doc)
}

// sarifResultOf is the result of one finding, located at its line and column.
func sarifResultOf(f finding.Finding, index map[string]int, opts SARIFOptions) sarifResult {
	uri, base := artifactURI(f.File, opts.WorkDir)
	loc := sarifLocation{
		PhysicalLocation: &sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: uri, URIBaseID: base},
			Region:           region(f.Line, f.Column),
		},
		LogicalLocations: []sarifLogicalLocation{{
			Name: f.Object.Name, FullyQualifiedName: objectFQN(f.Object), Kind: "resource",
		}},
	}
	var related []sarifLocation
	for i, r := range f.Objects {
		text := objectFQN(r.ObjectRef)
		if r.Overlay != "" {
			text += " built by " + r.Overlay
		}
		related = append(related, sarifLocation{
			ID:      i + 1, // ids are unique within the result; 0 would be omitted
			Message: &sarifMessage{Text: messageText(text)},
			LogicalLocations: []sarifLogicalLocation{{
				Name: r.Name, FullyQualifiedName: objectFQN(r.ObjectRef), Kind: "resource",
			}},
		})
	}
	return sarifResult{
		RelatedLocations:    related,
		RuleID:              f.Check,
		RuleIndex:           index[f.Check],
		Level:               sarifLevel(f.Severity),
		Message:             sarifMessage{Text: messageText(f.Message)},
		Locations:           []sarifLocation{loc},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f, uri)},
		Properties:          sarifResultProps{Severity: f.Severity.String(), Path: f.Path},
	}
}

// sarifRules lists r.Rules once each, in the order given, followed by a bare rule for any
// check a finding (or, when they are written, a suppressed finding) names that r.Rules
// lacks, so that every ruleIndex is valid.
func sarifRules(r Report, withSuppressed bool) ([]sarifRule, map[string]int) {
	rules := []sarifRule{}
	index := map[string]int{}
	add := func(ri RuleInfo) {
		if _, dup := index[ri.ID]; dup {
			return
		}
		index[ri.ID] = len(rules)
		rules = append(rules, newSARIFRule(ri))
	}
	for _, ri := range r.Rules {
		add(ri)
	}
	for _, f := range r.Findings {
		add(RuleInfo{ID: f.Check, Category: f.Category, Severity: f.Severity, PSS: f.PSS})
	}
	if withSuppressed {
		for _, s := range r.Suppressed {
			f := s.Finding
			add(RuleInfo{ID: f.Check, Category: f.Category, Severity: f.Severity, PSS: f.PSS})
		}
	}
	return rules, index
}

func newSARIFRule(ri RuleInfo) sarifRule {
	rule := sarifRule{
		ID:                   ri.ID,
		Name:                 ruleName(ri.ID),
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(ri.Severity)},
		Properties: sarifRuleProps{
			Category:         ri.Category,
			PSS:              ri.PSS,
			SecuritySeverity: securitySeverity(ri.Severity),
			Tags:             []string{"security"},
		},
	}
	if ri.Category != "" {
		rule.Properties.Tags = append(rule.Properties.Tags, ri.Category)
	}
	rule.Properties.Tags = append(rule.Properties.Tags, ri.References...)
	if ri.Title != "" {
		rule.ShortDescription = &sarifMessage{Text: ri.Title}
	}
	if ri.Why != "" {
		rule.FullDescription = &sarifMessage{Text: ri.Why}
	}
	if text, md := ruleHelp(ri); text != "" {
		rule.Help = &sarifHelp{Text: text, Markdown: md}
	}
	return rule
}

// ruleHelp renders the check's documentation as `kubectl secure checks ID` does, in plain
// text and in Markdown.
func ruleHelp(ri RuleInfo) (text, md string) {
	var t, m strings.Builder
	section := func(title, body string, code bool) {
		if body == "" {
			return
		}
		if t.Len() > 0 {
			t.WriteString("\n\n")
			m.WriteString("\n\n")
		}
		t.WriteString(title + ":\n" + body)
		m.WriteString("**" + title + "**\n\n")
		if code {
			m.WriteString("```yaml\n" + body + "\n```")
		} else {
			m.WriteString(body)
		}
	}
	section("Why it matters", ri.Why, false)
	section("Fires on", ri.Bad, true)
	section("Passes", ri.Good, true)
	section("How to fix", ri.Fix, false)
	return t.String(), m.String()
}

// ruleName turns a kebab-case ID into the PascalCase identifier SARIF suggests for names.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	if b.Len() == 0 {
		return id
	}
	return b.String()
}

func sarifLevel(s finding.Severity) string { return alertLevel(s, "note") }

// alertLevel grades a severity on the three levels code scanning and workflow annotations
// share: critical and high are errors, medium warnings, and low the lowest level, which
// SARIF calls "note" and GitHub "notice".
func alertLevel(s finding.Severity, lowest string) string {
	switch s {
	case finding.Critical, finding.High:
		return "error"
	case finding.Medium:
		return "warning"
	default:
		return lowest
	}
}

func securitySeverity(s finding.Severity) string {
	switch s {
	case finding.Critical:
		return "9.5"
	case finding.High:
		return "8.0"
	case finding.Medium:
		return "5.5"
	default:
		return "3.0"
	}
}

// region is nil when the line is unknown: SARIF requires startLine >= 1.
func region(line, col int) *sarifRegion {
	if line < 1 {
		return nil
	}
	r := &sarifRegion{StartLine: line}
	if col >= 1 {
		r.StartColumn = col
	}
	return r
}

func objectFQN(o finding.ObjectRef) string {
	if o.APIVersion == "" {
		return o.String()
	}
	return o.APIVersion + "/" + o.String()
}

// messageText is the message with control characters escaped: SARIF viewers print it to
// terminals and logs, where manifest text must not drive the display.
func messageText(s string) string {
	if s = Sanitize(s); s == "" {
		return "(no message)" // SARIF requires a non-empty message text
	}
	return s
}

// fingerprint identifies a finding across commits: the check, the file, the object and the
// field, but not the line (which moves as the file is edited) nor the message wording.
func fingerprint(f finding.Finding, uri string) string {
	h := sha256.New()
	for _, s := range []string{f.Check, uri, f.Object.APIVersion, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Path} {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
