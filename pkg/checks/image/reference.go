package image

import (
	"fmt"
	"strings"
)

// The reference grammar of github.com/distribution/reference, which containerd and the
// kubelet use to resolve `image:`. It is small enough that a hand-written parser beats a
// dependency, and a parser can say which part is wrong where a regular expression cannot:
//
//	reference        := name [ ":" tag ] [ "@" digest ]
//	name             := [domain '/'] remote-name
//	domain           := host [':' port-number]
//	host             := domain-name | IPv4address | '[' IPv6address ']'
//	domain-name      := domain-component ['.' domain-component]*
//	domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//	port-number      := /[0-9]+/
//	remote-name      := path-component ['/' path-component]*
//	path-component   := alpha-numeric [separator alpha-numeric]*
//	alpha-numeric    := /[a-z0-9]+/
//	separator        := /[_.]|__|[-]+/
//	tag              := /[\w][\w.-]{0,127}/
//	digest           := algorithm ":" hex   (sha256, sha384 or sha512, lower-case hex)

const (
	// dockerHub is the registry of references that name none.
	dockerHub = "docker.io"
	// officialPrefix is the Docker Hub namespace of single-component names (nginx).
	officialPrefix = "library/"
	maxNameLength  = 255
	maxTagLength   = 128
)

// dockerHubAliases are other host names of Docker Hub. distribution/reference folds
// index.docker.io into docker.io; registry-1.docker.io is the host the client really talks
// to and turns up in mirrors' configuration, so it is folded as well.
var dockerHubAliases = map[string]bool{"index.docker.io": true, "registry-1.docker.io": true}

// digestHexLen are the digest algorithms go-digest accepts and their hex lengths.
var digestHexLen = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// Reference is a parsed, normalised image reference.
type Reference struct {
	// Domain is the registry, host[:port]; docker.io when the reference names none.
	Domain string
	// Path is the repository below the registry: library/nginx for nginx.
	Path string
	// Tag and Digest are empty when absent; Digest keeps its algorithm (sha256:...).
	Tag    string
	Digest string
	// Implicit is set when the reference names no registry and Domain is the default.
	Implicit bool
}

// Name is the fully qualified repository: docker.io/library/nginx.
func (r Reference) Name() string { return r.Domain + "/" + r.Path }

// Latest reports a reference that resolves through the latest tag: tagged latest, or
// neither tagged nor pinned (the runtime then adds :latest).
func (r Reference) Latest() bool {
	return r.Digest == "" && (r.Tag == "" || r.Tag == "latest")
}

// ParseError says why a reference is malformed.
type ParseError struct {
	Ref    string
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid image reference %q: %s", e.Ref, e.Reason)
}

// ParseReference parses s the way the container runtime does (ParseDockerRef): an
// implicit registry is docker.io and single-component Docker Hub names gain library/.
func ParseReference(s string) (Reference, error) {
	fail := func(format string, args ...any) (Reference, error) {
		return Reference{}, &ParseError{Ref: s, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case s == "":
		return fail("it is empty")
	case looksTemplated(s):
		return fail("it looks like an unrendered template placeholder")
	case strings.TrimSpace(s) != s:
		return fail("it has leading or trailing whitespace")
	case strings.ContainsAny(s, " \t\r\n\v\f"):
		return fail("it contains whitespace")
	case schemeOf(s) != "":
		// The reason a parse of the rest would give ("registry \"https:\" has an empty port")
		// explains nothing; the scheme is the mistake. ko:// never gets here (the checks
		// skip build placeholders), but a direct caller is told what it is.
		if sc := schemeOf(s); sc == "ko://" {
			return fail("it is a ko build placeholder (%s), which ko replaces with the built image", sc)
		}
		return fail("it starts with the URL scheme %q; an image reference has no scheme: [registry[:port]/]path[:tag][@digest]", schemeOf(s))
	case isHexID(s):
		// A bare 64-hex string is an image ID, which a registry cannot resolve.
		return fail("it is a 64-character hexadecimal image ID, not a repository name")
	}

	var ref Reference
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		ref.Digest = rest[i+1:]
		rest = rest[:i]
		if reason := checkDigest(ref.Digest); reason != "" {
			return fail("%s", reason)
		}
	}
	// A colon after the last slash starts the tag; one before it belongs to a port.
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && i > strings.LastIndexByte(rest, '/') {
		ref.Tag = rest[i+1:]
		rest = rest[:i]
		if reason := checkTag(ref.Tag); reason != "" {
			return fail("%s", reason)
		}
	}
	if rest == "" {
		return fail("the repository name is empty")
	}

	domain, remote := splitDomain(rest)
	if domain != "" {
		if reason := checkDomain(domain); reason != "" {
			return fail("%s", reason)
		}
		if !strings.ContainsAny(domain, ".:") && domain != "localhost" {
			// distribution/reference takes a capitalised first component for a host, so
			// MyOrg/app would be pulled from a machine called MyOrg: surely a typo for a
			// Docker Hub namespace, which must be lower-case.
			return fail("%q would be taken for a registry host; repository names must be lower-case", domain)
		}
	}
	if reason := checkRemote(remote); reason != "" {
		return fail("%s", reason)
	}

	ref.Domain = strings.ToLower(domain)
	ref.Implicit = domain == ""
	if ref.Domain == "" || dockerHubAliases[ref.Domain] {
		ref.Domain = dockerHub
	}
	ref.Path = remote
	if ref.Domain == dockerHub && !strings.Contains(remote, "/") {
		ref.Path = officialPrefix + remote
	}
	// The limit applies to the normalised name, as distribution/reference measures it.
	if len(ref.Name()) > maxNameLength {
		return fail("the repository name %q is longer than %d characters", ref.Name(), maxNameLength)
	}
	return ref, nil
}

// schemeOf returns the "scheme://" that starts s, or "". A scheme is letters, digits, '+',
// '-' or '.' before the first '/' (RFC 3986), and no image reference has "://".
func schemeOf(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 || strings.IndexByte(s[:i], '/') >= 0 {
		return ""
	}
	for _, c := range s[:i] {
		if !isAlnum(c) && !(c >= 'A' && c <= 'Z') && c != '+' && c != '-' && c != '.' {
			return ""
		}
	}
	return s[:i+3]
}

// splitDomain applies docker's rule: the first component is a registry when it contains
// '.' or ':', is localhost, or has an upper-case letter (which a path cannot).
func splitDomain(name string) (domain, remote string) {
	i := strings.IndexByte(name, '/')
	if i < 0 {
		return "", name
	}
	first := name[:i]
	if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
		return first, name[i+1:]
	}
	return "", name
}

func checkDomain(d string) string {
	host, port := d, ""
	if strings.HasPrefix(d, "[") {
		end := strings.IndexByte(d, ']')
		if end < 0 {
			return fmt.Sprintf("registry %q has an unterminated IPv6 address", d)
		}
		host, port = d[:end+1], d[end+1:]
		if !isIPv6(host[1:end]) {
			return fmt.Sprintf("registry %q has an invalid IPv6 address", d)
		}
		if port != "" && port[0] != ':' {
			return fmt.Sprintf("registry %q has characters after the IPv6 address", d)
		}
		if port != "" {
			port = port[1:]
			if port == "" {
				return fmt.Sprintf("registry %q has an empty port", d)
			}
		}
	} else if i := strings.IndexByte(d, ':'); i >= 0 {
		host, port = d[:i], d[i+1:]
		if port == "" {
			return fmt.Sprintf("registry %q has an empty port", d)
		}
		if reason := checkHostName(host); reason != "" {
			return fmt.Sprintf("registry %q: %s", d, reason)
		}
	} else if reason := checkHostName(host); reason != "" {
		return fmt.Sprintf("registry %q: %s", d, reason)
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return fmt.Sprintf("registry %q has a non-numeric port %q", d, port)
		}
	}
	return ""
}

func checkHostName(h string) string {
	if h == "" {
		return "the host name is empty"
	}
	for _, comp := range strings.Split(h, ".") {
		if comp == "" {
			return "the host name has an empty label"
		}
		if comp[0] == '-' || comp[len(comp)-1] == '-' {
			return fmt.Sprintf("host label %q starts or ends with '-'", comp)
		}
		for _, c := range comp {
			if !isAlnum(c) && !(c >= 'A' && c <= 'Z') && c != '-' {
				return fmt.Sprintf("the host name contains %q", c)
			}
		}
	}
	return ""
}

func isIPv6(s string) bool {
	if s == "" || !strings.Contains(s, ":") {
		return false
	}
	for _, c := range s {
		if !isHex(c) && c != ':' {
			return false
		}
	}
	return true
}

// checkRemote validates the repository path below the registry.
func checkRemote(remote string) string {
	if remote == "" {
		return "the repository path is empty"
	}
	if strings.ToLower(remote) != remote {
		return fmt.Sprintf("repository %q must be lower-case", remote)
	}
	for _, comp := range strings.Split(remote, "/") {
		if reason := checkPathComponent(comp); reason != "" {
			return reason
		}
	}
	return ""
}

// checkPathComponent: alpha-numeric runs joined by one '.', one or two '_', or any
// number of '-'.
func checkPathComponent(comp string) string {
	if comp == "" {
		return "the repository path has an empty component (a doubled or trailing '/')"
	}
	if !isAlnum(rune(comp[0])) || !isAlnum(rune(comp[len(comp)-1])) {
		return fmt.Sprintf("repository component %q must start and end with a letter or digit", comp)
	}
	for i := 0; i < len(comp); {
		c := rune(comp[i])
		if isAlnum(c) {
			i++
			continue
		}
		j := i
		for j < len(comp) && !isAlnum(rune(comp[j])) {
			j++
		}
		sep := comp[i:j]
		switch {
		case sep == "." || sep == "_" || sep == "__":
		case strings.Trim(sep, "-") == "":
		default:
			if len(sep) == 1 {
				return fmt.Sprintf("repository component %q contains %q", comp, sep)
			}
			return fmt.Sprintf("repository component %q contains the separator %q", comp, sep)
		}
		i = j
	}
	return ""
}

func checkTag(tag string) string {
	if tag == "" {
		return "the tag after ':' is empty"
	}
	if len(tag) > maxTagLength {
		return fmt.Sprintf("the tag is longer than %d characters", maxTagLength)
	}
	if !isWord(rune(tag[0])) {
		return fmt.Sprintf("tag %q must start with a letter, digit or '_'", tag)
	}
	for _, c := range tag {
		if !isWord(c) && c != '.' && c != '-' {
			return fmt.Sprintf("tag %q contains %q", tag, c)
		}
	}
	return ""
}

func checkDigest(d string) string {
	if d == "" {
		return "the digest after '@' is empty"
	}
	if strings.Contains(d, "@") {
		return "it has more than one '@'"
	}
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || alg == "" || hex == "" {
		return fmt.Sprintf("digest %q is not algorithm:hex", d)
	}
	want, known := digestHexLen[alg]
	if !known {
		return fmt.Sprintf("digest algorithm %q is not supported (use sha256)", alg)
	}
	for _, c := range hex {
		if !isHex(c) || (c >= 'A' && c <= 'F') {
			return fmt.Sprintf("%s digest contains %q; it must be lower-case hexadecimal", alg, c)
		}
	}
	if len(hex) != want {
		return fmt.Sprintf("%s digest has %d hexadecimal digits, want %d", alg, len(hex), want)
	}
	return ""
}

// looksTemplated catches Helm, shell and documentation placeholders that were never filled
// in ({{ .Values.image }}, ${IMAGE}, <your-image>), which otherwise fail with a puzzling
// grammar complaint.
func looksTemplated(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "${") || strings.HasPrefix(s, "$") ||
		(strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">"))
}

func isHexID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !isHex(c) || (c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func isAlnum(c rune) bool { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') }
func isWord(c rune) bool  { return isAlnum(c) || (c >= 'A' && c <= 'Z') || c == '_' }
func isHex(c rune) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
