package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testtree"
)

// Test credentials: random strings in each provider's format, made up for these tests;
// none is or was a live credential.
const (
	cliAWSKeyID   = "ASIAQFXLLYK3W5GFFVEV"
	cliStripe     = "sk_live_aqEZ132lcpGE202nMx7Lg531"
	cliGitHub     = "ghp_JBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLK"
	cliSlack      = "xoxb-70342366712-7684268465632-fljoQoaF1LlqsajAIxNKu8iS"
	cliAzureKey   = "qSfMfdEXfJbcxxT13ir3/+/jWfi31L3oUQq779/vS9r3+eE05ujEu7uBrE6VXm1ph8t3Vq8bR5G0FzQmVYt0Nw=="
	cliPEMBody    = `DnkHIfxIq2HZt/PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3/\nYNBDRzrZSgqbjG3uhkWKFLf6xuI5aHUQPFeNBTxaQWk8JzFalHlsZfYcMMDktXP/\n`
	cliRandomText = "vAmwufUxbvJDCTbyvHNsG9eh"
)

// TestSecretsFormatsCLI lints manifests that carry each well-known credential format in
// each place the secrets checks read (env values, ConfigMap data, annotations, args): each
// is reported once, at its line, by the check that owns the place, with a message that
// names the kind of credential and does not print it. Configuration words under
// password-like keys, reference names and the default ServiceAccount follow.
func TestSecretsFormatsCLI(t *testing.T) {
	pod := func(env, args string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  automountServiceAccountToken: false\n  containers:\n    - name: app\n      image: registry.example.com/app:1.4.2\n" + env + args
	}
	envVar := func(name, value string) string {
		return "      env:\n        - name: " + name + "\n          value: '" + value + "'\n"
	}
	cm := func(data string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n" + data
	}
	gcpJSON := `{"type": "service_account", "project_id": "billing-prod", "private_key": "-----BEGIN PRIVATE KEY-----\n` + cliPEMBody + `-----END PRIVATE KEY-----\n", "client_email": "billing@billing-prod.iam.gserviceaccount.com"}`
	cases := []struct {
		name, src string
		want      []string // "line check"
		message   string   // a message must contain it
	}{
		{name: "AWS key ID in an env value", src: pod(envVar("UPLOADER", cliAWSKeyID), ""),
			want: []string{"12 secret-in-env-value"}, message: "environment variable UPLOADER to a literal AWS access key ID (ASIA…, 20 chars)"},
		{name: "Stripe live key in a ConfigMap", src: cm("  billing.properties: |\n    stripe.key=" + cliStripe + "\n"),
			want: []string{"6 secret-credential-in-value"}, message: "Stripe live API key (sk_live_…, 32 chars)"},
		{name: "GitHub token in args", src: pod("", "      args: [\"--clone\", \"https://x-access-token:"+cliGitHub+"@github.com/org/repo\"]\n"),
			want: []string{"10 secret-credential-in-value"}, message: "GitHub token (ghp_…, 40 chars)"},
		{name: "Slack token in an annotation", src: "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations:\n    alerts.example.com/notify: " + cliSlack + "\n",
			want: []string{"6 secret-credential-in-value"}, message: "Slack token (xoxb-…"},
		{name: "GCP service account key file in a ConfigMap", src: cm("  key.json: '" + gcpJSON + "'\n"),
			want: []string{"6 secret-credential-in-value"}, message: `ConfigMap key "key.json" contains a hardcoded GCP service account key (-----BEGIN PRIVATE KEY-----…`},
		{name: "Azure storage connection string in an env value", src: pod(envVar("STORAGE", "DefaultEndpointsProtocol=https;AccountName=billing;AccountKey="+cliAzureKey+";EndpointSuffix=core.windows.net"), ""),
			want: []string{"12 secret-in-env-value"}, message: "Azure storage account key (****, 88 chars)"},
		{name: "secret word inside the name, random value", src: pod(envVar("AZURE_BATCH_KEY", cliAzureKey)+"        - name: OCI_CLI_KEY_CONTENT\n          value: "+cliRandomText+"\n", ""),
			want: []string{"12 secret-in-env-value", "14 secret-in-env-value"}, message: "high-entropy secret"},
		{name: "secret word inside the name, references", src: pod(envVar("OCI_CLI_KEY_FILE", "/etc/oci/key.pem")+"        - name: AZURE_BATCH_KEY\n          value: $(BATCH_KEY)\n        - name: SIGNING_KEY_ID\n          value: "+cliRandomText+"\n", "")},
		{name: "nsswitch.conf in a ConfigMap", src: cm("  nsswitch.conf: |\n    passwd:         compat\n    group:          compat\n    shadow:         compat\n    hosts:          files dns\n")},
		{name: "placeholders", src: cm("  app.env: |\n    SLACK_TOKEN=xoxb-your-token\n    STRIPE_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n")},
		{name: "default ServiceAccount", src: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: shop\n",
			want: []string{"1 default-service-account-automount"}, message: `the "default" ServiceAccount of namespace "shop" does not set automountServiceAccountToken: false`},
		{name: "default ServiceAccount without a token", src: "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\nautomountServiceAccountToken: false\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			testtree.Enter(t, map[string]string{"m.yaml": tc.src})
			out, code := run(t, "", "lint", "m.yaml", "-o", "json", "--enable", "secrets")
			wantCode := 0
			if len(tc.want) > 0 {
				wantCode = 1
			}
			if code != wantCode {
				t.Fatalf("exit %d, want %d\n%s", code, wantCode, out)
			}
			var got []string
			for _, l := range findingLines(t, out) {
				got = append(got, strings.TrimPrefix(l, filepath.ToSlash("m.yaml")+":"))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("findings\n got: %q\nwant: %q\n%s", got, tc.want, out)
			}
			if msgs := findingMessages(t, out); !strings.Contains(msgs, tc.message) {
				t.Errorf("no message contains %q\n%s", tc.message, msgs)
			}
			for _, secret := range []string{cliAWSKeyID[4:], cliStripe[8:], cliGitHub[4:], cliSlack[5:], cliAzureKey[:20], cliRandomText} {
				if strings.Contains(out, secret) {
					t.Errorf("the report leaks a secret\n%s", out)
				}
			}
		})
	}
}

// findingMessages joins the messages of the JSON report in run's transcript, one a line.
func findingMessages(t *testing.T, transcript string) string {
	t.Helper()
	_, stdout, _ := strings.Cut(transcript, "--- stdout\n")
	stdout, _, _ = strings.Cut(stdout, "--- stderr\n")
	var rep struct{ Findings []struct{ Message string } }
	if err := jsonUnmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, transcript)
	}
	var out []string
	for _, f := range rep.Findings {
		out = append(out, f.Message)
	}
	return strings.Join(out, "\n")
}

// TestDefaultServiceAccountFixCLI: the default ServiceAccount's fix is unsafe (pods of the
// account that call the API lose their token): --diff leaves it out and says why, and
// --unsafe-fixes adds the field.
func TestDefaultServiceAccountFixCLI(t *testing.T) {
	testtree.Enter(t, map[string]string{"sa.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: shop\n"})
	out, _ := run(t, "", "lint", "sa.yaml", "--enable", "default-service-account-automount", "--diff")
	if strings.Contains(out, "+automountServiceAccountToken") || !strings.Contains(out, "unsafe; use --unsafe-fixes") {
		t.Errorf("--diff:\n%s", out)
	}
	out, _ = run(t, "", "lint", "sa.yaml", "--enable", "default-service-account-automount", "--diff", "--unsafe-fixes")
	if !strings.Contains(out, "   namespace: shop\n+automountServiceAccountToken: false\n") {
		t.Errorf("--diff --unsafe-fixes:\n%s", out)
	}
}
