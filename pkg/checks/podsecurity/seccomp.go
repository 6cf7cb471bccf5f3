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

func validSeccomp(t string) bool { return t == "RuntimeDefault" || t == "Localhost" }

// seccompUnconfined implements PSA "seccompProfile_baseline" (1.19+): an explicit
// seccompProfile.type other than RuntimeDefault or Localhost, on the pod or a container.
var seccompUnconfined = &check.Check{
	ID:       "seccomp-unconfined",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "seccompProfile_baseline",
	Doc: check.Doc{
		Title: "Seccomp is explicitly disabled",
		Why: `Seccomp filters the system calls a container may make; the runtime's default profile blocks
the ones used in most kernel exploits (keyctl, unshare, ptrace on older kernels, ...).
type: Unconfined turns that filter off.`,
		Bad: `securityContext:
  seccompProfile:
    type: Unconfined`,
		Good: `securityContext:
  seccompProfile:
    type: RuntimeDefault`,
		Fix: "Set seccompProfile.type: RuntimeDefault (or Localhost with a reviewed profile).",
	},
	References: []check.Reference{check.CIS("5.7.2"), check.NSA("pod-security/enforcement"), check.NSA("pod-security/hardening-container-environments"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			for _, s := range pod.SecurityContexts() {
				if !workload.Present(fieldpath.MapGet(s.Node, "seccompProfile")) {
					continue
				}
				t, _ := workload.StringField(s.Node, "seccompProfile", "type")
				if validSeccomp(t) {
					continue
				}
				msg := fmt.Sprintf("%s sets seccompProfile.type %q; use RuntimeDefault or Localhost", s.Label, t)
				if t == "" {
					// seccompProfile: {} (type is required): not type "".
					msg = fmt.Sprintf("%s sets seccompProfile without a type; use RuntimeDefault or Localhost", s.Label)
				}
				p.Report(check.Diagnostic{Object: pod.Object, Path: s.Path("seccompProfile", "type"),
					Message: msg,
					// Unsafe: a workload that disabled seccomp may make a system call the
					// runtime's profile blocks.
					Fix: check.NewFix("set seccompProfile.type: RuntimeDefault", false,
						runtimeDefault(s.Path("seccompProfile"), fieldpath.MapGet(s.Node, "seccompProfile"))...)})
			}
		})
	},
}

// seccompMissing is the other half of PSA "seccompProfile_restricted": every container
// must run with RuntimeDefault or Localhost, set on it or inherited from the pod.
var seccompMissing = &check.Check{
	ID:       "seccomp-profile-missing",
	AutoFix:  check.FixSafe,
	Category: catSecurityContext,
	Severity: finding.Medium,
	PSS:      finding.PSSRestricted,
	PSACheck: "seccompProfile_restricted",
	Doc: check.Doc{
		Title: "No seccomp profile is set",
		Why: `Unless the kubelet is configured with --seccomp-default, a container without a seccomp
profile runs Unconfined: every system call is allowed. Setting RuntimeDefault at pod level
covers every container and is safe for almost every workload.`,
		Bad: `spec:
  containers:
    - name: app`,
		Good: `spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app`,
		Fix: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
	},
	References: []check.Reference{check.CIS("5.7.2"), check.NSA("pod-security/enforcement"), check.NSA("pod-security/hardening-container-environments"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.IsWindows() {
				return
			}
			if workload.Present(pod.Field("securityContext", "seccompProfile")) {
				return // valid, or reported by seccomp-unconfined
			}
			note := seccompAnnotationNote(pod)
			reportMissing(p, pod, "seccompProfile", func(c workload.Container) bool {
				profile, _ := pod.EffectiveSecurityContext(c, "seccompProfile")
				return profile == nil
			}, missingMessages{
				pod:       "no seccomp profile is set on the pod or its containers %s: they run Unconfined" + note,
				container: "%s sets no seccomp profile and the pod sets none: it runs Unconfined" + note,
				fix:       "set securityContext.seccompProfile.type: RuntimeDefault",
				safe:      true,
				set: func(field fieldpath.Path) []finding.Change {
					return []finding.Change{check.SetTo(field.Keys("type"), "RuntimeDefault")}
				},
			})
		})
	},
}

// Seccomp annotations, deprecated since Kubernetes 1.19 (when seccompProfile went GA):
// current kubelets and API servers no longer honour them, and Pod Security admission's
// checks for 1.19 and later read only the securityContext fields.
const (
	seccompPodAnnotation             = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"
	// seccompPSPAnnotationPrefix starts the annotations of a PodSecurityPolicy
	// (defaultProfileName, allowedProfileNames): written on a pod they never set a profile,
	// on any Kubernetes version.
	seccompPSPAnnotationPrefix = "seccomp.security.alpha.kubernetes.io/"
)

// seccompAnnotationNote explains, for a pod template that still asks for a profile through
// a deprecated annotation, why that does not count: without it the finding reads as a
// false alarm to whoever wrote the annotation.
func seccompAnnotationNote(pod *workload.Pod) string {
	annotation, psp := "", ""
	fieldpath.Pairs(fieldpath.MapGet(pod.Meta, "annotations"), func(key string, _, _ *yaml.Node) {
		switch {
		case annotation != "":
		case key == seccompPodAnnotation || strings.HasPrefix(key, seccompContainerAnnotationPrefix):
			annotation = key
		case psp == "" && strings.HasPrefix(key, seccompPSPAnnotationPrefix):
			psp = key
		}
	})
	note := ""
	switch {
	case annotation != "":
		note = fmt.Sprintf("; the annotation %s is deprecated and current Kubernetes versions ignore it: set securityContext.seccompProfile instead", annotation)
	case psp != "":
		note = fmt.Sprintf("; the annotation %s is a PodSecurityPolicy's and sets no profile on a pod: set securityContext.seccompProfile instead", psp)
	default:
		return ""
	}
	// %% survives the Sprintf that fills in the container names.
	return strings.ReplaceAll(note, "%", "%%")
}

// missingMessages words a missing-field finding: pod is formatted with the quoted
// container names, container with the container's label.
type missingMessages struct {
	pod, container, fix string
	safe                bool
	// set returns the changes that set the field at its path (pod or container level).
	set func(field fieldpath.Path) []finding.Change
}

// runtimeDefault sets the profile at path (a seccompProfile or appArmorProfile mapping,
// node) to RuntimeDefault. A localhostProfile left beside it would make the pod invalid.
func runtimeDefault(path fieldpath.Path, node *yaml.Node) []finding.Change {
	changes := []finding.Change{check.SetTo(path.Keys("type"), "RuntimeDefault")}
	if fieldpath.MapGet(node, "localhostProfile") != nil {
		changes = append(changes, check.Remove(path.Keys("localhostProfile")))
	}
	return changes
}

// reportMissing reports a field every container must have, directly or from the pod:
// once at pod level when no container sets it (that is where the fix goes), otherwise
// at each container that lacks it.
func reportMissing(p *check.Pass, pod *workload.Pod, field string, lacks func(workload.Container) bool, m missingMessages) {
	var missing []workload.Container
	all := pod.Containers()
	for _, c := range all {
		if lacks(c) {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return
	}
	if len(missing) == len(all) {
		names := make([]string, len(missing))
		for i, c := range missing {
			names[i] = c.Name
		}
		path := pod.SecurityContextPath(field)
		p.Report(check.Diagnostic{Object: pod.Object, Path: path,
			Message: fmt.Sprintf(m.pod, quoteList(names)),
			Fix:     check.NewFix(m.fix+" on the pod", m.safe, m.set(path)...)})
		return
	}
	for _, c := range missing {
		path := c.SecurityContextPath(field)
		p.Report(check.Diagnostic{Object: pod.Object, Path: path,
			Message: fmt.Sprintf(m.container, c.Label()),
			Fix:     check.NewFix(m.fix+" on "+c.Label(), m.safe, m.set(path)...)})
	}
}

func init() { check.Register(seccompUnconfined, seccompMissing) }
