// Package version reports the build's version. Release builds set the variables with
// -ldflags; `go install` builds fall back to the module version Go recorded.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set by goreleaser: -X github.com/kubectl-secure/kubectl-secure/pkg/version.Version=...
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is the version of this binary.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"date,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the version information of the running binary.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && info.Commit == "":
				info.Commit = s.Value
			case s.Key == "vcs.time" && info.Date == "":
				info.Date = s.Value
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

func (i Info) String() string {
	s := "kubectl-secure " + i.Version
	if i.Commit != "" {
		s += fmt.Sprintf(" (commit %s", i.Commit)
		if i.Date != "" {
			s += ", built " + i.Date
		}
		s += ")"
	}
	return s + fmt.Sprintf(" %s %s", i.GoVersion, i.Platform)
}
