package secrets

import (
	"encoding/base64"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// managerOwners create Secrets in the cluster from committed ciphertext or an external
// store; a Secret they own was exported from a cluster, not written by hand.
var managerOwners = map[string]bool{"SealedSecret": true, "ExternalSecret": true}

// clusterOnlyTypes are Secret types only controllers write.
var clusterOnlyTypes = map[string]bool{"helm.sh/release.v1": true}

// secretObjectCommitted reports Secret objects and Kustomize secretGenerators that carry
// real values in the repository.
var secretObjectCommitted = &check.Check{
	ID:       "secret-object-committed",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Secret with plain-text values committed to the repository",
		Why: `A Secret's data is base64, which is an encoding, not encryption: anyone who can read the
repository, a fork, a CI log or a backup of it can decode every value, and the values stay
in the Git history after they are removed. The same holds for a Kustomize secretGenerator
whose literals, env files or files live beside the kustomization. Public material
(certificates, public keys), placeholders and SOPS-encrypted files are not reported.`,
		Bad: `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: Xk9#mQ2vT7`,
		Good: `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
spec:
  encryptedData:
    password: AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq...`,
		Fix: "Commit an encrypted form instead: a SealedSecret (kubeseal), an ExternalSecret that reads the value from a secret manager, or the Secret encrypted with SOPS. " + rotateAdvice,
	},
	References: []check.Reference{check.CIS("5.4.2"), check.NSA("network/secrets"), check.MITRE("T1552.001")},
	Run: func(p *check.Pass) {
		p.ForEachObject(func(o *manifest.Object) {
			if o.Ref.Kind != "Secret" || o.Ref.APIVersion != "v1" || sopsEncrypted(o) || managed(o) {
				return
			}
			if t, _ := fieldpath.Str(o.Field("type")); clusterOnlyTypes[t] {
				return
			}
			var keys []string
			var first fieldpath.Path
			for _, field := range []string{"stringData", "data"} {
				fieldpath.Pairs(o.Field(field), func(key string, _, v *yaml.Node) {
					s, ok := fieldpath.Str(v)
					if !ok {
						return
					}
					if field == "data" {
						s = decodeData(s)
					}
					if !committedValue(s) {
						return
					}
					if first == nil {
						first = fieldpath.New(field, key)
					}
					keys = append(keys, fmt.Sprintf("%q", key))
				})
			}
			if first == nil {
				return
			}
			what := fmt.Sprintf("Secret %q commits", o.Ref.Name)
			if o.Generator == "secretGenerator" {
				what = fmt.Sprintf("secretGenerator of Secret %q commits", o.Ref.Name)
			}
			p.Report(check.Diagnostic{Object: o, Path: first,
				Message: fmt.Sprintf("%s plain-text values for %s; commit a SealedSecret, an ExternalSecret or a SOPS-encrypted file instead",
					what, strings.Join(keys, ", ")),
				Fix: check.NewFix("replace the Secret with a SealedSecret, an ExternalSecret or a SOPS-encrypted file and rotate its values", false)})
		})
	},
}

// managed reports a Secret that a controller wrote from an encrypted or external source.
func managed(o *manifest.Object) bool {
	for _, ref := range fieldpath.Items(o.Field("metadata", "ownerReferences")) {
		if k, _ := fieldpath.Str(fieldpath.MapGet(ref, "kind")); managerOwners[k] {
			return true
		}
	}
	found := false
	fieldpath.Pairs(o.Field("metadata", "annotations"), func(key string, _, _ *yaml.Node) {
		found = found || strings.HasPrefix(key, "sealedsecrets.bitnami.com/")
	})
	return found
}

// decodeData decodes a data value; one that is not base64 (invalid for the API server, but
// still committed) is judged as written.
func decodeData(s string) string {
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		return s
	}
	return string(b)
}

// committedValue reports a real secret value: not empty, not a placeholder, not public.
func committedValue(s string) bool {
	t := strings.TrimSpace(s)
	if IsPlaceholder(t) || strings.HasPrefix(t, "ENC[") || publicMaterial(t) {
		return false
	}
	// A whole configuration file kept in a Secret (alertmanager.yaml, grafana.ini) is
	// reported only when something in it is a credential.
	if strings.Contains(t, "\n") {
		return len(Scan("", t)) > 0
	}
	return true
}

// publicMaterial reports certificates and public keys, which Secrets often carry beside the
// private half (tls.crt, ca.crt) and which are not secret.
func publicMaterial(s string) bool {
	if strings.Contains(s, "PRIVATE KEY") {
		return false
	}
	for _, p := range []string{"-----BEGIN CERTIFICATE", "-----BEGIN PUBLIC KEY", "-----BEGIN RSA PUBLIC KEY",
		"-----BEGIN X509 CRL", "-----BEGIN DH PARAMETERS", "-----BEGIN TRUSTED CERTIFICATE", "ssh-rsa AAAA", "ssh-ed25519 AAAA",
		"ecdsa-sha2-", "-----BEGIN PGP PUBLIC KEY"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func init() { check.Register(secretObjectCommitted) }
