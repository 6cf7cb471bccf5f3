package secrets

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/check/checktest"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/kustomize"
	"github.com/kubectl-secure/kubectl-secure/pkg/lint"
)

func docs(ds ...string) string { return strings.Join(ds, "---\n") }

// deployment renders a Deployment whose pod spec is podSpec (indented by 6) and whose one
// container "app" carries container (indented by 10).
func deployment(name, podSpec, container string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
spec:
  template:
    spec:
` + podSpec + `      containers:
        - name: app
          image: registry.example.com/app:1.4.2
` + container
}

func configMap(data string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n" + data
}

func TestSecretInEnvValue(t *testing.T) {
	env := func(name, value string) string {
		return deployment("web", "", "          env:\n            - name: "+name+"\n              value: "+value+"\n")
	}
	checktest.RunCases(t, "secret-in-env-value", []checktest.Case{
		{Name: "password by name", Src: env("DB_PASSWORD", `"hunter2!" # want: secret-in-env-value`)},
		{Name: "token by name, low entropy", Src: env("GITHUB_TOKEN", "abc123def # want: secret-in-env-value")},
		{Name: "credential format under an innocent name", Src: env("NOTIFY_URL", slackHook+" # want: secret-in-env-value")},
		{Name: "connection string", Src: env("DATABASE_URL", "postgres://app:Xk9mQ2vTw@db:5432/app # want: secret-in-env-value")},
		{Name: "reference by name", Src: env("DB_PASSWORD_FILE", "/run/secrets/db")},
		{Name: "secret name is a reference", Src: env("TLS_SECRET_NAME", "web-tls")},
		{Name: "placeholder", Src: env("DB_PASSWORD", "changeme")},
		{Name: "template", Src: env("DB_PASSWORD", `"{{ .Values.db.password }}"`)},
		{Name: "dependent variable", Src: env("DB_PASSWORD", `"$(ROOT_PASSWORD)"`)},
		{Name: "empty", Src: env("DB_PASSWORD", `""`)},
		{Name: "innocent", Src: env("LOG_LEVEL", "debug")},
		{Name: "valueFrom", Src: deployment("web", "", "          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: password}\n")},
		{Name: "sops encrypted file", Src: env("DB_PASSWORD", "ENC[AES256_GCM,data:Tr2w,iv:x,tag:y,type:str]") + "sops:\n  version: 3.8.1\n"},
	})
}

func TestSecretInEnvValueSeverityAndMessage(t *testing.T) {
	src := deployment("web", "", "          env:\n            - name: GH\n              value: "+githubToken+"\n            - name: DB_PASSWORD\n              value: hunter2!\n")
	fs := checktest.Run(t, src, "secret-in-env-value")
	if len(fs) != 2 {
		t.Fatalf("want 2 findings, got %v", checktest.Short(fs))
	}
	if fs[0].Severity != finding.Critical || fs[1].Severity != finding.High {
		t.Errorf("severities %v, %v; want critical for a provider token, high for a password", fs[0].Severity, fs[1].Severity)
	}
	for _, f := range fs {
		if strings.Contains(f.Message, githubToken[4:]) || strings.Contains(f.Message, "hunter2") {
			t.Errorf("message leaks the secret: %s", f.Message)
		}
	}
	if !strings.Contains(fs[0].Message, "GitHub token (ghp_…, 40 chars)") {
		t.Errorf("message does not name the format: %s", fs[0].Message)
	}
}

func TestCredentialInValue(t *testing.T) {
	checktest.RunCases(t, "secret-credential-in-value", []checktest.Case{
		{Name: "configmap key by name", Src: configMap("  DB_PASSWORD: Tr0ub4dor&3 # want: secret-credential-in-value\n")},
		{Name: "configmap file with a password line", Src: configMap("  app.properties: | # want: secret-credential-in-value\n    db.url=jdbc:postgresql://db/app\n    db.password=Tr0ub4dor&3\n")},
		{Name: "configmap private key", Src: configMap("  key.pem: | # want: secret-credential-in-value\n    -----BEGIN PRIVATE KEY-----\n    " + strings.ReplaceAll(pemBody, "\n", "\n    ") + "-----END PRIVATE KEY-----\n")},
		{Name: "configmap jwt", Src: configMap("  kubeconfig: | # want: secret-credential-in-value\n    users:\n      - name: ci\n        user:\n          token: " + jwt + "\n")},
		{Name: "args flag", Src: deployment("web", "", "          args: [\"--port=8080\", \"--api-token="+randomToken+"\"] # want: secret-credential-in-value\n")},
		{Name: "args flag with separate value", Src: deployment("web", "", "          args:\n            - --db-password\n            - Tr0ub4dor&3 # want: secret-credential-in-value\n")},
		{Name: "command shell string", Src: deployment("web", "", "          command: [\"sh\", \"-c\", \"curl -H 'Authorization: Bearer "+jwt+"' http://api\"] # want: secret-credential-in-value\n")},
		{Name: "annotation", Src: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    example.com/aws-key: " + awsKeyID + " # want: secret-credential-in-value\n"},
		{Name: "pod template annotation", Src: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        notify/slack: ` + slackHook + ` # want: secret-credential-in-value
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.4.2
`},
		{Name: "innocent configmap", Src: configMap("  LOG_LEVEL: debug\n  nginx.conf: |\n    server { listen 80; }\n  checksum: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n")},
		{Name: "configmap placeholders", Src: configMap("  DB_PASSWORD: changeme\n  app.properties: |\n    db.password=${DB_PASSWORD}\n  token: \"<token>\"\n")},
		{Name: "reference names", Src: configMap("  PASSWORD_FILE: /run/secrets/db\n  TOKEN_URL: https://auth.example.com/token\n  SECRET_NAME: db\n")},
		{Name: "checksum annotation", Src: strings.Replace(deployment("web", "", ""), "spec:\n  template:\n    spec:", "spec:\n  template:\n    metadata:\n      annotations:\n        checksum/secret: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n    spec:", 1)},
		{Name: "args flags without secrets", Src: deployment("web", "", "          args: [\"--token-file=/var/run/token\", \"--password-stdin\", \"--auth\", \"true\"]\n")},
		{Name: "env values are the env check's", Src: deployment("web", "", "          env:\n            - name: GH\n              value: "+githubToken+"\n")},
		{Name: "secret data is the secret check's", Src: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: " + githubToken + "\n"},
		{Name: "sops encrypted configmap", Src: configMap("  DB_PASSWORD: ENC[AES256_GCM,data:Tr2w,iv:x,tag:y,type:str]\nsops:\n  version: 3.8.1\n")},
	})
}

func TestSecretObjectCommitted(t *testing.T) {
	secret := func(body string) string { return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n" + body }
	checktest.RunCases(t, "secret-object-committed", []checktest.Case{
		{Name: "stringData", Src: secret("stringData:\n  username: app\n  password: hunter2! # want: secret-object-committed\n")},
		{Name: "data", Src: secret("type: Opaque\ndata:\n  password: aHVudGVyMiE= # want: secret-object-committed\n")},
		{Name: "tls key beside its certificate", Src: secret("type: kubernetes.io/tls\nstringData:\n  tls.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n    -----END CERTIFICATE-----\n  tls.key: | # want: secret-object-committed\n    -----BEGIN PRIVATE KEY-----\n    " + strings.ReplaceAll(pemBody, "\n", "\n    ") + "-----END PRIVATE KEY-----\n")},
		{Name: "empty values", Src: secret("data:\n  password: \"\"\nstringData:\n  token: \"\"\n")},
		{Name: "no data", Src: secret("type: kubernetes.io/service-account-token\n")},
		{Name: "placeholders", Src: secret("stringData:\n  password: changeme\n  token: <token>\n  key: ${API_KEY}\n")},
		{Name: "base64 placeholder", Src: secret("data:\n  password: Y2hhbmdlbWU=\n")},
		{Name: "certificate only", Src: secret("stringData:\n  ca.crt: |\n    -----BEGIN CERTIFICATE-----\n    MIIB\n    -----END CERTIFICATE-----\n")},
		{Name: "config file without credentials", Src: secret("stringData:\n  grafana.ini: |\n    [date_formats]\n    default_timezone = UTC\n")},
		{Name: "sops encrypted", Src: secret("stringData:\n  password: ENC[AES256_GCM,data:Tr2w,iv:x,tag:y,type:str]\nsops:\n  version: 3.8.1\n  mac: ENC[AES256_GCM,data:x]\n")},
		{Name: "written by sealed secrets", Src: secret("  ownerReferences:\n    - {apiVersion: bitnami.com/v1alpha1, kind: SealedSecret, name: db}\ndata:\n  password: aHVudGVyMiE=\n")},
		{Name: "a SealedSecret is not a Secret", Src: "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: db\nspec:\n  encryptedData:\n    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq\n"},
	})
}

func TestSecretObjectMessage(t *testing.T) {
	fs := checktest.Run(t, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2!\n", "secret-object-committed")
	if len(fs) != 1 || strings.Contains(fs[0].Message, "hunter2") || !strings.Contains(fs[0].Message, "SealedSecret") {
		t.Errorf("got %+v", fs)
	}
}

// TestSecretGenerator builds a kustomization whose secretGenerator reads literals and an
// env file: each finding must point where the value is written (the literal in the
// kustomization, the line of the env file), not at the built Secret nobody edits. A
// generator whose only literal is a placeholder is not reported.
func TestSecretGenerator(t *testing.T) {
	dir := filepath.Join("testdata", "generator")
	objs, err := kustomize.Build(dir, kustomize.NewCache())
	if err != nil {
		t.Fatalf("build %s: %v", dir, err)
	}
	fs := lint.RunChecks([]*check.Check{check.Lookup("secret-object-committed")}, objs, nil)
	var got []string
	for _, f := range fs {
		got = append(got, filepath.ToSlash(f.File)+":"+strconv.Itoa(f.Line)+":"+strconv.Itoa(f.Column)+" "+f.Path)
	}
	want := []string{
		"testdata/generator/api.env:1:1 data.API_TOKEN",
		"testdata/generator/kustomization.yaml:8:9 data.password",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings differ\n got: %q\nwant: %q", got, want)
	}
	for _, f := range fs {
		if !strings.Contains(f.Message, "secretGenerator") || strings.Contains(f.Message, "Tr0ub4dor") {
			t.Errorf("message: %s", f.Message)
		}
	}
}

func TestSecretInEnv(t *testing.T) {
	checktest.RunCases(t, "secret-in-env", []checktest.Case{
		{Name: "secretKeyRef", Src: deployment("web", "", "          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: password} # want: secret-in-env\n")},
		{Name: "envFrom secretRef", Src: deployment("web", "", "          envFrom:\n            - configMapRef: {name: cfg}\n            - secretRef: {name: db} # want: secret-in-env\n")},
		{Name: "init container", Src: deployment("web", "      initContainers:\n        - name: migrate\n          image: registry.example.com/migrate:1\n          envFrom: [{secretRef: {name: db}}] # want: secret-in-env\n", "")},
		{Name: "mounted secret", Src: deployment("web", "      volumes:\n        - name: db\n          secret: {secretName: db}\n", "          volumeMounts: [{name: db, mountPath: /run/secrets/db, readOnly: true}]\n")},
		{Name: "configMapKeyRef", Src: deployment("web", "", "          env:\n            - name: LOG_LEVEL\n              valueFrom:\n                configMapKeyRef: {name: cfg, key: level}\n")},
	})
}

func TestServiceAccountTokenAutomount(t *testing.T) {
	sa := func(name, extra string) string {
		return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " + name + "\n" + extra
	}
	binding := "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: operator\n  namespace: default\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: operator}\nsubjects:\n  - {kind: ServiceAccount, name: operator, namespace: default}\n"
	// These rows keep want rather than `# want:` markers: the finding's path names the field
	// the fix adds, usually absent from the input, and the column tells the anchor at the pod
	// spec (column 7) from an explicit automountServiceAccountToken: true.
	checktest.RunCases(t, "service-account-token-automount", []checktest.Case{
		{Name: "default account", Src: deployment("web", "", ""),
			Want: []string{"service-account-token-automount@8:7 spec.template.spec.automountServiceAccountToken"}},
		{Name: "pod sets true", Src: deployment("web", "      automountServiceAccountToken: true\n", ""),
			Want: []string{"service-account-token-automount@8:37 spec.template.spec.automountServiceAccountToken"}},
		{Name: "named account not in the input", Src: deployment("web", "      serviceAccountName: web\n", ""),
			Want: []string{"service-account-token-automount@8:7 spec.template.spec.automountServiceAccountToken"}},
		{Name: "named account without automount false", Src: docs(sa("web", ""), deployment("web", "      serviceAccountName: web\n", "")),
			Want: []string{"service-account-token-automount@13:7 spec.template.spec.automountServiceAccountToken"}},
		{Name: "pod true wins over account false", Src: docs(sa("web", "automountServiceAccountToken: false\n"), deployment("web", "      serviceAccountName: web\n      automountServiceAccountToken: true\n", "")),
			Want: []string{"service-account-token-automount@15:37 spec.template.spec.automountServiceAccountToken"}},
		{Name: "account in another namespace does not count", Src: docs(strings.Replace(sa("web", "automountServiceAccountToken: false\n"), "name: web\n", "name: web\n  namespace: other\n", 1), deployment("web", "      serviceAccountName: web\n", "")),
			Want: []string{"service-account-token-automount@15:7 spec.template.spec.automountServiceAccountToken"}},
		{Name: "pod false", Src: deployment("web", "      automountServiceAccountToken: false\n", "")},
		{Name: "account false", Src: docs(sa("web", "automountServiceAccountToken: false\n"), deployment("web", "      serviceAccountName: web\n", ""))},
		{Name: "default account false", Src: docs(sa("default", "automountServiceAccountToken: false\n"), deployment("web", "", ""))},
		{Name: "deprecated serviceAccount field", Src: docs(sa("web", "automountServiceAccountToken: false\n"), deployment("web", "      serviceAccount: web\n", ""))},
		{Name: "account bound to a role uses the API", Src: docs(binding, deployment("op", "      serviceAccountName: operator\n", ""))},
		{Name: "objects without pods", Src: configMap("  a: b\n")},
	})
}

func TestServiceAccountTokenAutomountDetails(t *testing.T) {
	run := func(src string, settings *check.Settings) []finding.Finding {
		return checktest.RunWith(t, src, settings, "service-account-token-automount")
	}
	fs := run(deployment("web", "", ""), nil)
	if len(fs) != 1 || fs[0].Severity != finding.Medium || !strings.Contains(fs[0].Message, `"default"`) {
		t.Fatalf("default account: %+v", fs)
	}
	fix := fs[0].Fix
	if fix == nil || fix.Safe || len(fix.Changes) != 1 || fix.Changes[0].Op != finding.Set ||
		fix.Changes[0].Path.String() != "spec.template.spec.automountServiceAccountToken" || fix.Changes[0].Value != false {
		t.Errorf("fix: %+v", fix)
	}
	if fs := run(deployment("web", "      serviceAccountName: web\n", ""), nil); len(fs) != 1 || fs[0].Severity != finding.Low {
		t.Errorf("named account: %+v", fs)
	}
	// The account is found in the namespace the pod will run in, --namespace included.
	src := docs("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n  namespace: shop\nautomountServiceAccountToken: false\n",
		deployment("web", "      serviceAccountName: web\n", ""))
	if fs := run(src, &check.Settings{Namespace: "shop"}); len(fs) != 0 {
		t.Errorf("--namespace shop: %v", checktest.Short(fs))
	}
	if fs := run(src, nil); len(fs) != 1 {
		t.Errorf("default namespace: %v", checktest.Short(fs))
	}
}

// TestDefaultServiceAccountAutomount: a committed "default" ServiceAccount must set
// automountServiceAccountToken: false (CIS 5.1.5); other accounts, and a default account
// that sets it, are not this check's.
func TestDefaultServiceAccountAutomount(t *testing.T) {
	sa := func(meta, extra string) string {
		return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n" + meta + extra
	}
	// want, not markers: the path names the field the fix adds, absent when unset (1:1).
	checktest.RunCases(t, "default-service-account-automount", []checktest.Case{
		{Name: "unset", Src: sa("  name: default\n  namespace: shop\n", ""),
			Want: []string{"default-service-account-automount@1:1 automountServiceAccountToken"}},
		{Name: "true", Src: sa("  name: default\n", "automountServiceAccountToken: true\n"),
			Want: []string{"default-service-account-automount@5:31 automountServiceAccountToken"}},
		{Name: "false", Src: sa("  name: default\n", "automountServiceAccountToken: false\n")},
		{Name: "another account", Src: sa("  name: web\n", "")},
		{Name: "not a core ServiceAccount", Src: "apiVersion: example.com/v1\nkind: ServiceAccount\nmetadata:\n  name: default\n"},
		{Name: "pods of the default account are the pod check's", Src: deployment("web", "", "")},
	})
	fs := checktest.Run(t, sa("  name: default\n  namespace: shop\n", ""), "default-service-account-automount")
	if len(fs) != 1 {
		t.Fatalf("got %v", checktest.Short(fs))
	}
	f := fs[0]
	if f.Severity != finding.Low || !strings.Contains(f.Message, `namespace "shop"`) {
		t.Errorf("finding: %+v", f)
	}
	if f.Fix == nil || f.Fix.Safe || len(f.Fix.Changes) != 1 || f.Fix.Changes[0].Value != false ||
		f.Fix.Changes[0].Path.String() != "automountServiceAccountToken" {
		t.Errorf("fix: %+v", f.Fix)
	}
}

// TestHardened: a workload written the recommended way gets no finding from any check of
// the category.
func TestHardened(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "hardened.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range secretChecks(t) {
		ids = append(ids, c.ID)
	}
	if fs := checktest.Run(t, string(src), ids...); len(fs) != 0 {
		t.Errorf("hardened.yaml: %q", checktest.Short(fs))
	}
}

// TestDocExamples runs each check's Doc.Bad, which must fire, and Doc.Good, which must not.
// Fragments are wrapped into an object the way `kubectl secure checks ID` presents them.
func TestDocExamples(t *testing.T) {
	indent := func(s, pad string) string { return pad + strings.ReplaceAll(s, "\n", "\n"+pad) + "\n" }
	wrap := map[string]func(string) string{
		"secret-in-env-value": func(s string) string {
			return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: app:1\n" + indent(s, "      ")
		},
		"secret-in-env": func(s string) string {
			return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + indent(s, "  ")
		},
	}
	for _, c := range secretChecks(t) {
		w := wrap[c.ID]
		if w == nil {
			w = func(s string) string { return s }
		}
		if fs := checktest.Run(t, w(c.Doc.Bad), c.ID); len(fs) == 0 {
			t.Errorf("%s: Doc.Bad does not fire", c.ID)
		}
		if fs := checktest.Run(t, w(c.Doc.Good), c.ID); len(fs) != 0 {
			t.Errorf("%s: Doc.Good fires: %v", c.ID, checktest.Short(fs))
		}
	}
}
