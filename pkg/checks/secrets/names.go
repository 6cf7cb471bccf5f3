package secrets

import (
	"slices"
	"strings"
	"unicode"
)

// What a name says: whether an env var, ConfigMap key or flag names a credential, a
// reference to one, or neither.

// nameKind is what a field's name says about its value.
type nameKind int

const (
	nameOther     nameKind = iota
	nameSecret             // token, API key, client secret, ...
	namePassword           // a password: even a short, memorable value is a credential
	nameAWSSecret          // AWS secret access key
	// nameMaybeSecret has a secret word that does not end the name (AZURE_BATCH_KEY,
	// OCI_CLI_KEY_CONTENT, CACHE_KEY): only a value with a credential's format or
	// entropy is reported.
	nameMaybeSecret
)

// secretWords are the last words of names whose values are credentials.
var secretWords = map[string]nameKind{
	"PASSWORD": namePassword, "PASSWD": namePassword, "PASS": namePassword, "PWD": namePassword,
	"PASSPHRASE": namePassword, "PASSCODE": namePassword,
	"TOKEN": nameSecret, "SECRET": nameSecret, "APIKEY": nameSecret, "CREDENTIALS": nameSecret,
	"CREDENTIAL": nameSecret, "CREDS": nameSecret, "AUTH": nameSecret, "PRIVATEKEY": nameSecret,
	"ACCESSKEY": nameSecret, "SECRETKEY": nameSecret, "APITOKEN": nameSecret, "AUTHTOKEN": nameSecret,
	"CLIENTSECRET": nameSecret, "AUTHORIZATION": nameSecret,
}

// keyQualifiers make a trailing KEY a credential: API_KEY, PRIVATE_KEY, ACCESS_KEY.
var keyQualifiers = map[string]bool{
	"API": true, "PRIVATE": true, "ACCESS": true, "SECRET": true, "ENCRYPTION": true, "SIGNING": true,
	"MASTER": true, "HMAC": true, "LICENSE": true, "SESSION": true, "CLIENT": true, "AUTH": true,
}

// notSecretWords anywhere in a name make it describe a secret rather than hold one:
// checksum/secret annotations, PASSWORD_HASH, and the public half of a key pair.
var notSecretWords = map[string]bool{
	"CHECKSUM": true, "HASH": true, "DIGEST": true, "SHA": true, "SHA1": true, "SHA256": true,
	"FINGERPRINT": true, "MD5": true, "PUBLIC": true, "PUB": true, "PUBLICKEY": true,
}

// anywhereWords are the words that make a name a possible credential wherever they stand
// in it (AZURE_BATCH_KEY, OCI_CLI_KEY_CONTENT, SECRET_VALUE), unless the name ends in one
// of referenceWords.
var anywhereWords = map[string]bool{
	"KEY": true, "KEYS": true, "SECRET": true, "SECRETS": true, "TOKEN": true, "TOKENS": true,
	"PASSWORD": true, "PASSWD": true, "PWD": true, "PASS": true, "PASSPHRASE": true, "CREDENTIAL": true,
	"CREDENTIALS": true, "CREDS": true, "PRIVATE": true, "AUTH": true, "APIKEY": true, "ACCESSKEY": true,
	"SECRETKEY": true, "PRIVATEKEY": true,
}

// referenceWords end names that say where a secret is or what it is like, not what it is:
// KEY_FILE, TOKEN_PATH, SECRET_NAME, TOKEN_URL, KEY_ID, TOKEN_TTL, KEY_ALGORITHM.
var referenceWords = map[string]bool{
	"FILE": true, "FILES": true, "FILENAME": true, "PATH": true, "PATHS": true, "DIR": true, "NAME": true,
	"NAMES": true, "URL": true, "URI": true, "ENDPOINT": true, "HOST": true, "ID": true, "IDS": true,
	"REF": true, "TTL": true, "EXPIRY": true, "EXPIRES": true, "EXPIRATION": true, "TIMEOUT": true,
	"LENGTH": true, "LEN": true, "SIZE": true, "BITS": true, "TYPE": true, "ALGORITHM": true, "ALG": true,
	"MODE": true, "METHOD": true, "ENABLED": true, "ENABLE": true, "DISABLED": true, "VERSION": true,
	"FORMAT": true, "HEADER": true, "PREFIX": true, "FIELD": true, "PARAM": true, "LOCATION": true,
	"MOUNT": true, "VOLUME": true, "REGION": true, "COUNT": true, "POLICY": true, "ROLE": true, "USER": true,
	"USERNAME": true, "LOGIN": true, "ISSUER": true, "AUDIENCE": true, "SCOPE": true, "SCOPES": true,
	"PROVIDER": true, "KIND": true, "STORE": true, "NAMESPACE": true, "LABEL": true, "SELECTOR": true,
	"DURATION": true, "INTERVAL": true, "PERIOD": true, "ROTATION": true, "CERT": true, "CERTIFICATE": true,
	"CRT": true, "REGEX": true, "PATTERN": true, "SOURCE": true, "PORT": true,
}

// ClassifyName says whether a name (env var, ConfigMap key, flag, annotation key) holds a
// credential. The name is split into words on _ - . / and camelCase, and its last word
// decides: DB_PASSWORD and clientSecret are secrets; PASSWORD_FILE, TOKEN_PATH,
// SECRET_NAME and TOKEN_URL are references to one. A secret word elsewhere in a name that
// does not end in a reference word (AZURE_BATCH_KEY, OCI_CLI_KEY_CONTENT) makes it
// nameMaybeSecret, whose value must show it is a credential.
func ClassifyName(name string) nameKind {
	words := splitWords(name)
	for i := len(words) - 1; i >= 0; i-- {
		if strings.Trim(words[i], "0123456789") != "" {
			words = words[:i+1]
			break
		}
		if i == 0 {
			return nameOther
		}
	}
	if len(words) == 0 {
		return nameOther
	}
	for _, w := range words {
		if notSecretWords[w] {
			return nameOther
		}
	}
	last := strings.TrimRight(words[len(words)-1], "0123456789")
	var prev string
	if len(words) > 1 {
		prev = words[len(words)-2]
	}
	aws := slices.Contains(words, "SECRET") && (slices.Contains(words, "ACCESS") || slices.Contains(words, "AWS"))
	if last == "KEY" && keyQualifiers[prev] || last == "ACCESSKEY" || last == "SECRETKEY" {
		if aws {
			return nameAWSSecret
		}
		return nameSecret
	}
	if k := secretWords[last]; k != nameOther {
		return k
	}
	if referenceWords[last] {
		return nameOther
	}
	for _, w := range words {
		if anywhereWords[w] {
			return nameMaybeSecret
		}
	}
	return nameOther
}

// splitWords splits a name into upper-case words on separators and camelCase boundaries
// ("dbPassword" → DB PASSWORD, "APIKey" → API KEY).
func splitWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if i > 0 && unicode.IsUpper(r) && len(cur) > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && nextLower {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return words
}
