package secrets

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// secretInEnv reports Secrets handed to a container through its environment.
var secretInEnv = &check.Check{
	ID:       "secret-in-env",
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: "Secret passed to a container as an environment variable",
		Why: `Environment variables leak more easily than files: they are inherited by every child
process, printed by env dumps, debug pages and crash reporters, visible in
/proc/<pid>/environ to anything running as the same user, and they are never updated when
the Secret is rotated (the pod must restart). A Secret mounted as a volume is readable only
through the file, can be given tight file permissions, and is refreshed in place.`,
		Bad: `containers:
  - name: app
    image: registry.example.com/app:1.4.2
    env:
      - name: DB_PASSWORD
        valueFrom:
          secretKeyRef: {name: db, key: password}`,
		Good: `containers:
  - name: app
    image: registry.example.com/app:1.4.2
    env:
      - name: DB_PASSWORD_FILE
        value: /run/secrets/db/password
    volumeMounts:
      - {name: db, mountPath: /run/secrets/db, readOnly: true}
volumes:
  - name: db
    secret: {secretName: db, defaultMode: 0400}`,
		Fix: "Mount the Secret as a read-only volume and have the application read the file (many frameworks accept a *_FILE variable pointing to it).",
	},
	References: []check.Reference{check.CIS("5.4.1"), check.NSA("network/secrets")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, c := range pod.Containers() {
				for _, e := range envEntries(c) {
					ref := fieldpath.LookupKeys(e.node, "valueFrom", "secretKeyRef")
					if ref == nil {
						continue
					}
					name, _ := fieldpath.Str(fieldpath.MapGet(ref, "name"))
					key, _ := fieldpath.Str(fieldpath.MapGet(ref, "key"))
					p.Report(check.Diagnostic{Object: pod.Object, Path: e.path("valueFrom", "secretKeyRef"),
						Message: fmt.Sprintf("%s reads key %q of Secret %q into environment variable %s; mount it as a file instead",
							c.Label(), key, name, e.name),
						Fix: check.NewFix("mount the Secret as a read-only volume and read the value from the file", false)})
				}
				for i, from := range fieldpath.Items(fieldpath.MapGet(c.Node, "envFrom")) {
					ref := fieldpath.MapGet(from, "secretRef")
					if ref == nil {
						continue
					}
					name, _ := fieldpath.Str(fieldpath.MapGet(ref, "name"))
					p.Report(check.Diagnostic{Object: pod.Object, Path: c.Path.Keys("envFrom").Child(fieldpath.Index(i)).Keys("secretRef"),
						Message: fmt.Sprintf("%s loads every key of Secret %q into its environment; mount it as a file instead", c.Label(), name),
						Fix:     check.NewFix("mount the Secret as a read-only volume and read the values from the files", false)})
				}
			}
		})
	},
}

func init() { check.Register(secretInEnv) }
