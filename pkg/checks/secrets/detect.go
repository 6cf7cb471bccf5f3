package secrets

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Detection is a credential found in a string. Secret is the matched text: it is used to
// decide, never printed; messages go through Describe, which masks it.
type Detection struct {
	Format string // what was found, for messages: "GitHub token"
	Secret string
	// Prefix is the public, format-defining start of Secret ("ghp_", "AKIA") that a message
	// may show; it identifies the kind of credential, not the credential.
	Prefix string
	// Strong formats are provider credentials recognisable wherever they appear; weak ones
	// (a password under a "password" key) depend on the key beside them.
	Strong bool
}

// Describe names the format and a masked form of the secret: never the secret itself.
func (d Detection) Describe() string {
	return fmt.Sprintf("%s (%s)", d.Format, Mask(d.Secret, d.Prefix))
}

// Mask shows only a format's public prefix and the length, so a reader can find the value
// without the report itself leaking it into CI logs.
func Mask(secret, prefix string) string {
	n := utf8.RuneCountInString(secret)
	if prefix != "" && strings.HasPrefix(secret, prefix) && n > len(prefix)+8 {
		return fmt.Sprintf("%s…, %d chars", prefix, n)
	}
	return fmt.Sprintf("****, %d chars", n)
}

// textPattern is a context-free credential format.
type textPattern struct {
	format string
	re     func() *regexp.Regexp // group 1, when present, is the secret
	prefix func(m string) string
	strong bool
	// verify rejects a syntactic match m in text s that is not a credential (a JWT-shaped
	// string whose header is not JSON, a connection string whose password is a
	// placeholder, a private key outside a service account key file).
	verify func(s, m string) bool
	// hints are literals every match contains; text without any of them skips the regular
	// expression, which is most of the cost on large ConfigMaps.
	hints []string
}

func fixedPrefix(n int) func(string) string {
	return func(m string) string {
		if len(m) < n {
			return ""
		}
		return m[:n]
	}
}

// lazyRegexp compiles pattern on first use. Counted repetitions ({1,1000}) make some of
// these programs large, and compiling all of them cost 18 ms at start-up, more than linting
// a small file; a run that never scans a long text value never pays it.
func lazyRegexp(pattern string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(pattern) })
}

// textPatterns follow the public rule lists of gitleaks, trufflehog and detect-secrets
// for each provider's format. Order matters where two formats overlap: the more specific
// one (a GCP service account key) comes first and the generic one found inside it (the
// PEM private key) is dropped.
var textPatterns = []textPattern{
	// Access key IDs of long-term (AKIA), temporary (ASIA), Bedrock API (ABIA) and
	// Amazon Connect/CodeCatalyst (ACCA) keys, and the old A3T form, as gitleaks defines
	// them. AGPA, AIDA, AROA, AIPA, ANPA and ANVA, which older lists include, are unique
	// IDs of groups, users, roles and policies: identifiers, not credentials.
	{format: "AWS access key ID", hints: []string{"AKIA", "ASIA", "ABIA", "ACCA", "A3T"},
		re: lazyRegexp(`\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b`), prefix: fixedPrefix(4), strong: true},
	{format: "GitHub token", hints: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, re: lazyRegexp(`\b(gh[pousr]_[A-Za-z0-9]{36,251})\b`), prefix: fixedPrefix(4), strong: true},
	{format: "GitHub fine-grained token", hints: []string{"github_pat_"}, re: lazyRegexp(`\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59,})\b`), prefix: fixedPrefix(11), strong: true},
	{format: "GitLab personal access token", hints: []string{"glpat-"}, re: lazyRegexp(`\b(glpat-[A-Za-z0-9_-]{20,})`), prefix: fixedPrefix(6), strong: true},
	// Bot (xoxb), user (xoxp), workspace app (xoxa), refresh (xoxr, xoxe), legacy (xoxo,
	// xoxs) tokens: every real one has numeric IDs after the prefix, which keeps
	// "xoxb-your-token" out.
	{format: "Slack token", hints: []string{"xox"}, re: lazyRegexp(`\b(xox[abposre]-[0-9]+-[A-Za-z0-9-]{8,})`), prefix: fixedPrefix(5), strong: true},
	{format: "Slack app token", hints: []string{"xapp-"}, re: lazyRegexp(`\b(xapp-[0-9]+-[A-Za-z0-9-]{10,})`), prefix: fixedPrefix(5), strong: true},
	{format: "Slack webhook URL", hints: []string{"hooks.slack.com/services/"}, re: lazyRegexp(`(https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{8,})`),
		prefix: func(string) string { return "https://hooks.slack.com/services/" }, strong: true},
	// Live secret (sk_live_) and restricted (rk_live_) keys; test-mode keys move no money
	// and are left to the generic rules.
	{format: "Stripe live API key", hints: []string{"sk_live_", "rk_live_"}, re: lazyRegexp(`\b([sr]k_live_[A-Za-z0-9]{20,247})\b`), prefix: fixedPrefix(8), strong: true},
	// The private_key member of a service account key file (type service_account), the
	// JSON that gcloud iam service-accounts keys create writes.
	{format: "GCP service account key", hints: []string{"service_account"},
		re:     lazyRegexp(`"private_key"\s*:\s*"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[^"]*)"`),
		prefix: pemPrefix, strong: true, verify: gcpServiceAccount},
	// A storage account key is 64 random bytes: 86 base64 characters and "==".
	{format: "Azure storage account key", hints: []string{"AccountKey="}, re: lazyRegexp(`AccountKey=([A-Za-z0-9+/]{86}==)`),
		prefix: func(string) string { return "" }, strong: true},
	{format: "private key", hints: []string{"PRIVATE KEY"}, re: lazyRegexp(`(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-[^-])*)`),
		prefix: pemPrefix, strong: true, verify: func(_, m string) bool { return pemHasBody(m) }},
	{format: "JWT", hints: []string{"eyJ"}, re: lazyRegexp(`\b(eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*)`), prefix: fixedPrefix(3), strong: true,
		verify: func(_, m string) bool { return jwtHeader(m) }},
	{format: "connection string with a password", hints: []string{"://"}, re: lazyRegexp(`\b([A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s:/@'"]*:[^\s/@'"]+@[^\s/'"@]+)`),
		prefix: func(m string) string { return m[:strings.Index(m, "://")+3] }, verify: func(_, m string) bool { return connPassword(m) }},
}

// pemPrefix is the BEGIN line of a PEM block, which names the kind of key.
func pemPrefix(m string) string { return m[:strings.Index(m[5:], "-----")+10] }

var gcpTypeRE = lazyRegexp(`"type"\s*:\s*"service_account"`)

// gcpServiceAccount requires the key file's "type" member beside the private key and a
// real key body (JSON escapes the key's newlines as \n).
func gcpServiceAccount(s, m string) bool {
	return gcpTypeRE().MatchString(s) && pemHasBody(strings.ReplaceAll(m, `\n`, "\n"))
}

// pemHasBody keeps real key blocks and drops documentation stubs such as
// "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----".
func pemHasBody(m string) bool {
	body := m[strings.Index(m[5:], "-----")+10:]
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.Contains(line, ":") { // RFC 1421 headers (Proc-Type, DEK-Info)
			continue
		}
		for _, r := range line {
			if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '/') {
				n++
			}
		}
	}
	return n >= 64 && entropy(body) >= 4
}

// jwtHeader requires the first part to decode to a JSON object with "alg", which is what
// separates a token from any dotted base64 string.
func jwtHeader(m string) bool {
	head, _, _ := strings.Cut(m, ".")
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
	if err != nil {
		return false
	}
	var h map[string]any
	if json.Unmarshal(b, &h) != nil {
		return false
	}
	_, ok := h["alg"]
	return ok
}

var connRE = lazyRegexp(`://([^\s:/@]*):([^\s/@]+)@`)

// connPassword rejects user:password pairs that are templates or placeholders.
func connPassword(m string) bool {
	sm := connRE().FindStringSubmatch(m)
	if sm == nil {
		return false
	}
	if IsPlaceholder(sm[2]) {
		return false
	}
	// "host:port@..." is not a password; a password made of digits only is rare enough.
	return strings.Trim(sm[2], "0123456789") != ""
}

// FindInText returns the context-free credentials in s, at most one per format, in the
// order of textPatterns.
func FindInText(s string) []Detection {
	if len(s) < 16 {
		return nil
	}
	var out []Detection
	for _, p := range textPatterns {
		if !containsAny(s, p.hints) {
			continue
		}
	matches:
		for _, sm := range p.re().FindAllStringSubmatch(s, 16) {
			m := sm[1]
			if p.verify != nil && !p.verify(s, m) {
				continue
			}
			if p.strong && (IsPlaceholder(m) || entropy(strings.TrimPrefix(m, p.prefix(m))) < 3) {
				continue
			}
			// The key of a service account file is also a PEM private key: it is
			// reported once, by its more specific format.
			for _, o := range out {
				if overlaps(o.Secret, m) {
					continue matches
				}
			}
			out = append(out, Detection{Format: p.format, Secret: m, Prefix: p.prefix(m), Strong: p.strong})
			break
		}
	}
	return out
}

// Scan finds credentials in text written under key (an env var name, a ConfigMap key, an
// annotation, a command-line argument): the context-free formats anywhere in it, the text as
// a whole judged by key, and the key/value pairs inside it (config-file lines, JSON members,
// --flag=value and NAME=value words) judged by their own keys. Each secret is reported once.
func Scan(key, text string) []Detection {
	out := FindInText(text)
	add := func(k, v string, embedded bool) {
		d, ok := keyed(k, v, embedded)
		if !ok {
			return
		}
		for _, o := range out {
			if o.Secret == d.Secret || overlaps(o.Secret, d.Secret) {
				return
			}
		}
		out = append(out, d)
	}
	if key != "" {
		add(key, text, false)
	}
	pairs(text, add)
	return out
}

// overlaps reports one secret found inside the other (a password line inside a
// connection string, a JSON member found twice); short values are compared only by
// equality, since a short password may occur by chance inside an unrelated token.
func overlaps(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 8 && strings.Contains(b, a)
}

// keyed judges value by the key it is written under: an AWS secret key, a password, or a
// random-looking token under a secret-like name. Values made of configuration keywords
// ("passwd: compat", "passwd: files systemd") never are. embedded says the pair was read
// inside a larger text (a line of a configuration file, a JSON member, a word of a shell
// command): there a bare one-word key such as nsswitch's "passwd" is as often a setting's
// name as a password's, so under it a value of plain lower-case words is a setting, not a
// password. A qualified name (LDAP_ADMIN_PASSWORD, spring.datasource.password) or a name
// of its own (an env var, a ConfigMap key, a flag followed by its argument) names one
// credential: there even "admin" is a password, a weak one.
func keyed(key, value string, embedded bool) (Detection, bool) {
	value = strings.TrimSpace(value)
	kind := ClassifyName(key)
	if kind == nameOther || IsPlaceholder(value) || isTrivial(value) || looksLikeLocation(value) || configKeywords(value) {
		return Detection{}, false
	}
	tok := stripScheme(value)
	switch {
	case kind == nameAWSSecret && awsSecretRE().MatchString(tok):
		return Detection{Format: "AWS secret access key", Secret: tok, Strong: true}, true
	case azureKeyRE().MatchString(tok) && containsFold(key, "storage"):
		return Detection{Format: "Azure storage account key", Secret: tok, Strong: true}, true
	case kind == namePassword && !strings.ContainsAny(value, "\n") && !(embedded && plainWords(value) && len(splitWords(key)) == 1):
		return Detection{Format: "password", Secret: value}, true
	case HighEntropy(tok):
		return Detection{Format: "high-entropy secret", Secret: tok}, true
	}
	return Detection{}, false
}

var azureKeyRE = lazyRegexp(`^[A-Za-z0-9+/]{86}==$`)

// configKeywordSet are values that select a mechanism rather than being a secret, under
// keys that look like credentials: nsswitch sources (passwd: compat), PAM control flags,
// password hashing and authentication methods (pg_hba, SASL, HTTP), and the words that
// say a secret is generated or read from somewhere else.
var configKeywordSet = map[string]bool{
	// nsswitch.conf sources
	"compat": true, "files": true, "dns": true, "nis": true, "nisplus": true, "ldap": true, "sss": true,
	"systemd": true, "myhostname": true, "mymachines": true, "resolve": true, "db": true, "hesiod": true,
	"winbind": true, "wins": true, "mdns": true, "mdns4": true, "mdns4_minimal": true, "mdns_minimal": true,
	"altfiles": true, "cache": true,
	// PAM control flags
	"requisite": true, "sufficient": true, "include": true, "substack": true,
	// hashing and authentication methods
	"md5": true, "sha1": true, "sha256": true, "sha512": true, "bcrypt": true, "scrypt": true, "argon2": true,
	"argon2id": true, "pbkdf2": true, "crypt": true, "yescrypt": true, "plain": true, "plaintext": true,
	"cleartext": true, "trust": true, "reject": true, "peer": true, "ident": true, "scram-sha-256": true,
	"scram-sha-512": true, "gss": true, "sspi": true, "pam": true, "radius": true, "cert": true, "kerberos": true,
	"ntlm": true, "digest": true, "basic": true, "bearer": true, "oauth": true, "oauth2": true, "oidc": true,
	"saml": true, "jwt": true, "mtls": true, "tls": true, "anonymous": true, "internal": true, "external": true,
	"builtin": true, "local": true,
	// where the secret comes from
	"env": true, "file": true, "stdin": true, "prompt": true, "random": true, "generate": true,
	"generated": true, "inherit": true, "keyring": true, "static": true, "dynamic": true,
}

// configKeywords reports a value made only of configuration keywords ("files systemd").
func configKeywords(v string) bool {
	fs := strings.Fields(strings.ToLower(v))
	for _, f := range fs {
		if !configKeywordSet[f] {
			return false
		}
	}
	return len(fs) > 0
}

// plainWords reports a value made of lower-case words of letters only ("compat", "files
// dns", "admin"): no digit, symbol or case mix, so too little entropy for the value to be
// anything but a setting's word.
func plainWords(v string) bool {
	fs := strings.Fields(v)
	for _, f := range fs {
		if len(f) > 16 || strings.TrimLeft(f, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	return len(fs) > 0
}

// NamedSecret reports a literal value under a name that says it is a credential, whatever
// the value looks like: for environment variables, where the name is the contract.
func NamedSecret(name, value string) bool {
	value = strings.TrimSpace(value)
	switch ClassifyName(name) {
	case nameOther, nameMaybeSecret:
		// A name with a secret word somewhere else (AZURE_BATCH_KEY) says less: its value
		// is judged by its format or entropy (Scan), not reported for being there.
		return false
	}
	return !IsPlaceholder(value) && !isTrivial(value) && !looksLikeLocation(value) &&
		!configKeywords(value) && !authMode(name, value)
}

// authMode: AUTH=basic, AUTH=oauth2 name a mechanism, not a credential.
func authMode(name, value string) bool {
	ws := splitWords(name)
	return len(ws) > 0 && ws[len(ws)-1] == "AUTH" && authModeRE().MatchString(value)
}

var authModeRE = lazyRegexp(`^[A-Za-z][A-Za-z0-9_-]{0,15}$`)

var (
	jsonPairRE = lazyRegexp(`"([A-Za-z0-9_.\-]{1,100})"\s*:\s*"((?:[^"\\]|\\.){1,1000})"`)
	// headerRE finds credential-carrying HTTP headers anywhere in a line (curl -H '...').
	headerRE   = lazyRegexp(`(?i)\b((?:proxy-)?authorization|x-[a-z0-9-]*(?:token|key|secret))\s*:\s*((?:(?:bearer|basic|token)\s+)?[^\s'"]+)`)
	linePairRE = lazyRegexp(`^\s*(?:export\s+|-\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]{0,100})["']?\s*(?:=|:\s|:$)\s*(.*)$`)
)

func containsAny(s string, subs []string) bool {
	if len(subs) == 0 {
		return true
	}
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// mayNameSecret is a cheap superset test for a secret-like name anywhere in line: one pass
// over its bytes, looking further only where a stem's first letter is.
func mayNameSecret(line string) bool {
	for i := 0; i < len(line); i++ {
		var stems []string
		switch line[i] | 0x20 {
		case 'p':
			stems = stemsP
		case 't':
			stems = stemsT
		case 's':
			stems = stemsS
		case 'c':
			stems = stemsC
		case 'a':
			stems = stemsA
		case 'k':
			stems = stemsK
		default:
			continue
		}
		for _, st := range stems {
			if hasPrefixFold(line[i:], st) {
				return true
			}
		}
	}
	return false
}

// The name stems, by first letter: lower-case fragments one of which every secret-like name
// contains (see secretWords and anywhereWords).
var stemsP, stemsT, stemsS, stemsC, stemsA, stemsK = []string{"pass", "pwd", "private"}, []string{"token"},
	[]string{"secret"}, []string{"cred"}, []string{"auth"}, []string{"key"}

// quoteThenColon reports a double quote followed by a colon, with only spaces or tabs
// between: where a JSON member may be (jsonPairRE).
func quoteThenColon(line string) bool {
	for i := strings.IndexByte(line, '"'); i >= 0; {
		j := i + 1
		for j < len(line) && (line[j] == ' ' || line[j] == '\t' || line[j] == '\r' || line[j] == '\f' || line[j] == '\v') {
			j++
		}
		if j < len(line) && line[j] == ':' {
			return true
		}
		k := strings.IndexByte(line[j:], '"')
		if k < 0 {
			return false
		}
		i = j + k
	}
	return false
}

// hasPrefixFold reports whether s begins with the lower-case ASCII word prefix, ignoring
// ASCII case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for j := 0; j < len(prefix); j++ {
		if s[j]|0x20 != prefix[j] {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lower-case ASCII word sub, ignoring ASCII
// case, without allocating.
func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		c := s[i] | 0x20
		if c != sub[0] {
			continue
		}
		j := 1
		for ; j < n; j++ {
			if s[i+j]|0x20 != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

// pairs calls fn for every key/value pair written inside text.
func pairs(text string, fn func(k, v string, embedded bool)) {
	if len(text) < 4 {
		return
	}
	for _, line := range strings.Split(text, "\n") {
		// Every pair fn can judge a credential has a key ClassifyName accepts, and such a key
		// contains one of the name stems (stemsP...): other lines (most of a dashboard's JSON) are skipped.
		if !mayNameSecret(line) {
			continue
		}
		// The regular expressions run only where their literal parts are: a JSON member
		// has a quote before its colon, a header is an authorization or x- name.
		if quoteThenColon(line) {
			for _, m := range jsonPairRE().FindAllStringSubmatch(line, -1) {
				fn(m[1], m[2], true)
			}
		}
		if strings.IndexByte(line, ':') >= 0 && (containsFold(line, "authorization") || containsFold(line, "x-")) {
			for _, m := range headerRE().FindAllStringSubmatch(line, 16) {
				fn(m[1], m[2], true)
			}
		}
		if m := linePairRE().FindStringSubmatch(line); m != nil {
			fn(m[1], lineValue(m[2]), true)
		}
		fields := strings.Fields(line)
		for i, f := range fields {
			f = strings.Trim(f, `"';,`)
			name, val, eq := strings.Cut(f, "=")
			switch {
			case strings.HasPrefix(name, "-D"):
				name = name[2:]
			case strings.HasPrefix(name, "-"):
				name = strings.TrimLeft(name, "-")
				if !eq && i+1 < len(fields) && !strings.HasPrefix(fields[i+1], "-") {
					val, eq = strings.Trim(fields[i+1], `"';,`), true
				}
			}
			if eq && envNameRE().MatchString(name) {
				fn(name, val, true)
			}
		}
	}
}

var envNameRE = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// lineValue strips quotes, a trailing comma and an unquoted trailing comment.
func lineValue(v string) string {
	v = strings.TrimSpace(v)
	v = strings.TrimSuffix(v, ",")
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
			return v[1 : j+1]
		}
	}
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

var awsSecretRE = lazyRegexp(`^[A-Za-z0-9/+]{40}$`)

// stripScheme drops an HTTP authorization scheme so "Bearer <token>" is judged by the token.
func stripScheme(v string) string {
	for _, s := range []string{"Bearer ", "bearer ", "Basic ", "basic ", "token ", "Token "} {
		if strings.HasPrefix(v, s) {
			return strings.TrimSpace(v[len(s):])
		}
	}
	return v
}
