package secrets

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// rotateAdvice ends every fix for a committed credential: removing it from the file does
// not remove it from the repository's history.
const rotateAdvice = "Rotate the credential: it stays in the Git history after the file is fixed."

// secretInEnvValue reports env[].value literals that are credentials, by the variable's
// name or by the value's format. Env values are this check's alone: the credential-format
// check covers every other place, so one value is never reported twice.
var secretInEnvValue = &check.Check{
	ID:       "secret-in-env-value",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Environment variable holds a literal credential",
		Why: `A credential written as env[].value is stored in plain text in the manifest, in Git
history, in the API server's object (readable by anyone who can get the Deployment, which
is far more people than can read Secrets), and in every rendered copy of the chart or
overlay. A variable whose name ends in PASSWORD, TOKEN, SECRET, API_KEY, PRIVATE_KEY,
CREDENTIALS, ACCESS_KEY or AUTH, whose name has such a word elsewhere (AZURE_BATCH_KEY,
OCI_CLI_KEY_CONTENT) and whose value is random-looking, or whose value has the shape of a
known credential (AWS key, Stripe live key, GitHub/GitLab/Slack token, GCP service account
key, Azure storage key, private key, JWT, connection string with a password), is reported.
Names ending in FILE, PATH, NAME, URL, ID, ... point to a secret and are not reported.`,
		Bad: `env:
  - name: DB_PASSWORD
    value: "Xk9#mQ2vT7"`,
		Good: `env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: db
        key: password`,
		Fix: "Move the value into a Secret that is not committed in plain text (Sealed Secrets, External Secrets or SOPS) and reference it with valueFrom.secretKeyRef, or better, mount it as a file. " + rotateAdvice,
	},
	References: []check.Reference{check.NSA("network/secrets"), check.MITRE("T1552.001"), check.MITRE("T1552.007")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if sopsEncrypted(pod.Object) {
				return
			}
			for _, c := range pod.Containers() {
				for _, e := range envEntries(c) {
					if fieldpath.MapGet(e.node, "valueFrom") != nil {
						continue
					}
					v, ok := fieldpath.Str(fieldpath.MapGet(e.node, "value"))
					if !ok {
						continue
					}
					ds := Scan(e.name, v)
					var msg string
					switch {
					case len(ds) > 0:
						msg = fmt.Sprintf("%s sets environment variable %s to a literal %s", c.Label(), e.name, describeAll(ds))
					case NamedSecret(e.name, v):
						msg = fmt.Sprintf("%s sets environment variable %s, whose name marks it as a credential, to a literal value (%s)",
							c.Label(), e.name, Mask(v, ""))
					default:
						continue
					}
					d := check.Diagnostic{Object: pod.Object, Path: e.path("value"), Message: msg,
						Fix: check.NewFix(fmt.Sprintf("move the value of %s into a Secret, reference it with valueFrom.secretKeyRef and rotate it", e.name), false)}
					if anyStrong(ds) {
						d.Severity = finding.Critical
					}
					p.Report(d)
				}
			}
		})
	},
}

func init() { check.Register(secretInEnvValue) }
