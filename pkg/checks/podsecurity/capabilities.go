package podsecurity

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/workload"
)

// baselineCapabilities are the capabilities PSA "capabilities_baseline" allows to be added:
// the container runtime's default set.
var baselineCapabilities = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true,
	"KILL": true, "MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true,
	"SETPCAP": true, "SETUID": true, "SYS_CHROOT": true,
}

// addedCapabilities calls fn for every entry of every container's capabilities.add.
func addedCapabilities(pod *workload.Pod, fn func(c workload.Container, path fieldpath.Path, capability string)) {
	for _, c := range pod.Containers() {
		for i, item := range fieldpath.Items(fieldpath.LookupKeys(c.Node, "securityContext", "capabilities", "add")) {
			s, _ := fieldpath.Str(item)
			fn(c, c.SecurityContextPath("capabilities", "add").Child(fieldpath.Index(i)), s)
		}
	}
}

// capabilitiesAdded implements PSA "capabilities_baseline".
var capabilitiesAdded = &check.Check{
	ID:       "capabilities-added",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.High,
	PSS:      finding.PSSBaseline,
	PSACheck: "capabilities_baseline",
	Doc: check.Doc{
		Title: "Container adds a capability beyond the runtime's default set",
		Why: `Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE or SYS_MODULE give a container
root powers over the kernel: mounting filesystems, reconfiguring the node's network, reading
other processes' memory, loading kernel modules. Most container escapes start from one.
The baseline standard allows only the runtime's defaults: AUDIT_WRITE, CHOWN, DAC_OVERRIDE,
FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT.`,
		Bad: `securityContext:
  capabilities:
    add: ["SYS_ADMIN"]`,
		Good: `securityContext:
  capabilities:
    drop: ["ALL"]
    add: ["NET_BIND_SERVICE"]`,
		Fix: "Remove the capability. If a feature really needs it, isolate the workload on dedicated nodes and document why.",
	},
	References: []check.Reference{check.CIS("5.2.9"), check.NSA("pod-security/enforcement"), check.MITRE("T1611")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			addedCapabilities(pod, func(c workload.Container, path fieldpath.Path, capability string) {
				if !baselineCapabilities[capability] {
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: fmt.Sprintf("%s adds capability %q, which is not in the baseline set", c.Label(), capability),
						Fix:     check.NewFix(fmt.Sprintf("remove %q from capabilities.add", capability), false, check.Remove(path))})
				}
			})
		})
	},
}

// capabilitiesAddedRestricted is the add half of PSA "capabilities_restricted" for the
// capabilities baseline allows: restricted allows only NET_BIND_SERVICE.
var capabilitiesAddedRestricted = &check.Check{
	ID:       "capabilities-added-restricted",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.Medium,
	PSS:      finding.PSSRestricted,
	PSACheck: "capabilities_restricted",
	Doc: check.Doc{
		Title: "Container adds a default capability other than NET_BIND_SERVICE",
		Why: `The restricted standard allows a container to add back only NET_BIND_SERVICE after dropping
ALL. Default capabilities such as CHOWN, DAC_OVERRIDE, SETUID or SETGID let a process
change file ownership, bypass file permissions or switch users: harmless for most
applications, and unnecessary for almost all of them. Capabilities outside the baseline set
are reported by capabilities-added instead.`,
		Bad: `securityContext:
  capabilities:
    drop: ["ALL"]
    add: ["CHOWN", "SETUID"]`,
		Good: `securityContext:
  capabilities:
    drop: ["ALL"]`,
		Fix: "Remove the capability; fix file ownership at image build time or with fsGroup instead.",
	},
	References: []check.Reference{check.CIS("5.2.8"), check.CIS("5.2.9"), check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.IsWindows() {
				return
			}
			addedCapabilities(pod, func(c workload.Container, path fieldpath.Path, capability string) {
				if baselineCapabilities[capability] && capability != "NET_BIND_SERVICE" {
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: fmt.Sprintf("%s adds capability %q; the restricted standard allows only NET_BIND_SERVICE", c.Label(), capability),
						Fix:     check.NewFix(fmt.Sprintf("remove %q from capabilities.add", capability), false, check.Remove(path))})
				}
			})
		})
	},
}

// capabilitiesNotDropped is the drop half of PSA "capabilities_restricted".
var capabilitiesNotDropped = &check.Check{
	ID:       "capabilities-not-dropped",
	AutoFix:  check.FixUnsafe,
	Category: catSecurityContext,
	Severity: finding.Medium,
	PSS:      finding.PSSRestricted,
	PSACheck: "capabilities_restricted",
	Doc: check.Doc{
		Title: `Container does not drop ALL capabilities`,
		Why: `Without drop: ["ALL"] a container keeps the runtime's default capabilities (CHOWN,
DAC_OVERRIDE, FOWNER, SETUID, SETGID, NET_RAW on some runtimes, ...). An attacker who gets
code execution can use them to tamper with files, spoof packets or switch users. Dropping
everything and adding back only what is needed is the restricted standard.`,
		Bad: `containers:
  - name: app
    image: registry.example.com/app:1.4.2`,
		Good: `containers:
  - name: app
    image: registry.example.com/app:1.4.2
    securityContext:
      capabilities:
        drop: ["ALL"]`,
		Fix: `Add securityContext.capabilities.drop: ["ALL"] to the container (and add: ["NET_BIND_SERVICE"] only if it binds a port below 1024). Test it: an image that changes users or file ownership at start-up may stop working.`,
	},
	References: []check.Reference{check.CIS("5.2.8"), check.CIS("5.2.10"), check.NSA("pod-security/enforcement")},
	Run: func(p *check.Pass) {
		p.ForEachPod(func(pod *workload.Pod) {
			if pod.IsWindows() {
				return
			}
			for _, c := range pod.Containers() {
				drop := fieldpath.LookupKeys(c.Node, "securityContext", "capabilities", "drop")
				dropped, spelt := false, ""
				for _, item := range fieldpath.Items(drop) {
					s, _ := fieldpath.Str(item)
					switch {
					case s == "ALL":
						dropped = true
					case strings.EqualFold(s, "ALL"):
						spelt = s // "all": the runtime may drop everything, admission does not count it
					}
				}
				if !dropped {
					path := c.SecurityContextPath("capabilities", "drop")
					msg := fmt.Sprintf(`%s does not drop ALL capabilities`, c.Label())
					if spelt != "" {
						msg = fmt.Sprintf(`%s drops %q, not ALL: Pod Security admission compares capability names case-sensitively, so restricted rejects it`, c.Label(), spelt)
					}
					p.Report(check.Diagnostic{Object: pod.Object, Path: path,
						Message: msg,
						Fix:     check.NewFix(`add "ALL" to securityContext.capabilities.drop`, false, check.AppendTo(path, "ALL"))})
				}
			}
		})
	},
}

func init() { check.Register(capabilitiesAdded, capabilitiesAddedRestricted, capabilitiesNotDropped) }
