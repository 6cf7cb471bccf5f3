package secrets

import (
	"strings"
	"testing"
)

// Test credentials: random strings in each provider's format, generated for these tests.
// None of them is or was a live credential.
const (
	awsKeyID     = "AKIAUJZDEGXDNCF32EPF"
	awsSecretKey = "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"
	githubToken  = "ghp_JBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLK"
	githubPAT    = "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"
	gitlabToken  = "glpat-StPKR0CsTy4Qwb8DwkNh"
	slackBot     = "xoxb-70342366712-7684268465632-fljoQoaF1LlqsajAIxNKu8iS"
	slackApp     = "xapp-1-A6D39ZZZZG4-6031372159010-ed5ac06e2559dd98993ced429fa05ea3c25f51410161095aa29205855c1d1904"
	slackHook    = "https://hooks.slack.com/services/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"
	jwt          = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtYmlsbGluZyIsImlhdCI6MTcxODAwMDAwMH0.qcbnr3yBdGBLEPH1qhT61qtc4xatws8phP9nhFyJfm5"
	randomToken  = "vAmwufUxbvJDCTbyvHNsG9eh"
	pemBody      = "DnkHIfxIq2HZt/PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3/\nYNBDRzrZSgqbjG3uhkWKFLf6xuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP/\ntKsf2rcDkdfrUnW5gcF+Ha6ili8GjHEAD6/Wj9KfzjsQGMrb9h+ImB+LK777pzNk\n"
	privateKey   = "-----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "-----END RSA PRIVATE KEY-----\n"
	awsSessionID = "ASIAQFXLLYK3W5GFFVEV"
	stripeLive   = "sk_live_aqEZ132lcpGE202nMx7Lg531"
	stripeRK     = "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"
	azureKey     = "qSfMfdEXfJbcxxT13ir3/+/jWfi31L3oUQq779/vS9r3+eE05ujEu7uBrE6VXm1ph8t3Vq8bR5G0FzQmVYt0Nw=="
	azureConn    = "DefaultEndpointsProtocol=https;AccountName=billing;AccountKey=" + azureKey + ";EndpointSuffix=core.windows.net"
	// azuriteKey is the storage emulator's key, published in Microsoft's documentation.
	azuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// gcpKeyFile renders a service account key file of the given type, with the key's
// newlines escaped as in the JSON gcloud writes.
func gcpKeyFile(typ, body string) string {
	return `{"type": "` + typ + `", "project_id": "billing-prod", "private_key_id": "1f3c9b1c5d0e4a2f9e8d7c6b5a4f3e2d1c0b9a8f",
  "private_key": "-----BEGIN PRIVATE KEY-----\n` + strings.ReplaceAll(body, "\n", `\n`) + `-----END PRIVATE KEY-----\n",
  "client_email": "billing@billing-prod.iam.gserviceaccount.com", "client_id": "104861230947712345678"}`
}

func formats(ds []Detection) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Format)
	}
	return strings.Join(out, ", ")
}

func TestScanFormats(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		// Each format, then a near miss that must not match.
		{"aws key id", "", "aws: " + awsKeyID, "AWS access key ID"},
		{"aws key id: AWS's documented example", "", "AKIAIOSFODNN7EXAMPLE", ""},
		{"aws key id: lower case", "", strings.ToLower(awsKeyID), ""},
		{"aws key id: too short", "", "AKIAUJZDEGXDNCF3", ""},
		{"aws temporary key id", "", "AWS_ACCESS_KEY_ID=" + awsSessionID, "AWS access key ID"},
		{"aws key id: old A3T form", "", "A3TXUJZDEGXDNCF32EPF", "AWS access key ID"},
		{"aws key id: inside a longer word", "", "XAKIAUJZDEGXDNCF32EPF", ""},
		{"aws role unique id is no credential", "", "AROA5DYT9A14P5SQKJ7M", ""},
		{"aws user unique id is no credential", "", "AIDA5DYT9A14P5SQKJ7M", ""},
		{"aws secret key by key", "AWS_SECRET_ACCESS_KEY", awsSecretKey, "AWS secret access key"},
		{"aws secret key in a credentials file", "credentials", "[default]\naws_access_key_id = " + awsKeyID + "\naws_secret_access_key = " + awsSecretKey + "\n", "AWS access key ID, AWS secret access key"},
		{"aws-secret-shaped value under another key", "RELEASE_NOTES_URL", awsSecretKey, ""},
		{"aws secret key: AWS's documented example", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
		{"stripe live secret key", "", "stripe.apiKey=" + stripeLive, "Stripe live API key"},
		{"stripe restricted key", "", stripeRK, "Stripe live API key"},
		{"stripe: test-mode key", "", "sk_test_aqEZ132lcpGE202nMx7Lg531", ""},
		{"stripe: masked", "", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", ""},
		{"stripe: elided", "", "sk_live_...", ""},
		{"stripe: too short", "", "sk_live_aqEZ132l", ""},
		{"gcp service account key", "key.json", gcpKeyFile("service_account", pemBody), "GCP service account key"},
		{"gcp: not a service account file", "key.json", gcpKeyFile("authorized_user", pemBody), "private key"},
		{"gcp: documentation stub", "key.json", gcpKeyFile("service_account", "..."), ""},
		{"azure storage connection string", "", azureConn, "Azure storage account key"},
		{"azure storage key under an azure name", "AZURE_STORAGE_KEY", azureKey, "Azure storage account key"},
		{"azure: the storage emulator's published key", "", "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + azuriteKey, ""},
		{"azure: too short for the format, random under a key name", "", "AccountKey=" + azureKey[4:], "high-entropy secret"},
		{"azure: placeholder", "", "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=<storage-key>", ""},
		{"github token", "", "token " + githubToken, "GitHub token"},
		{"github fine-grained token", "", githubPAT, "GitHub fine-grained token"},
		{"github: unknown prefix", "", "ghx_JBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLK", ""},
		{"github: too short", "", "ghp_JBd0Kh8oOOL8dKLz", ""},
		{"github: masked", "", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", ""},
		{"gitlab token", "", gitlabToken, "GitLab personal access token"},
		{"gitlab: placeholder", "", "glpat-xxxxxxxxxxxxxxxxxxxx", ""},
		{"slack bot token", "", slackBot, "Slack token"},
		{"slack app token", "", slackApp, "Slack app token"},
		{"slack webhook", "", "url: " + slackHook, "Slack webhook URL"},
		{"slack: prefix only", "", "xoxb-", ""},
		{"slack: placeholder word", "", "SLACK_TOKEN=xoxb-your-token-goes-here", ""},
		{"slack user token", "", "xoxp-70342366712-7684268465632-7684268465633-3b2f0c6a9e51d7a4c8f2b6e0d9a7c5e1", "Slack token"},
		{"slack refresh token", "", "xoxr-1-70342366712-fljoQoaF1LlqsajAIxNKu8iS", "Slack token"},
		{"slack webhook: no token", "", "https://hooks.slack.com/services/", ""},
		{"private key", "", privateKey, "private key"},
		{"private key: documentation stub", "", "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----", ""},
		{"certificate is public", "", "-----BEGIN CERTIFICATE-----\n" + pemBody + "-----END CERTIFICATE-----", ""},
		{"jwt", "", "Authorization: Bearer " + jwt, "JWT"},
		{"jwt: header without alg", "", "eyJ0eXAiOiJ4In0.eyJzdWIiOiJzdmMtYmlsbGluZyJ9.qcbnr3yBdGBLEPH1qhT61qtc4xatws8", ""},
		{"jwt: header not base64 JSON", "", "eyJhbGciOiJIU.eyJzdWIiOiJzdmM.qcbnr3yBdGBLEPH1qhT", ""},
		{"connection string", "", "postgres://app:Xk9mQ2vTw@db:5432/app", "connection string with a password"},
		{"connection string: empty user", "", "redis://:Xk9mQ2vTw@redis:6379/0", "connection string with a password"},
		{"connection string: ${VAR}", "", "postgres://app:${DB_PASSWORD}@db:5432/app", ""},
		{"connection string: $(VAR)", "", "postgres://app:$(DB_PASSWORD)@db:5432/app", ""},
		{"connection string: placeholder", "", "mysql://root:password@db/app", ""},
		{"connection string: no password", "", "https://user@git.example.com/repo.git", ""},
		{"generic high entropy by key", "API_TOKEN", randomToken, "high-entropy secret"},
		{"generic: secret key, low entropy", "API_TOKEN", "enabled-for-all-users", ""},
		{"generic: high entropy, innocent key", "BUILD_ID", randomToken, ""},
		{"generic: checksum annotation", "checksum/secret", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ""},
		{"generic: too short", "API_TOKEN", "vAmwufUxbvJD", ""},
		{"password by key", "db.password", "hunter2!", "password"},
		{"password: reference", "PASSWORD_FILE", "hunter2!", ""},
		{"password: path", "password", "/etc/app/password", ""},
		{"properties file", "app.properties", "spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.password=Tr0ub4dor&3\n", "password"},
		{"yaml file", "config.yaml", "db:\n  host: db\n  password: \"Tr0ub4dor&3\" # rotated monthly\n", "password"},
		{"json member", "config.json", `{"oauth": {"clientId": "billing", "clientSecret": "` + randomToken + `"}}`, "high-entropy secret"},
		{"command line flag", "", "--db-password=Tr0ub4dor&3", "password"},
		{"flag with separate value", "", "server --api-token " + randomToken + " --port 80", "high-entropy secret"},
		{"java system property", "", "-Dspring.datasource.password=Tr0ub4dor&3 -Xmx1g", "password"},
		{"templated config", "config.yaml", "password: ${DB_PASSWORD}\ntoken: {{ .Values.token }}\n", ""},
		{"sops ciphertext", "password", "ENC[AES256_GCM,data:p673w==,iv:YY=,tag:3z==,type:str]", ""},
		{"sealed-secrets style reference", "password", "vault:secret/data/db#password", ""},
		{"innocent config", "nginx.conf", "server {\n  listen 80;\n  location / { proxy_pass http://app:8080; }\n}\n", ""},
		{"boolean under a secret name", "AUTH", "true", ""},
		{"authorization header", "", "curl -H 'Authorization: Bearer " + randomToken + "' http://api", "high-entropy secret"},
		{"api key header", "", "curl -H \"X-Api-Key: " + randomToken + "\" http://api", "high-entropy secret"},
		{"authorization header: variable", "", "curl -H \"Authorization: Bearer $TOKEN\" http://api", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ds := Scan(tc.key, tc.value)
			if got := formats(ds); got != tc.want {
				t.Errorf("Scan(%q, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
			}
			for _, d := range ds {
				if desc := d.Describe(); strings.Contains(desc, d.Secret) || len(d.Secret) > 12 && strings.Contains(desc, d.Secret[len(d.Secret)-8:]) {
					t.Errorf("Describe leaks the secret: %s", desc)
				}
			}
		})
	}
}

func TestIsPlaceholder(t *testing.T) {
	placeholders := []string{"", "  ", "changeme", "CHANGE_ME", "<token>", "<your-api-key>", "${DB_PASSWORD}", "$(DB_PASSWORD)",
		"$DB_PASSWORD", "{{ .Values.password }}", "xxx", "XXXXXXXX", "****", "********", "password", "Password", "example",
		"secret", "ENC[AES256_GCM,data:abc,iv:def,tag:ghi,type:str]", "vault:secret/data/app#token",
		"ref+awssm://prod/db#password", "Ple4seCh4ngeThisN0tAVerySecretV4lue", "test-password", "my_secret_token",
		"...base64 encoded data...", "s3cr3t", "8312341g-5678-abcd-4a2b2c-33bcsd655", "your-token-here", "%s"}
	for _, v := range placeholders {
		if !IsPlaceholder(v) {
			t.Errorf("IsPlaceholder(%q) = false, want true", v)
		}
	}
	real := []string{"hunter2", "Tr0ub4dor&3", "admin", "postgres", randomToken, githubToken, awsSecretKey, "minio123"}
	for _, v := range real {
		if IsPlaceholder(v) {
			t.Errorf("IsPlaceholder(%q) = true, want false", v)
		}
	}
}

func TestClassifyName(t *testing.T) {
	cases := map[string]nameKind{
		"DB_PASSWORD": namePassword, "dbPassword": namePassword, "db.password": namePassword, "MYSQL_ROOT_PASSWORD": namePassword,
		"DB_PASSWORD_2": namePassword, "PASSWORD2": namePassword, "smtp-pass": namePassword, "PASSWD": namePassword,
		"GITHUB_TOKEN": nameSecret, "authToken": nameSecret, "CLIENT_SECRET": nameSecret, "clientSecret": nameSecret,
		"API_KEY": nameSecret, "apiKey": nameSecret, "APIKey": nameSecret, "APIKEY": nameSecret, "PRIVATE_KEY": nameSecret,
		"CREDENTIALS": nameSecret, "BASIC_AUTH": nameSecret, "MINIO_ACCESS_KEY": nameSecret,
		"AWS_SECRET_ACCESS_KEY": nameAWSSecret, "secretAccessKey": nameAWSSecret, "aws_secret_key": nameAWSSecret,
		"PASSWORD_FILE": nameOther, "TOKEN_PATH": nameOther, "SECRET_NAME": nameOther, "TOKEN_URL": nameOther,
		"AWS_ACCESS_KEY_ID": nameOther, "OAUTH_CLIENT_ID": nameOther, "PASSWORD_HASH": nameOther,
		"checksum/secret": nameOther, "TOKEN_TTL": nameOther, "BYPASS": nameOther, "": nameOther, "_1": nameOther,
		// A secret word that does not end the name: the value decides.
		"AZURE_BATCH_KEY": nameMaybeSecret, "OCI_CLI_KEY_CONTENT": nameMaybeSecret, "CACHE_KEY": nameMaybeSecret,
		"SECRET_VALUE": nameMaybeSecret, "tokenValue": nameMaybeSecret, "PRIVATE_KEY_CONTENT": nameMaybeSecret,
		"AccountKey": nameMaybeSecret, "PAGERDUTY_ROUTING_KEY": nameMaybeSecret,
		// ... unless the name ends in a reference word, or is about the public half.
		"OCI_CLI_KEY_FILE": nameOther, "SIGNING_KEY_PATH": nameOther, "KEY_ID": nameOther, "TOKEN_AUDIENCE": nameOther,
		"AZURE_KEY_VAULT_NAME": nameOther, "SECRET_STORE_URL": nameOther, "JWT_PUBLIC_KEY": nameOther,
		"KEY_ALGORITHM": nameOther, "AUTH_METHOD": nameOther, "KEYCLOAK_REALM": nameOther,
	}
	for name, want := range cases {
		if got := ClassifyName(name); got != want {
			t.Errorf("ClassifyName(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestNamedSecret(t *testing.T) {
	cases := []struct {
		name, value string
		want        bool
	}{
		{"DB_PASSWORD", "hunter2", true},
		{"GITHUB_TOKEN", "abc123", true},
		{"SECRET_NAME", "db-credentials", false},
		{"DB_PASSWORD", "changeme", false},
		{"DB_PASSWORD", "", false},
		{"ENABLE_AUTH", "true", false},
		{"AUTH", "basic", false},
		{"BASIC_AUTH", "admin:hunter2", true},
		{"TOKEN", "/var/run/secrets/tokens/vault", false},
		{"PWD", "/app", false},
	}
	for _, tc := range cases {
		if got := NamedSecret(tc.name, tc.value); got != tc.want {
			t.Errorf("NamedSecret(%q, %q) = %v, want %v", tc.name, tc.value, got, tc.want)
		}
	}
}

// TestNameAnywhere: a secret word anywhere in a name (AZURE_BATCH_KEY,
// OCI_CLI_KEY_CONTENT) makes a random-looking value a credential, as API_KEY always did;
// the same name with an ordinary value, a reference-word ending, a path, a URL without
// userinfo or a reference to another variable is not reported.
func TestNameAnywhere(t *testing.T) {
	cases := []struct {
		name, value, want string
	}{
		{"AZURE_BATCH_KEY", azureKey, "high-entropy secret"},
		{"OCI_CLI_KEY_CONTENT", randomToken, "high-entropy secret"},
		{"OCI_CLI_KEY_CONTENT", privateKey, "private key"},
		{"STRIPE_KEY_LIVE", randomToken, "high-entropy secret"},
		{"PAGERDUTY_ROUTING_KEY", "9f86d081884c7d659a2feaa0c55ad015", "high-entropy secret"},
		{"SECRET_VALUE", randomToken, "high-entropy secret"},
		{"AZURE_STORAGE_ACCESS_KEY", azureKey, "Azure storage account key"},
		{"API_KEY", randomToken, "high-entropy secret"},
		// Not credentials.
		{"AZURE_BATCH_KEY", "batch-prod", ""},
		{"CACHE_KEY", "user-sessions", ""},
		{"AZURE_BATCH_KEY", "hunter2!", ""},
		{"OCI_CLI_KEY_FILE", "/etc/oci/" + randomToken + ".pem", ""},
		{"OCI_CLI_KEY_FILE", randomToken, ""},
		{"SIGNING_KEY_ID", randomToken, ""},
		{"AWS_ACCESS_KEY_ID_REF", randomToken, ""},
		{"TOKEN_URL", "https://auth.example.com/" + randomToken, ""},
		{"SECRET_STORE_URL", "https://vault.example.com/v1/" + randomToken, ""},
		{"AZURE_BATCH_KEY", "$(BATCH_KEY_FROM_SECRET)", ""},
		{"AZURE_BATCH_KEY", "${BATCH_KEY}", ""},
		{"AZURE_BATCH_KEY", "/var/run/secrets/azure/batch-key", ""},
		{"JWT_PUBLIC_KEY", randomToken, ""},
		{"KEY_CONTENT", "9f86d081-884c-7d65-9a2f-eaa0c55ad015", ""},
	}
	for _, tc := range cases {
		if got := formats(Scan(tc.name, tc.value)); got != tc.want {
			t.Errorf("Scan(%q, %q) = %q, want %q", tc.name, tc.value, got, tc.want)
		}
		// The env check reports a name-only match as NamedSecret; names with the secret
		// word elsewhere never are: their value must show it.
		if tc.want == "" && NamedSecret(tc.name, tc.value) {
			t.Errorf("NamedSecret(%q, %q) = true", tc.name, tc.value)
		}
	}
}

// TestConfigWordsAreNotPasswords: under a password-like key, configuration keywords
// (nsswitch sources, PAM flags, auth methods) are settings everywhere, and under a bare
// one-word key inside a configuration file so is any plain lower-case word; a qualified
// name or a value with digits, symbols or mixed case is still a password. changeme and
// changeit stay placeholders (IsPlaceholder): they ask to be replaced, and reporting the
// ones left in would flag every chart's documentation.
func TestConfigWordsAreNotPasswords(t *testing.T) {
	nsswitch := "passwd:         compat\ngroup:          compat\nshadow:         files\nhosts:          files dns\n"
	cases := []struct {
		name, key, value, want string
	}{
		{"nsswitch.conf", "nsswitch.conf", nsswitch, ""},
		{"nsswitch with several sources", "nsswitch.conf", "passwd: files systemd\nshadow: files sss\n", ""},
		{"nsswitch source unknown to the keyword list", "nsswitch.conf", "passwd: extrausers\n", ""},
		{"keyword as a ConfigMap key's own value", "passwd", "compat", ""},
		{"pam control flag", "auth.conf", "password: required\n", ""},
		{"auth method", "pg.conf", "password_encryption: scram-sha-256\nPASSWORD: md5\n", ""},
		{"boolean", "app.yaml", "password: true\n", ""},
		{"placeholder changeme", "app.yaml", "password: changeme\n", ""},
		{"placeholder changeit", "JAVA_KEYSTORE_PASSWORD", "changeit", ""},
		// Still passwords.
		{"digits", "app.yaml", "password: hunter2\n", "password"},
		{"symbols", "app.yaml", "password: Tr0ub4dor&3\n", "password"},
		{"mixed case", "app.yaml", "password: HunterTwo\n", "password"},
		{"qualified key, plain word", "application.properties", "spring.datasource.password=admin\n", "password"},
		{"qualified key in an env file, plain word", "env.startup.txt", "LDAP_ADMIN_PASSWORD: admin\n", "password"},
		{"plain word under its own name", "DB_PASSWORD", "admin", "password"},
		{"plain word as a ConfigMap key's own value", "password", "admin", "password"},
		{"flag", "", "--db-password=Tr0ub4dor&3", "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := formats(Scan(tc.key, tc.value)); got != tc.want {
				t.Errorf("Scan(%q, %q) = %q, want %q", tc.key, tc.value, got, tc.want)
			}
		})
	}
	for _, v := range []string{"compat", "files dns", "scram-sha-256", "basic"} {
		if NamedSecret("DB_PASSWORD", v) {
			t.Errorf("NamedSecret(DB_PASSWORD, %q) = true", v)
		}
	}
	if !NamedSecret("MYSQL_ROOT_PASSWORD", "admin") {
		t.Error("NamedSecret(MYSQL_ROOT_PASSWORD, admin) = false: a weak password is a password")
	}
}

func TestHighEntropy(t *testing.T) {
	for v, want := range map[string]bool{
		randomToken: true, awsSecretKey: true, "9f86d081884c7d659a2feaa0c55ad015": true,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaa1": false, "my-service-account-v2-staging": false, "short1": false,
		"ThisIsJustAnOrdinarySentence": false, "with space 9f86d081884c7d659a2f": false,
	} {
		if got := HighEntropy(v); got != want {
			t.Errorf("HighEntropy(%q) = %v, want %v (entropy %.2f)", v, got, want, entropy(v))
		}
	}
}

func TestMask(t *testing.T) {
	if got := Mask(githubToken, "ghp_"); got != "ghp_…, 40 chars" {
		t.Errorf("Mask = %q", got)
	}
	if got := Mask("hunter2", ""); got != "****, 7 chars" {
		t.Errorf("Mask = %q", got)
	}
}

func TestDescribeAll(t *testing.T) {
	ds := Scan("env.txt", "A_PASSWORD: Tr0ub4dor&3\nB_PASSWORD: hunter2!\nslack: "+slackHook+"\n")
	if got, want := describeAll(ds), "Slack webhook URL (https://hooks.slack.com/services/…, 77 chars) and password (2 values)"; got != want {
		t.Errorf("describeAll = %q, want %q", got, want)
	}
}

// FuzzScan: no input makes Scan panic, and no description of what it finds prints the
// secret.
func FuzzScan(f *testing.F) {
	for _, s := range []string{awsKeyID, stripeLive, azureConn, gcpKeyFile("service_account", pemBody), privateKey, jwt,
		"passwd: compat\n", "AZURE_BATCH_KEY=" + azureKey, "-----BEGIN PRIVATE KEY-----", `"private_key": "-----BEGIN PRIVATE KEY-----"`} {
		f.Add("config", s)
	}
	f.Fuzz(func(t *testing.T, key, text string) {
		for _, d := range Scan(key, text) {
			if len(d.Secret) > 12 && strings.Contains(d.Describe(), d.Secret) {
				t.Errorf("Describe leaks %q", d.Secret)
			}
		}
	})
}

// The prefilter of pairs must pass every line a secret word could be in, whatever its case.
func TestMayNameSecretCoversEverySecretWord(t *testing.T) {
	var words []string
	for w := range secretWords {
		words = append(words, w)
	}
	for w := range anywhereWords {
		words = append(words, w)
	}
	for _, w := range words {
		for _, line := range []string{w, strings.ToLower(w), "x_" + w + "=1", "  my" + strings.ToLower(w[:1]) + w[1:] + ": v"} {
			if !mayNameSecret(line) {
				t.Errorf("mayNameSecret(%q) = false", line)
			}
		}
	}
	for _, line := range []string{"", "replicas: 3", "image: nginx:1.27", `"title": "Dashboard"`} {
		if mayNameSecret(line) {
			t.Errorf("mayNameSecret(%q) = true", line)
		}
	}
}

func TestQuoteThenColon(t *testing.T) {
	for line, want := range map[string]bool{
		`"a":"b"`: true, `"a" : "b"`: true, "\"a\"\t\t:1": true, `x "a"   :`: true, `{"a" "b": 1}`: true,
		`"a"`: false, `a: "b"`: false, `"a" x: 1`: false, ``: false, `"`: false, `" `: false,
	} {
		if got := quoteThenColon(line); got != want {
			t.Errorf("quoteThenColon(%q) = %v, want %v", line, got, want)
		}
	}
}
