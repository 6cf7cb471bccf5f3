// Package apilifecycle answers which apiVersion of which built-in kind is deprecated or
// removed at a Kubernetes version, and what replaces it. The table is generated from the
// Kubernetes API's own lifecycle data (k8s.io/api's prerelease-lifecycle methods, see
// internal/lifecyclegen) and completed by a short supplement for the types that already
// left the Go module (supplement.go). Custom groups are never in it.
package apilifecycle

//go:generate go run ./internal/gen

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Kubernetes minor version, 1.X.
type Version struct{ Major, Minor int }

// String is the version as users write it: "1.25".
func (v Version) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// IsZero reports an unset version.
func (v Version) IsZero() bool { return v == Version{} }

// AtLeast reports whether v is o or later.
func (v Version) AtLeast(o Version) bool {
	return v.Major > o.Major || v.Major == o.Major && v.Minor >= o.Minor
}

// ParseVersion reads "1.37" (also "v1.37", and "1.37.2", whose patch is ignored: API
// lifecycles change only with minor versions).
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(t, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Version{}, fmt.Errorf("kube version %q: want MAJOR.MINOR, like %s", s, Newest)
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || len(p) > 1 && p[0] == '0' {
			return Version{}, fmt.Errorf("kube version %q: want MAJOR.MINOR, like %s", s, Newest)
		}
		nums[i] = n
	}
	if nums[0] != 1 {
		return Version{}, fmt.Errorf("kube version %q: only Kubernetes 1.x exists", s)
	}
	return Version{nums[0], nums[1]}, nil
}

// Normalize returns s as MAJOR.MINOR, or Newest when s is empty.
func Normalize(s string) (string, error) {
	if s == "" {
		return Newest, nil
	}
	v, err := ParseVersion(s)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// GVK is a group, version and kind; Group is "" for the core group.
type GVK struct{ Group, Version, Kind string }

// APIVersion is the GVK's apiVersion as manifests write it.
func (g GVK) APIVersion() string {
	if g.Group == "" {
		return g.Version
	}
	return g.Group + "/" + g.Version
}

// Entry is the lifecycle of one kind at one apiVersion.
type Entry struct {
	GVK
	// Deprecated is when the API server started warning; Removed when it stopped serving
	// it (zero: not scheduled).
	Deprecated, Removed Version
	// Replacement is the apiVersion and kind to use instead (zero: none, as for
	// PodSecurityPolicy).
	Replacement GVK
	// SameShape says the replacement has the same fields with the same meaning, so that
	// changing apiVersion alone migrates the object (sameshape.go says why for each).
	SameShape bool
}

// Status is what an entry means at one Kubernetes version.
type Status int

const (
	Served     Status = iota // not deprecated yet
	Deprecated               // served with a warning
	Removed                  // no longer served: kubectl apply fails
)

// At is the entry's status at Kubernetes version v.
func (e *Entry) At(v Version) Status {
	switch {
	case !e.Removed.IsZero() && v.AtLeast(e.Removed):
		return Removed
	case !e.Deprecated.IsZero() && v.AtLeast(e.Deprecated):
		return Deprecated
	}
	return Served
}

// table is every entry by apiVersion and kind, built once from the generated rows and the
// supplement; it is read-only.
var table = func() map[GVK]*Entry {
	m := make(map[GVK]*Entry, len(generated)+len(supplement))
	for _, rows := range [][]Entry{generated, supplement} {
		for i := range rows {
			e := rows[i]
			if _, dup := m[e.GVK]; dup {
				continue // the module's own data wins; supplementTest keeps them apart
			}
			e.SameShape = sameShape[e.GVK]
			// k8s.io/api names a list kind as the replacement of networking.k8s.io/v1beta1
			// IngressClass (IngressClassList, a slip in its +k8s:prerelease-lifecycle-gen
			// tag): an object is never replaced by a list, so the list's item kind is meant.
			if r := e.Replacement.Kind; strings.HasSuffix(r, "List") && !strings.HasSuffix(e.Kind, "List") {
				e.Replacement.Kind = strings.TrimSuffix(r, "List")
			}
			m[e.GVK] = &e
		}
	}
	return m
}()

// Lookup returns the lifecycle entry of kind at apiVersion, or nil when the pair is not a
// deprecated built-in API (a current one, or a custom resource).
func Lookup(apiVersion, kind string) *Entry {
	group, version := "", apiVersion
	if i := strings.LastIndexByte(apiVersion, '/'); i >= 0 {
		group, version = apiVersion[:i], apiVersion[i+1:]
	}
	return table[GVK{group, version, kind}]
}
