package suppress

import "fmt"

// Mode says which suppressions a run honours. The people a linter judges in CI on a pull
// request also write its input: annotations and comments are part of what they change, so
// the owners of a repository can choose to honour only the config file they review.
type Mode string

const (
	// HonourAll honours annotations, comments and the config file's ignore entries.
	HonourAll Mode = "all"
	// HonourConfig honours only the config file's ignore entries.
	HonourConfig Mode = "config"
	// HonourNone honours no suppression: every finding is reported.
	HonourNone Mode = "none"
)

// ParseMode reads --suppressions; "" is HonourAll.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", HonourAll:
		return HonourAll, nil
	case HonourConfig, HonourNone:
		return Mode(s), nil
	}
	return "", fmt.Errorf("--suppressions must be all, config or none, not %q", s)
}

// inSource reports whether annotations and comments are honoured.
func (m Mode) inSource() bool { return m == "" || m == HonourAll }

// config reports whether the config file's ignore entries are honoured.
func (m Mode) config() bool { return m != HonourNone }

// Ignored counts what the mode set aside.
type Ignored struct {
	// Suppressions is how many suppressions the mode did not honour.
	Suppressions int
	// Findings is how many reported findings those suppressions would have hidden.
	Findings int
}
