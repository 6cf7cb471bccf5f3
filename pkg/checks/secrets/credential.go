package secrets

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// execCommands are the container fields, besides command and args, that hold a command
// line a credential can be pasted into.
var execCommands = [][]string{
	{"livenessProbe", "exec", "command"},
	{"readinessProbe", "exec", "command"},
	{"startupProbe", "exec", "command"},
	{"lifecycle", "postStart", "exec", "command"},
	{"lifecycle", "preStop", "exec", "command"},
}

// credentialInValue reports hardcoded credentials in ConfigMap data, container commands
// and arguments, and annotations. Secret objects are secret-object-committed's and env
// values secret-in-env-value's.
var credentialInValue = &check.Check{
	ID:       "secret-credential-in-value",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Hardcoded credential in a ConfigMap, a command line or an annotation",
		Why: `ConfigMaps, container arguments and annotations are not treated as secret: they are shown
by kubectl describe, copied into logs and dashboards, readable by every role that can list
them, and committed in plain text. A credential in one of them is leaked to everyone who
can read the repository or the namespace. Detected formats: AWS access key IDs and secret
keys, Stripe live keys, GitHub, GitLab and Slack tokens, Slack webhook URLs, GCP service
account key files, Azure storage account keys, PEM private keys, JWTs, connection strings
with a password, passwords under password-like keys, and random-looking values under
secret-like keys (--token=..., "clientSecret": ..., db.password=..., AZURE_BATCH_KEY=...).
Placeholders, templates (${VAR}, {{ }}), SOPS ciphertext, secret-manager references and
configuration keywords under password-like keys (passwd: compat) are not reported.`,
		Bad: `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  DATABASE_URL: postgres://app:Xk9#mQ2v@db:5432/app`,
		Good: `apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  # the password is mounted from a Secret managed by External Secrets
  DATABASE_URL: postgres://app@db:5432/app
  DATABASE_PASSWORD_FILE: /run/secrets/db/password`,
		Fix: "Move the credential into a Secret that is not committed in plain text (Sealed Secrets, External Secrets or SOPS) and pass it to the container as a mounted file or a secretKeyRef. " + rotateAdvice,
	},
	References: []check.Reference{check.NSA("network/secrets"), check.MITRE("T1552.001")},
	Run: func(p *check.Pass) {
		p.ForEachObject(func(o *manifest.Object) {
			if sopsEncrypted(o) {
				return
			}
			if o.Ref.Kind == "ConfigMap" && o.Ref.APIVersion == "v1" {
				fieldpath.Pairs(fieldpath.LookupKeys(o.Root, "data"), func(key string, _, v *yaml.Node) {
					s, ok := fieldpath.Str(v)
					if !ok {
						return
					}
					if ds := Scan(key, s); len(ds) > 0 {
						reportCredential(p, o, fieldpath.New("data", key), fmt.Sprintf("ConfigMap key %q", key), ds)
					}
				})
			}
			// Paths and descriptions are built only for values that hold a credential:
			// most values do not, and building them for each was most of this check's cost.
			scanned := map[*yaml.Node]bool{}
			scanAnnotations := func(meta fieldpath.Path, annotations *yaml.Node, what string) {
				if annotations == nil || scanned[annotations] {
					return
				}
				scanned[annotations] = true
				fieldpath.Pairs(annotations, func(key string, _, v *yaml.Node) {
					s, ok := fieldpath.Str(v)
					if !ok {
						return
					}
					if ds := Scan(key, s); len(ds) > 0 {
						reportCredential(p, o, meta.Keys("annotations", key), fmt.Sprintf("%s %q", what, key), ds)
					}
				})
			}
			scanAnnotations(fieldpath.New("metadata"), fieldpath.LookupKeys(o.Root, "metadata", "annotations"), "annotation")
			for _, pod := range workload.Pods(o) {
				scanAnnotations(pod.MetaPath, fieldpath.LookupKeys(pod.Meta, "annotations"), "pod template annotation")
				for _, c := range pod.Containers() {
					scanCommand(p, o, c, []string{"command"})
					scanCommand(p, o, c, []string{"args"})
					for _, keys := range execCommands {
						scanCommand(p, o, c, keys)
					}
				}
			}
		})
	},
}

// scanCommand scans each item of a command or args list, and a "--flag" item together with
// the value item that follows it.
func scanCommand(p *check.Pass, o *manifest.Object, c workload.Container, keys []string) {
	items := fieldpath.Items(fieldpath.LookupKeys(c.Node, keys...))
	for i, it := range items {
		s, ok := fieldpath.Str(it)
		if !ok {
			continue
		}
		ds := Scan("", s)
		if len(ds) == 0 && i > 0 {
			if prev, ok := fieldpath.Str(items[i-1]); ok && strings.HasPrefix(prev, "-") && !strings.ContainsAny(prev, "= ") &&
				!strings.HasPrefix(s, "-") {
				if d, ok := keyed(strings.TrimLeft(prev, "-"), s, false); ok {
					ds = []Detection{d}
				}
			}
		}
		if len(ds) > 0 {
			reportCredential(p, o, c.Path.Keys(keys...).Child(fieldpath.Index(i)), fmt.Sprintf("%s %s[%d]", c.Label(), strings.Join(keys, "."), i), ds)
		}
	}
}

func reportCredential(p *check.Pass, o *manifest.Object, path fieldpath.Path, where string, ds []Detection) {
	if len(ds) == 0 {
		return
	}
	d := check.Diagnostic{Object: o, Path: path,
		Message: fmt.Sprintf("%s contains a hardcoded %s", where, describeAll(ds)),
		Fix:     check.NewFix("move the credential into a Secret, pass it as a mounted file or secretKeyRef, and rotate it", false)}
	if anyStrong(ds) {
		d.Severity = finding.Critical
	}
	p.Report(d)
}

func init() { check.Register(credentialInValue) }
