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

	"gopkg.in/yaml.v3"

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
			return nil, &lineError{line: line, msg: m[2]}
		}
		return nil, err
	}
	if cfg.PSS != "" && cfg.PSS != finding.PSSBaseline && cfg.PSS != finding.PSSRestricted {
		return nil, &lineError{line: keyLine(data, "pss"), msg: fmt.Sprintf("pss must be baseline or restricted, not %q", cfg.PSS)}
	}
	return cfg, nil
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
