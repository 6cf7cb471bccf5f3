package check

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// The controls checks may reference, as each framework titles them. A check names its
// references in its own declaration (References: check.CIS("5.2.2"), ...); these tables
// only hold what the frameworks say, so that a title is written once and an ID that the
// framework does not have fails at start-up.
//
// CIS Kubernetes Benchmark v1.10, section 5 (Policies), the part a manifest can show; the
// titles as the benchmark words them (kube-bench's cfg/cis-1.10/policies.yaml quotes them,
// without the "(Manual)"/"(Automated)" suffix).
var cisControls = []Reference{
	cis("5.1.1", "Ensure that the cluster-admin role is only used where required"),
	cis("5.1.2", "Minimize access to secrets"),
	cis("5.1.3", "Minimize wildcard use in Roles and ClusterRoles"),
	cis("5.1.4", "Minimize access to create pods"),
	cis("5.1.5", "Ensure that default service accounts are not actively used"),
	cis("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary"),
	cis("5.1.7", "Avoid use of system:masters group"),
	cis("5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster"),
	cis("5.1.9", "Minimize access to create persistent volumes"),
	cis("5.1.10", "Minimize access to the proxy sub-resource of nodes"),
	cis("5.1.11", "Minimize access to the approval sub-resource of certificatesigningrequests objects"),
	cis("5.1.12", "Minimize access to webhook configuration objects"),
	cis("5.1.13", "Minimize access to the service account token creation"),
	cis("5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place"),
	cis("5.2.2", "Minimize the admission of privileged containers"),
	cis("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace"),
	cis("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace"),
	cis("5.2.5", "Minimize the admission of containers wishing to share the host network namespace"),
	cis("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation"),
	cis("5.2.7", "Minimize the admission of root containers"),
	cis("5.2.8", "Minimize the admission of containers with the NET_RAW capability"),
	cis("5.2.9", "Minimize the admission of containers with added capabilities"),
	cis("5.2.10", "Minimize the admission of containers with capabilities assigned"),
	cis("5.2.11", "Minimize the admission of Windows HostProcess containers"),
	cis("5.2.12", "Minimize the admission of HostPath volumes"),
	cis("5.2.13", "Minimize the admission of containers which use HostPorts"),
	cis("5.3.1", "Ensure that the CNI in use supports NetworkPolicies"),
	cis("5.3.2", "Ensure that all Namespaces have NetworkPolicies defined"),
	cis("5.4.1", "Prefer using Secrets as files over Secrets as environment variables"),
	cis("5.4.2", "Consider external secret storage"),
	cis("5.5.1", "Configure Image Provenance using ImagePolicyWebhook admission controller"),
	cis("5.7.1", "Create administrative boundaries between resources using namespaces"),
	cis("5.7.2", "Ensure that the seccomp profile is set to docker/default in your Pod definitions"),
	cis("5.7.3", "Apply SecurityContext to your Pods and Containers"),
	cis("5.7.4", "The default namespace should not be used"),
}

// The NSA/CISA Kubernetes Hardening Guide (v1.2, August 2022) numbers neither its sections
// nor its recommendations, so a reference to it names a part, or a section of a part, by a
// stable short ID: "part" or "part/section", kebab-case words of the guide's own headings.
// The parts are "pod-security" (Kubernetes Pod security), "network" (Network separation and
// hardening), "authn-authz" (Authentication and authorization), "audit-logging" (Audit
// logging and threat detection) and "upgrading" (Upgrading and application security
// practices). Name the section when one says what the check enforces, the part when the
// part as a whole does. The key of "pod-security/non-root" is "nsa-pod-security/non-root",
// and "nsa-pod-security" selects the part and all its sections. An ID never changes once
// released; a new section gets a new ID.
var nsaSections = []Reference{
	nsa("pod-security", "Kubernetes Pod security"),
	nsa("pod-security/non-root", `"Non-root" containers and "rootless" container engines`),
	nsa("pod-security/immutable-filesystem", "Immutable container file systems"),
	nsa("pod-security/secure-images", "Building secure container images"),
	nsa("pod-security/enforcement", "Pod security enforcement"),
	nsa("pod-security/service-account-tokens", "Protecting Pod service account tokens"),
	nsa("pod-security/hardening-container-environments", "Hardening container environments"),
	nsa("network", "Network separation and hardening"),
	nsa("network/namespaces", "Namespaces"),
	nsa("network/network-policies", "Network policies"),
	nsa("network/resource-policies", "Resource policies"),
	nsa("network/control-plane-hardening", "Control plane hardening"),
	nsa("network/etcd", "Etcd"),
	nsa("network/kubeconfig", "Kubeconfig files"),
	nsa("network/worker-node-segmentation", "Worker node segmentation"),
	nsa("network/encryption", "Encryption"),
	nsa("network/secrets", "Secrets"),
	nsa("network/cloud-infrastructure", "Protecting sensitive cloud infrastructure"),
	nsa("authn-authz", "Authentication and authorization"),
	nsa("authn-authz/authentication", "Authentication"),
	nsa("authn-authz/rbac", "Role-based access control"),
	nsa("audit-logging", "Audit logging and threat detection"),
	nsa("upgrading", "Upgrading and application security practices"),
}

// MITRE ATT&CK (Enterprise) techniques of the Containers platform that a manifest can
// enable or deny, titled "Technique: Sub-technique" as attack.mitre.org does.
var mitreTechniques = []Reference{
	mitre("T1609", "Container Administration Command"),
	mitre("T1610", "Deploy Container"),
	mitre("T1611", "Escape to Host"),
	mitre("T1613", "Container and Resource Discovery"),
	mitre("T1525", "Implant Internal Image"),
	mitre("T1552.001", "Unsecured Credentials: Credentials In Files"),
	mitre("T1552.007", "Unsecured Credentials: Container API"),
	mitre("T1078", "Valid Accounts"),
	mitre("T1078.001", "Valid Accounts: Default Accounts"),
	mitre("T1098.006", "Account Manipulation: Additional Container Cluster Roles"),
	mitre("T1496", "Resource Hijacking"),
	mitre("T1133", "External Remote Services"),
	mitre("T1190", "Exploit Public-Facing Application"),
	mitre("T1204.003", "User Execution: Malicious Image"),
	mitre("T1046", "Network Service Discovery"),
	mitre("T1053.007", "Scheduled Task/Job: Container Orchestration Job"),
	mitre("T1068", "Exploitation for Privilege Escalation"),
	mitre("T1485", "Data Destruction"),
	mitre("T1499", "Endpoint Denial of Service"),
	mitre("T1562.001", "Impair Defenses: Disable or Modify Tools"),
	mitre("T1612", "Build Image on Host"),
}

// idForms are the notations of the frameworks' IDs, compiled on first use: only tests
// validate references, and a run should not pay for it at start-up.
var idForms = sync.OnceValue(func() map[Framework]*regexp.Regexp {
	return map[Framework]*regexp.Regexp{
		FrameworkCIS:   regexp.MustCompile(`^[1-5](\.[0-9]{1,2}){1,2}$`),
		FrameworkMITRE: regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`),
		FrameworkNSA:   regexp.MustCompile(`^[a-z]+(-[a-z]+)*(/[a-z]+(-[a-z]+)*)?$`),
	}
})

func cis(id, title string) Reference   { return Reference{FrameworkCIS, id, title} }
func nsa(id, title string) Reference   { return Reference{FrameworkNSA, id, title} }
func mitre(id, title string) Reference { return Reference{FrameworkMITRE, id, title} }

// CIS returns the CIS Kubernetes Benchmark recommendation id ("5.2.2"). An id the table
// does not hold is a programming error and panics at start-up, where tests catch it.
func CIS(id string) Reference { return lookupRef(cisControls, id) }

// NSA returns the NSA/CISA Kubernetes Hardening Guide part or section id ("pod-security",
// "pod-security/non-root").
func NSA(id string) Reference { return lookupRef(nsaSections, id) }

// MITRE returns the MITRE ATT&CK technique id ("T1611", "T1552.007").
func MITRE(id string) Reference { return lookupRef(mitreTechniques, id) }

func lookupRef(table []Reference, id string) Reference {
	for _, r := range table {
		if r.ID == id {
			return r
		}
	}
	panic(fmt.Sprintf("check: no reference %q in the table of its framework (pkg/check/references.go)", id))
}

// KnownReferences returns every control a check may reference, by framework.
func KnownReferences() []Reference {
	return append(append(append([]Reference(nil), cisControls...), nsaSections...), mitreTechniques...)
}

// Validate reports what is wrong with r: a framework this package knows, an ID in that
// framework's own notation (CIS "5.2.2", MITRE "T1611" or "T1552.007", NSA
// "part" or "part/section"), and the title the framework gives that ID.
func (r Reference) Validate() error {
	var table []Reference
	switch r.Framework {
	case FrameworkCIS:
		if !idForms()[FrameworkCIS].MatchString(r.ID) {
			return fmt.Errorf("CIS reference %q: want a recommendation number such as 5.2.2", r.ID)
		}
		table = cisControls
	case FrameworkMITRE:
		if !idForms()[FrameworkMITRE].MatchString(r.ID) {
			return fmt.Errorf("MITRE reference %q: want a technique ID such as T1611 or T1552.007", r.ID)
		}
		table = mitreTechniques
	case FrameworkNSA:
		if !idForms()[FrameworkNSA].MatchString(r.ID) {
			return fmt.Errorf("NSA reference %q: want part or part/section, such as pod-security/non-root", r.ID)
		}
		table = nsaSections
	default:
		return fmt.Errorf("reference %q: unknown framework %q (want cis, nsa or mitre)", r.ID, r.Framework)
	}
	for _, known := range table {
		if known.ID == r.ID {
			if known.Title != r.Title {
				return fmt.Errorf("reference %s: title %q, but the framework says %q", r.Key(), r.Title, known.Title)
			}
			return nil
		}
	}
	known := make([]string, len(table))
	for i, t := range table {
		known[i] = t.ID
	}
	return fmt.Errorf("reference %s: not in the %s table of pkg/check/references.go (add it there with the framework's own title; it has %s)",
		r.Key(), r.Framework, strings.Join(known, ", "))
}

// MatchesKey reports whether selector names the reference with key: the key itself, a
// prefix of it that ends where its ID's dotted or slashed parts do ("cis-5.2" selects
// cis-5.2.2 but not cis-5.20.1, "mitre-t1552" selects mitre-t1552.007,
// "nsa-pod-security" selects nsa-pod-security/non-root), or the framework's name alone
// ("mitre"). Case does not matter: "mitre-T1611" is mitre-t1611.
func MatchesKey(selector, key string) bool {
	s := strings.ToLower(selector)
	if s == key {
		return true
	}
	if !strings.HasPrefix(key, s) || s == "" {
		return false
	}
	switch key[len(s)] {
	case '.', '/':
		return true
	case '-':
		// Only after the framework name: "cis" selects "cis-5.2.2", but "nsa-pod" does
		// not select "nsa-pod-security/non-root" (a dash joins words, it parts nothing).
		return !strings.Contains(s, "-")
	}
	return false
}

// selectorsOf returns every name that selects c: its ID, its category, and its references'
// keys with their prefixes, for suggestions.
func selectorsOf(c *Check) []string {
	out := []string{c.ID, c.Category}
	for _, r := range c.References {
		k := r.Key()
		out = append(out, k, string(r.Framework))
		for i := len(string(r.Framework)) + 1; i < len(k); i++ {
			if k[i] == '.' || k[i] == '/' {
				out = append(out, k[:i])
			}
		}
	}
	return out
}

// matches reports whether name selects c: its ID, its category, or one of its references.
func matches(c *Check, name string) bool {
	if c.ID == name || c.Category == name {
		return true
	}
	for _, r := range c.References {
		if MatchesKey(name, r.Key()) {
			return true
		}
	}
	return false
}

// suggest returns the known selector closest to name, or "" when none is close: a typo
// ("privileged-containr", "cis-5.2.22") gets its correction, a made-up word nothing.
func suggest(name string, all []*Check) string {
	seen := map[string]bool{}
	var names []string
	for _, c := range all {
		for _, s := range selectorsOf(c) {
			if !seen[s] {
				seen[s] = true
				names = append(names, s)
			}
		}
	}
	sort.Strings(names)
	best, bestD := "", len(name)/3+2
	lname := strings.ToLower(name)
	for _, s := range names {
		d := editDistance(lname, s)
		// Of two as close, the one that shares more of the start: "cis-5.2.22" meant
		// cis-5.2.2 rather than cis-5.2.12.
		if d < bestD || d == bestD && best != "" && commonPrefix(lname, s) > commonPrefix(lname, best) {
			best, bestD = s, d
		}
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Name is the framework's published name and the version the references follow.
func (f Framework) Name() string {
	switch f {
	case FrameworkCIS:
		return "CIS Kubernetes Benchmark v1.10"
	case FrameworkNSA:
		return "NSA/CISA Kubernetes Hardening Guide v1.2"
	case FrameworkMITRE:
		return "MITRE ATT&CK for Containers"
	}
	return string(f)
}
