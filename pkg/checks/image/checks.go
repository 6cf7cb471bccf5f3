package image

import (
	"fmt"
	"strings"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
)

var latestTag = &check.Check{
	ID:       "image-latest-tag",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Container image uses the latest tag or no tag",
		Why: `An image without a tag is pulled as :latest, and latest moves with every push: two replicas
can run different code, a rollback re-pulls the newest image instead of the old one, and
whoever can push to the repository changes what runs at the next restart without any change
to the manifest. It is medium rather than high because it widens who controls the workload
(anyone with push access) rather than granting privileges by itself. An image pinned by
digest passes even when it also says :latest, since the digest decides what is pulled.`,
		Bad: `containers:
  - name: app
    image: nginx            # same as nginx:latest`,
		Good: `containers:
  - name: app
    image: nginx:1.27.3@sha256:<digest>`,
		Fix: `Use a version tag, and pin the digest as well (see image-not-pinned). There is no automatic
fix: the digest of the image meant can only be read from the registry
(` + "`crane digest nginx:1.27.3`" + ` or ` + "`docker buildx imagetools inspect`" + `).`,
	},
	References: []check.Reference{check.NSA("pod-security/secure-images"), check.MITRE("T1525")},
	Run: func(p *check.Pass) {
		wellFormed(p, func(u use) {
			if !u.ref.Latest() {
				return
			}
			msg := fmt.Sprintf("%s image %q has no tag, so it runs whatever latest points to when pulled", u.container.Label(), u.raw)
			if u.ref.Tag == "latest" {
				msg = fmt.Sprintf("%s image %q uses the mutable latest tag", u.container.Label(), u.raw)
			}
			p.Report(check.Diagnostic{Object: u.obj, Path: u.imagePath(), Message: msg,
				Fix: &finding.Fix{Description: "use a version tag and pin its digest (name:tag@sha256:...)"}})
		})
	},
}

var notPinned = &check.Check{
	ID:       "image-not-pinned",
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: "Container image is not pinned by digest",
		Why: `A tag is a pointer the registry lets its owner move: a re-pushed 1.27 or a compromised
registry account silently changes what the next pod start runs, and nothing in the manifest
or its review history shows it. A digest (@sha256:...) names the content itself, so the
image that was scanned and approved is the one that runs. Low, because most tags are moved
rarely and on purpose; images on latest or no tag are reported by image-latest-tag instead,
so one image gets one finding.`,
		Bad: `containers:
  - name: app
    image: nginx:1.27.3`,
		Good: `containers:
  - name: app
    image: nginx:1.27.3@sha256:<digest>`,
		Fix: `Append the digest of the tag you tested: name:tag@sha256:<digest>. Keeping the tag beside
the digest documents the version, and tools such as Renovate keep both up to date. There is
no automatic fix: the digest can only be read from the registry.`,
	},
	References: []check.Reference{check.CIS("5.5.1"), check.NSA("pod-security/secure-images"), check.MITRE("T1525")},
	Run: func(p *check.Pass) {
		wellFormed(p, func(u use) {
			if u.ref.Digest != "" || u.ref.Latest() {
				return
			}
			p.Report(check.Diagnostic{Object: u.obj, Path: u.imagePath(),
				Message: fmt.Sprintf("%s image %q is not pinned by digest", u.container.Label(), u.raw),
				Fix:     &finding.Fix{Description: fmt.Sprintf("pin the digest: %s@sha256:<digest>", u.raw)}})
		})
	},
}

var registryNotAllowed = &check.Check{
	ID:       "image-registry-not-allowed",
	Category: category,
	Severity: finding.High,
	Doc: check.Doc{
		Title: "Container image comes from a registry outside the allowed list",
		Why: `An allow-list (--allowed-registries or allowedRegistries in the config file) says where
images are scanned, signed and mirrored; an image from anywhere else skips all of that and
is the usual way unvetted or typo-squatted code reaches a cluster. It is high because the
user declared the policy. The check runs only when the list is set.

An entry is a registry host (registry.example.com, localhost:5000) or a registry and path
prefix (ghcr.io/my-org), matched on whole path segments: ghcr.io/my-org does not allow
ghcr.io/my-org-fork. The first component of an entry is always the registry. An image that
names no registry (nginx, bitnami/redis) comes from docker.io, and index.docker.io and
registry-1.docker.io are the same registry. Ports are part of the registry:
registry.example.com:5000 is not registry.example.com.`,
		Bad: `# --allowed-registries registry.example.com
containers:
  - name: app
    image: nginx:1.27.3      # docker.io`,
		Good: `# --allowed-registries registry.example.com
containers:
  - name: app
    image: registry.example.com/mirror/nginx:1.27.3`,
		Fix: "Pull the image through an allowed registry (mirror or proxy it there), or add its registry to the allow-list if it is trusted.",
	},
	References: []check.Reference{check.CIS("5.5.1"), check.NSA("pod-security/secure-images"), check.MITRE("T1525"), check.MITRE("T1204.003")},
	Run: func(p *check.Pass) {
		allowed := parseAllowed(p.Settings.AllowedRegistries)
		if len(allowed) == 0 {
			return
		}
		list := make([]string, len(allowed))
		for i, a := range allowed {
			list[i] = a.String()
		}
		fix := &finding.Fix{Description: "use an image from an allowed registry (" + strings.Join(list, ", ") + ") or mirror it there"}
		wellFormed(p, func(u use) {
			hostAllowed := false
			for _, a := range allowed {
				if a.matches(u.ref) {
					return
				}
				hostAllowed = hostAllowed || a.host == u.ref.Domain
			}
			from := fmt.Sprintf("registry %q", u.ref.Domain)
			if u.ref.Implicit {
				from += " (it names no registry, so Docker Hub)"
			}
			msg := fmt.Sprintf("%s image %q comes from %s, which is not allowed", u.container.Label(), u.raw, from)
			if hostAllowed {
				msg = fmt.Sprintf("%s image %q comes from %q, which is under no allowed prefix of registry %q",
					u.container.Label(), u.raw, u.ref.Name(), u.ref.Domain)
			}
			p.Report(check.Diagnostic{Object: u.obj, Path: u.imagePath(), Message: msg, Fix: fix})
		})
	},
}

// allowEntry is one normalised entry of the registry allow-list.
type allowEntry struct {
	host   string // lower-case, Docker Hub aliases folded
	prefix string // repository path prefix, empty for the whole registry
}

func (a allowEntry) String() string {
	if a.prefix == "" {
		return a.host
	}
	return a.host + "/" + a.prefix
}

// matches reports whether ref is in the registry and, when the entry has a prefix, at or
// below it on a path-segment boundary.
func (a allowEntry) matches(ref Reference) bool {
	if a.host != ref.Domain {
		return false
	}
	return a.prefix == "" || ref.Path == a.prefix || strings.HasPrefix(ref.Path, a.prefix+"/")
}

// parseAllowed normalises the allow-list leniently: people paste URLs (https://ghcr.io/),
// globs (ghcr.io/org/*) and mixed-case hosts, and each still means a registry prefix.
func parseAllowed(entries []string) []allowEntry {
	var out []allowEntry
	for _, e := range entries {
		e = strings.TrimSpace(e)
		e = strings.TrimPrefix(strings.TrimPrefix(e, "https://"), "http://")
		e = strings.TrimRight(strings.TrimSuffix(e, "*"), "/")
		if e == "" {
			continue
		}
		host, prefix, _ := strings.Cut(e, "/")
		host = strings.ToLower(host)
		if dockerHubAliases[host] {
			host = dockerHub
		}
		out = append(out, allowEntry{host: host, prefix: prefix})
	}
	return out
}

var pullPolicy = &check.Check{
	ID:       "image-pull-policy",
	AutoFix:  check.FixUnsafe,
	Category: category,
	Severity: finding.Low,
	Doc: check.Doc{
		Title: "Mutable image tag is pulled only when the node does not have it",
		Why: `With imagePullPolicy IfNotPresent (or Never) the kubelet starts whatever image the node has
cached under the tag. When the tag was moved, nodes run different images for the same
manifest; an image pre-seeded on a node under a trusted name runs unchecked; and a pod
without pull credentials can start a private image another tenant pulled onto the node
(the reason for the AlwaysPullImages admission plugin). A digest closes all three, since the
cache is keyed by content.

When imagePullPolicy is unset the API server defaults it: Always for :latest or no tag,
IfNotPresent for any other tag, and IfNotPresent for a digest, which is safe because a digest
cannot name other content. So the check fires for a non-digest image whose policy, set or
defaulted, is IfNotPresent or Never. Low: it needs a moved tag or access to a node first.`,
		Bad: `containers:
  - name: app
    image: registry.example.com/app:1.4   # pull policy defaults to IfNotPresent`,
		Good: `containers:
  - name: app
    image: registry.example.com/app:1.4@sha256:<digest>
# or
  - name: app
    image: registry.example.com/app:1.4
    imagePullPolicy: Always`,
		Fix: `Pin the image by digest (the better fix, which keeps node caching), or set
imagePullPolicy: Always. The automatic fix sets Always and is unsafe: every container start
then needs the registry, so a registry outage or rate limit stops pods from starting, and
air-gapped nodes that rely on pre-loaded images (the usual reason for Never) break. Layers
are still cached, so Always costs only a manifest request per start.`,
	},
	References: []check.Reference{check.NSA("pod-security/secure-images"), check.MITRE("T1525")},
	Run: func(p *check.Pass) {
		wellFormed(p, func(u use) {
			if u.ref.Digest != "" {
				return
			}
			policy, set := fieldpath.Str(u.container.Field("imagePullPolicy"))
			var pp fieldpath.Path
			var msg string
			switch {
			case !set && u.ref.Latest():
				return // defaults to Always
			case !set:
				pp = u.imagePath()
				msg = fmt.Sprintf("%s image %q has a mutable tag and no imagePullPolicy, which defaults to IfNotPresent: a node may run an older or planted image cached under the tag",
					u.container.Label(), u.raw)
			case policy == "IfNotPresent" || policy == "Never":
				pp = u.container.Path.Keys("imagePullPolicy")
				msg = fmt.Sprintf("%s sets imagePullPolicy: %s for the mutable tag %q: a node may run an older or planted image cached under the tag",
					u.container.Label(), policy, u.raw)
			default:
				return
			}
			p.Report(check.Diagnostic{Object: u.obj, Path: pp, Message: msg,
				Fix: check.NewFix("set imagePullPolicy: Always (or pin the image by digest)", false,
					check.SetTo(u.container.Path.Keys("imagePullPolicy"), "Always"))})
		})
	},
}

var malformed = &check.Check{
	ID:       "image-malformed",
	Category: category,
	Severity: finding.Medium,
	Doc: check.Doc{
		Title: "Container image reference does not parse",
		Why: `The kubelet cannot pull a reference that breaks the image grammar (an upper-case repository,
a trailing ':', a short or upper-case digest, spaces, an unrendered {{ template }}), so the
pod never starts (InvalidImageName). The other image checks cannot judge the reference
either, so the registry allow-list does not hold for it. Medium: it is a broken deployment
before it is a security problem, and it hides what would run. A ko build placeholder
(ko://github.com/org/repo/cmd/app) is no reference: ko replaces it with the built image
pinned by digest, so no image check reports it.`,
		Bad: `containers:
  - name: app
    image: Registry.Example.com/Team/App:   # upper-case path, empty tag`,
		Good: `containers:
  - name: app
    image: registry.example.com/team/app:1.4`,
		Fix: "Write the reference as [registry[:port]/]path[:tag][@sha256:digest] with a lower-case path, a non-empty tag and a full lower-case sha256 digest.",
	},
	References: []check.Reference{check.NSA("pod-security/secure-images")},
	Run: func(p *check.Pass) {
		forEachImage(p, func(u use) {
			if u.err == nil {
				return
			}
			reason := u.err.Error()
			if pe, ok := u.err.(*ParseError); ok {
				reason = pe.Reason
			}
			p.Report(check.Diagnostic{Object: u.obj, Path: u.imagePath(),
				Message: fmt.Sprintf("%s image %q is malformed: %s", u.container.Label(), u.raw, reason)})
		})
	},
}
