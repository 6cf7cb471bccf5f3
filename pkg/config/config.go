// Package config reads .kubectl-secure.yaml: the project's choices of checks, severities,
// failure threshold, registries and namespaces, shared by everyone who lints the repository.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/apilifecycle"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

// FileName is the config file looked up from the working directory upwards.
const FileName = ".kubectl-secure.yaml"

// Config is the file's content. Every field is optional; flags given on the command line
// win over the file.
type Config struct {
	// Path is where the config was read from ("" when none was found).
	Path string `yaml:"-"`

	Enable  []string `yaml:"enable,omitempty"`
	Disable []string `yaml:"disable,omitempty"`
	// Severity overrides a check's severity: check ID -> low|medium|high|critical.
	Severity          map[string]Severity `yaml:"severity,omitempty"`
	FailOn            *Severity           `yaml:"failOn,omitempty"`
	PSS               string              `yaml:"pss,omitempty"`
	Namespace         string              `yaml:"namespace,omitempty"`
	AllowedRegistries []string            `yaml:"allowedRegistries,omitempty"`
	NetworkPolicy     NetworkPolicy       `yaml:"networkPolicy,omitempty"`
	// DeployScope is how far objects that set no namespace relate in cross-object checks:
	// "unit" (the default) within their deploy unit, "repository" across the whole input.
	DeployScope string `yaml:"deployScope,omitempty"`
	// SkipPaths are globs (relative to the config file's directory, ** for any number of
	// directories) of files and directories that are not linted when a directory is walked.
	SkipPaths []string `yaml:"skipPaths,omitempty"`
	// Ignore suppresses findings the project has decided to accept, each with its reason.
	Ignore []Ignore `yaml:"ignore,omitempty"`
	// Suppressions says which suppressions lint honours: all (annotations, inline comments
	// and Ignore), config (Ignore only: what a pull request writes into its manifests
	// cannot silence a finding) or none. --suppressions wins over it.
	Suppressions string `yaml:"suppressions,omitempty"`
	// KubeVersion is the Kubernetes version the manifests are deployed to ("1.37");
	// --kube-version wins over it.
	KubeVersion string `yaml:"kubeVersion,omitempty"`
	// PSSFromNamespaceLabels (default true) has a workload's Pod Security Standards
	// findings follow the enforce label of its Namespace when the input holds it.
	PSSFromNamespaceLabels *bool `yaml:"pssFromNamespaceLabels,omitempty"`
	// Baseline is the baseline file (relative to the config file's directory) whose
	// findings are not reported; --baseline wins over it.
	Baseline string `yaml:"baseline,omitempty"`
	// Policies are files and directories of ValidatingAdmissionPolicies (relative to the
	// config file's directory) run as checks, as --policy runs them; --policy adds to them.
	Policies []string `yaml:"policies,omitempty"`
}

// Ignore is one suppression entry. A finding is suppressed when it matches every criterion
// the entry sets; within a criterion any listed value matches.
type Ignore struct {
	// Checks are check IDs or categories; empty means every check.
	Checks []string `yaml:"checks,omitempty"`
	// Paths are globs matched against the finding's file, relative to the config file's
	// directory or as the finding prints it.
	Paths []string `yaml:"paths,omitempty"`
	// Namespaces, Names and Kinds select the object the finding belongs to; namespaces
	// and names are shell globs, kinds are compared without regard to case.
	Namespaces []string `yaml:"namespaces,omitempty"`
	Names      []string `yaml:"names,omitempty"`
	Kinds      []string `yaml:"kinds,omitempty"`
	// Reason is required: a suppression nobody can explain is a finding hidden.
	Reason string `yaml:"reason"`
	// Expires is the last day the entry applies; after it the entry is reported instead.
	Expires *Date `yaml:"expires,omitempty"`

	// Line and Column are where the entry starts in the config file, for findings about it.
	Line   int `yaml:"-"`
	Column int `yaml:"-"`
}

// Date is a calendar day written YYYY-MM-DD.
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(dateLayout, n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return &lineError{line: n.Line, msg: fmt.Sprintf("expires must be a date written YYYY-MM-DD, not %q", n.Value)}
	}
	d.Time = t
	return nil
}

func (d Date) MarshalYAML() (any, error) { return d.String(), nil }

func (d Date) String() string { return d.Format(dateLayout) }

// Expired reports whether the day has passed at now, in now's time zone: an entry that
// expires on a day still applies during that day.
func (d Date) Expired(now time.Time) bool {
	return now.Format(dateLayout) > d.String()
}

// NetworkPolicy holds the network-policy analysis settings.
type NetworkPolicy struct {
	// CoveredNamespaces are namespaces (shell globs) whose policies live elsewhere.
	CoveredNamespaces []string `yaml:"coveredNamespaces,omitempty"`
}

// Severity is a finding.Severity read from YAML with the line of a bad value.
type Severity struct{ finding.Severity }

func (s *Severity) UnmarshalYAML(n *yaml.Node) error {
	v, err := finding.ParseSeverity(n.Value)
	if err != nil {
		return &lineError{line: n.Line, msg: err.Error()}
	}
	s.Severity = v
	return nil
}

func (s Severity) MarshalYAML() (any, error) { return s.String(), nil }

// Find returns the config file that applies to dir: dir's own, or the nearest parent's.
func Find(dir string) (string, bool) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(abs, FileName)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p, true
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return "", false
		}
		abs = parent
	}
}

// Load reads and validates the config at path. Unknown keys and bad values are errors
// that name the file and the line.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		var le *lineError
		if errors.As(err, &le) {
			return nil, &finding.InputError{File: path, Line: le.line, Message: le.msg}
		}
		return nil, &finding.InputError{File: path, Message: err.Error()}
	}
	cfg.Path = path
	return cfg, nil
}

type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

var yamlErrLine = regexp.MustCompile(`line (\d+): (.*)`)

// Parse decodes a config document strictly.
func Parse(data []byte) (*Config, error) {
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		var le *lineError
		if errors.As(err, &le) {
			return nil, le
		}
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			err = errors.New(te.Errors[0])
		}
		if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			// "field x not found in type config.Ignore": the Go type means nothing to a user.
			msg, _, _ := strings.Cut(m[2], " in type ")
			return nil, &lineError{line: line, msg: msg}
		}
		return nil, err
	}
	if cfg.PSS != "" && cfg.PSS != finding.PSSBaseline && cfg.PSS != finding.PSSRestricted {
		return nil, &lineError{line: keyLine(data, "pss"), msg: fmt.Sprintf("pss must be baseline or restricted, not %q", cfg.PSS)}
	}
	if cfg.DeployScope != "" && cfg.DeployScope != "unit" && cfg.DeployScope != "repository" {
		return nil, &lineError{line: keyLine(data, "deployScope"), msg: fmt.Sprintf("deployScope must be unit or repository, not %q", cfg.DeployScope)}
	}
	if cfg.KubeVersion != "" {
		v, err := apilifecycle.Normalize(cfg.KubeVersion)
		if err != nil {
			return nil, &lineError{line: keyLine(data, "kubeVersion"), msg: "kubeVersion: " + err.Error()}
		}
		cfg.KubeVersion = v
	}
	switch cfg.Suppressions {
	case "", "all", "config", "none":
	default:
		return nil, &lineError{line: keyLine(data, "suppressions"), msg: fmt.Sprintf("suppressions must be all, config or none, not %q", cfg.Suppressions)}
	}
	if err := validateLists(cfg, data); err != nil {
		return nil, err
	}
	return cfg, nil
}

// validateLists checks what the decoder cannot: globs that can never match, and ignore
// entries without a reason or that would hide everything. It also records the line of
// every ignore entry.
func validateLists(cfg *Config, data []byte) error {
	skipLines := itemLines(data, "skipPaths")
	for i, p := range cfg.SkipPaths {
		if err := ValidGlob(p); err != nil {
			return &lineError{line: at(skipLines, i).Line, msg: fmt.Sprintf("skipPaths: %v", err)}
		}
	}
	ignoreLines := itemLines(data, "ignore")
	for i := range cfg.Ignore {
		e := &cfg.Ignore[i]
		pos := at(ignoreLines, i)
		e.Line, e.Column = pos.Line, pos.Column
		if strings.TrimSpace(e.Reason) == "" {
			return &lineError{line: e.Line, msg: "ignore entry has no reason: say why the findings it hides are accepted"}
		}
		if len(e.Checks)+len(e.Paths)+len(e.Namespaces)+len(e.Names)+len(e.Kinds) == 0 {
			return &lineError{line: e.Line, msg: "ignore entry would hide every finding: give checks, paths, namespaces, names or kinds"}
		}
		for _, list := range [][]string{e.Paths, e.Namespaces, e.Names} {
			for _, p := range list {
				if err := ValidGlob(p); err != nil {
					return &lineError{line: e.Line, msg: fmt.Sprintf("ignore entry: %v", err)}
				}
			}
		}
		for _, c := range e.Checks {
			if strings.TrimSpace(c) == "" {
				return &lineError{line: e.Line, msg: "ignore entry: empty check name"}
			}
		}
	}
	return nil
}

func at(items []*yaml.Node, i int) *yaml.Node {
	if i < len(items) {
		return items[i]
	}
	return &yaml.Node{}
}

// topValue returns the value node of a top-level key, for positions found after decoding.
func topValue(data []byte, key string) *yaml.Node {
	var n yaml.Node
	if yaml.Unmarshal(data, &n) != nil || len(n.Content) == 0 {
		return nil
	}
	m := n.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// itemLines returns the items of a top-level sequence, for their positions.
func itemLines(data []byte, key string) []*yaml.Node {
	seq := topValue(data, key)
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return nil
	}
	return seq.Content
}

// keyLine finds the line of a top-level key, for errors found after decoding.
func keyLine(data []byte, key string) int {
	var n yaml.Node
	if yaml.Unmarshal(data, &n) != nil || len(n.Content) == 0 {
		return 0
	}
	m := n.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}
