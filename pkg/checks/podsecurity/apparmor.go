package podsecurity

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

// appArmor implements PSA "appArmorProfile": appArmorProfile.type of the pod and of each
// container must be RuntimeDefault or Localhost, and the deprecated per-container
// annotations must be runtime/default or localhost/*.
var appArmor = &check.Check{
	ID:       "apparmor-unconfined",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "appArmorProfile",
	Doc: check.Doc{
		Title: "AppArmor is disabled for the pod or a container",
		Why: `AppArmor confines what a container's processes may do on the node (mounts, raw sockets,
writes under /proc and /sys). Setting the profile to Unconfined removes that layer; the
runtime's default profile is safe for nearly every workload.`,
		Bad: `securityContext:
  appArmorProfile:
    type: Unconfined`,
		Good: `securityContext:
  appArmorProfile:
    type: RuntimeDefault`,
		Fix: "Remove the Unconfined profile (the runtime default applies) or set type: RuntimeDefault or Localhost with a reviewed profile.",
	},
	References: []check.Reference{check.CIS("5.7.3"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, s := range pod.SecurityContexts() {
				t := fieldpath.LookupKeys(s.Node, "appArmorProfile", "type")
				if !workload.Present(fieldpath.MapGet(s.Node, "appArmorProfile")) {
					continue
				}
				v, _ := fieldpath.Str(t)
				if v == "RuntimeDefault" || v == "Localhost" {
					continue
				}
				path := s.Path("appArmorProfile", "type")
				msg := fmt.Sprintf("%s sets AppArmor profile type %q; allowed are RuntimeDefault and Localhost", s.Label, v)
				if v == "" {
					// appArmorProfile: {} (type is required): not type "".
					msg = fmt.Sprintf("%s sets appArmorProfile without a type; allowed are RuntimeDefault and Localhost", s.Label)
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: path,
					Message: msg,
					Fix: check.NewFix("set appArmorProfile.type: RuntimeDefault", false,
						runtimeDefault(s.Path("appArmorProfile"), fieldpath.MapGet(s.Node, "appArmorProfile"))...)})
			}
			fieldpath.Pairs(fieldpath.MapGet(pod.Meta, "annotations"), func(key string, _, v *yaml.Node) {
				if !strings.HasPrefix(key, appArmorAnnotationPrefix) {
					return
				}
				val, _ := fieldpath.Str(v)
				if val == "" || val == "runtime/default" || strings.HasPrefix(val, "localhost/") {
					return
				}
				path := pod.MetaPath.Keys("annotations", key)
				container := strings.TrimPrefix(key, appArmorAnnotationPrefix)
				msg := fmt.Sprintf("annotation %s=%q disables AppArmor for container %q", key, val, container)
				if val != "unconfined" {
					// Not a profile at all ("custom", "docker-default"): it does not
					// disable AppArmor, it names nothing Kubernetes knows.
					msg = fmt.Sprintf("annotation %s=%q for container %q is not an AppArmor profile Kubernetes knows: the values are runtime/default, localhost/<profile> and unconfined", key, val, container)
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: path,
					Message: msg,
					Fix:     check.NewFix("set the annotation to runtime/default", false, check.SetTo(path, "runtime/default"))})
			})
		})
	},
}

func init() { check.Register(appArmor) }
