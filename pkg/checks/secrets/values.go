package secrets

import (
	"math"
	"strings"
	"unicode"
)

// What a value looks like: random, a placeholder, a location. Detectors ask these before
// calling a value under a secret-sounding name a credential.

// HighEntropy reports a random-looking token: 20 or more characters without spaces, letters
// and digits mixed, and at least 3.5 bits of Shannon entropy per character (random base64
// and hex score 3.7 to 5; identifiers and words score lower).
func HighEntropy(s string) bool {
	if len(s) < 20 || len(s) > 4096 || strings.ContainsAny(s, " \t\n") {
		return false
	}
	var letter, digit bool
	for _, r := range s {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	if !letter || !digit || dnsName(s) {
		return false
	}
	return entropy(s) >= 3.5
}

var dnsNameRE = lazyRegexp(`^[a-z0-9]+(?:[-.][a-z0-9]+)+$`)

// dnsName reports a Kubernetes-style object or host name ("db-credentials-v2"): lower-case
// words joined by dashes, which reads like a reference, not a credential.
func dnsName(s string) bool {
	if !dnsNameRE().MatchString(s) {
		return false
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' }) {
		if len(w) > 12 {
			return false
		}
	}
	return true
}

// entropy is the Shannon entropy of s in bits per character.
func entropy(s string) float64 {
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

var (
	placeholderExact = map[string]bool{
		"password": true, "passwd": true, "pass": true, "secret": true, "token": true, "apikey": true,
		"api_key": true, "api-key": true, "key": true, "changeme": true, "changeit": true, "example": true,
		"test": true, "dummy": true, "none": true, "null": true, "nil": true, "undefined": true,
		"default": true, "todo": true, "tbd": true, "n/a": true, "na": true, "redacted": true,
		"hidden": true, "masked": true, "unset": true, "empty": true, "placeholder": true,
		"value": true, "foo": true, "bar": true, "foobar": true, "secretvalue": true, "mysecret": true,
		"mypassword": true, "my-secret": true, "my-password": true, "<nil>": true, "~": true,
	}
	// publishedValues are credentials their vendor publishes for local emulators, which
	// every user of the emulator shares: the Azure storage emulator's (Azurite's) account
	// key. (AWS's documented examples say EXAMPLE, which placeholderParts catches.)
	publishedValues = map[string]bool{
		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==": true,
	}
	placeholderParts = []string{"changeme", "change_me", "change-me", "changethis", "change_this", "replace_me",
		"replace-me", "replaceme", "placeholder", "example", "your_", "your-", "yourpassword", "yoursecret",
		"yourtoken", "redacted", "dummy", "fixme", "insert_", "insert-", "fake", "changethis", "pleasechange"}
	// templateRE matches values filled in later: ${VAR}, $(VAR), {{ .Values.x }}, #{x},
	// %(x)s, $VAR, <token>.
	templateRE = lazyRegexp(`\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|#\{[^}]*\}|%\([^)]*\)[sd]|^\$[A-Za-z_][A-Za-z0-9_]*$|<[^<>]+>|%[sv]\b`)
	// referencePrefixes name a secret kept elsewhere: SOPS ciphertext, Vault, secret-manager
	// URIs (vals, bank-vaults, 1Password, AWS, Azure, GCP).
	referencePrefixes = []string{"enc[", "vault:", "ref+", "arn:aws:secretsmanager:", "arn:aws:ssm:", "sm://",
		"op://", "azurekeyvault:", "akv:", "gcpsm:", "awssm:", "awsssm:", "projects/", "secret://", "kms:"}
)

// IsPlaceholder reports a value that is no credential: empty, a template, a placeholder
// word, a masked value (xxxx, ****), SOPS ciphertext or a reference to a secret manager.
func IsPlaceholder(v string) bool {
	t := strings.TrimSpace(v)
	t = strings.Trim(t, `"'`)
	t = strings.TrimSpace(t)
	if t == "" {
		return true
	}
	l := strings.ToLower(t)
	if placeholderExact[l] || publishedValues[t] || strings.Contains(l, "...") || strings.Contains(l, "…") {
		return true
	}
	// Placeholders are often leet-spelt to pass password rules: Ple4seCh4ngeMe, s3cr3t.
	d := unleet.Replace(l)
	if placeholderExact[d] || placeholderWords(d) || sequenceRuns(l) >= 2 {
		return true
	}
	for _, p := range placeholderParts {
		if strings.Contains(l, p) || strings.Contains(d, p) {
			return true
		}
	}
	for _, p := range referencePrefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	if templateRE().MatchString(t) {
		return true
	}
	// Masks and fillers: xxxx, ****, ...., 0000, abab.
	distinct := map[rune]bool{}
	for _, r := range l {
		distinct[r] = true
	}
	if len(distinct) <= 2 {
		return true
	}
	return strings.Trim(l, "x*.#-_ ") == "" || strings.Contains(l, "xxxx") || strings.Contains(l, "****")
}

var unleet = strings.NewReplacer("4", "a", "3", "e", "0", "o", "1", "i", "5", "s", "7", "t", "@", "a", "$", "s")

// fillerWords make up values such as "test-password" or "my_secret_token" that name a
// secret rather than being one.
var fillerWords = map[string]bool{
	"test": true, "testing": true, "my": true, "your": true, "the": true, "secret": true, "password": true,
	"passwd": true, "pass": true, "token": true, "key": true, "api": true, "user": true, "username": true,
	"value": true, "dummy": true, "sample": true, "demo": true, "example": true, "foo": true, "bar": true,
	"baz": true, "here": true, "some": true, "super": true, "default": true, "fake": true, "mock": true,
	"db": true, "new": true, "supersecret": true, "secure": true, "access": true,
}

// placeholderWords reports a value of two or more words, all of them filler words.
func placeholderWords(l string) bool {
	ws := strings.FieldsFunc(l, func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ' ' })
	if len(ws) < 2 {
		return false
	}
	for _, w := range ws {
		if !fillerWords[w] {
			return false
		}
	}
	return true
}

// sequenceRuns counts keyboard runs (1234, 5678, abcd) in l; two of them mark a made-up
// value such as "8312341g-5678-abcd-...", which a random secret almost never contains.
func sequenceRuns(l string) int {
	n := 0
	for _, r := range []string{"1234", "2345", "3456", "4567", "5678", "6789", "abcd", "bcde", "cdef", "qwer", "asdf"} {
		if strings.Contains(l, r) {
			n++
		}
	}
	return n
}

// isTrivial reports values no one would call a secret: booleans, and short numbers (ports,
// counts, flags).
func isTrivial(v string) bool {
	switch strings.ToLower(v) {
	case "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable", "disable",
		"required", "optional", "always", "never", "auto":
		return true
	}
	return len(v) <= 6 && strings.Trim(v, "0123456789.-") == ""
}

// looksLikeLocation reports a value that says where a secret is rather than what it is:
// a file path or a URL without credentials in it.
func looksLikeLocation(v string) bool {
	if strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "~/") {
		return !strings.ContainsAny(v, " \t")
	}
	if i := strings.Index(v, "://"); i > 0 && i < 12 && !connRE().MatchString(v) {
		return true
	}
	return false
}
