package image

import (
	"errors"
	"strings"
	"testing"
)

const (
	sha  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	sha5 = "sha512:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" +
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestParseReference(t *testing.T) {
	tests := []struct {
		in   string
		want Reference // ignored when err is set
		err  string    // substring of the reason
	}{
		// Docker Hub, implicit and explicit.
		{in: "nginx", want: Reference{Domain: "docker.io", Path: "library/nginx", Implicit: true}},
		{in: "nginx:1.27", want: Reference{Domain: "docker.io", Path: "library/nginx", Tag: "1.27", Implicit: true}},
		{in: "library/nginx:latest", want: Reference{Domain: "docker.io", Path: "library/nginx", Tag: "latest", Implicit: true}},
		{in: "bitnami/redis:7", want: Reference{Domain: "docker.io", Path: "bitnami/redis", Tag: "7", Implicit: true}},
		{in: "docker.io/nginx", want: Reference{Domain: "docker.io", Path: "library/nginx"}},
		{in: "index.docker.io/library/nginx", want: Reference{Domain: "docker.io", Path: "library/nginx"}},
		{in: "registry-1.docker.io/bitnami/redis", want: Reference{Domain: "docker.io", Path: "bitnami/redis"}},
		// Digests, with and without a tag.
		{in: "nginx@" + sha, want: Reference{Domain: "docker.io", Path: "library/nginx", Digest: sha, Implicit: true}},
		{in: "nginx:1.27@" + sha, want: Reference{Domain: "docker.io", Path: "library/nginx", Tag: "1.27", Digest: sha, Implicit: true}},
		{in: "ghcr.io/o/app@" + sha5, want: Reference{Domain: "ghcr.io", Path: "o/app", Digest: sha5}},
		// Registries with ports, localhost, IPv4 and IPv6 hosts.
		{in: "localhost/app", want: Reference{Domain: "localhost", Path: "app"}},
		{in: "localhost:5000/app", want: Reference{Domain: "localhost:5000", Path: "app"}},
		{in: "localhost:5000/app:v1", want: Reference{Domain: "localhost:5000", Path: "app", Tag: "v1"}},
		{in: "registry.example.com:443/x", want: Reference{Domain: "registry.example.com:443", Path: "x"}},
		{in: "registry.example.com:443/team/x:1.0@" + sha,
			want: Reference{Domain: "registry.example.com:443", Path: "team/x", Tag: "1.0", Digest: sha}},
		{in: "10.0.0.1:5000/app:1", want: Reference{Domain: "10.0.0.1:5000", Path: "app", Tag: "1"}},
		{in: "[::1]:5000/app", want: Reference{Domain: "[::1]:5000", Path: "app"}},
		{in: "Registry.Example.COM/app", want: Reference{Domain: "registry.example.com", Path: "app"}},
		{in: "registry:5000/app", want: Reference{Domain: "registry:5000", Path: "app"}},
		// Without '.', ':' or localhost the first component is a Docker Hub namespace.
		{in: "myregistry/app", want: Reference{Domain: "docker.io", Path: "myregistry/app", Implicit: true}},
		// A colon with no slash after it is a tag, as docker reads it.
		{in: "localhost:5000", want: Reference{Domain: "docker.io", Path: "library/localhost", Tag: "5000", Implicit: true}},
		// Nested paths and separators.
		{in: "gcr.io/a/b/c/d:tag", want: Reference{Domain: "gcr.io", Path: "a/b/c/d", Tag: "tag"}},
		{in: "quay.io/a.b/c_d/e__f/g--h-i:V1.0_rc-1",
			want: Reference{Domain: "quay.io", Path: "a.b/c_d/e__f/g--h-i", Tag: "V1.0_rc-1"}},
		{in: "ecr.aws/x:" + strings.Repeat("t", 128), want: Reference{Domain: "ecr.aws", Path: "x", Tag: strings.Repeat("t", 128)}},

		// Malformed.
		{in: "", err: "empty"},
		{in: " nginx", err: "leading or trailing whitespace"},
		{in: "nginx:1.27 ", err: "leading or trailing whitespace"},
		{in: "ngi nx", err: "whitespace"},
		{in: "nginx:", err: "tag after ':' is empty"},
		{in: "nginx@", err: "digest after '@' is empty"},
		{in: ":1.0", err: "repository name is empty"},
		{in: "Nginx", err: "must be lower-case"},
		{in: "ghcr.io/MyOrg/app", err: "must be lower-case"},
		{in: "MyOrg/app", err: "would be taken for a registry host"},
		{in: "nginx@sha256:abc", err: "has 3 hexadecimal digits, want 64"},
		{in: "nginx@sha256:" + strings.ToUpper(sha[7:]), err: "lower-case hexadecimal"},
		{in: "nginx@md5:0123456789abcdef0123456789abcdef", err: "not supported"},
		{in: "nginx@" + sha + "@" + sha, err: "more than one '@'"},
		{in: "nginx@0123", err: "not algorithm:hex"},
		{in: "alpine:invalid!", err: `contains '!'`},
		{in: "nginx:-1", err: "must start with"},
		{in: "nginx:" + strings.Repeat("t", 129), err: "longer than 128"},
		{in: "a//b", err: "empty component"},
		{in: "ghcr.io/app/", err: "empty component"},
		{in: "ghcr.io/-app", err: "must start and end"},
		{in: "ghcr.io/a..b", err: `separator ".."`},
		{in: "ghcr.io/a___b", err: `separator "___"`},
		{in: "ghcr.io/a+b", err: `contains "+"`},
		{in: "registry.example.com:/app", err: "empty port"},
		{in: "registry.example.com:abc/app", err: "non-numeric port"},
		{in: "-bad.example.com/app", err: "starts or ends with '-'"},
		{in: "bad..example.com/app", err: "empty label"},
		{in: "[::1/app", err: "unterminated IPv6"},
		{in: "[zz]:5000/app", err: "invalid IPv6"},
		{in: "{{ .Values.image }}", err: "template placeholder"},
		{in: "${IMAGE}", err: "template placeholder"},
		{in: "<YOUR-CONTAINER>", err: "template placeholder"},
		{in: sha[7:], err: "image ID"},
		// A URL scheme is the mistake, not the port its colon would make (issue 16).
		{in: "https://ghcr.io/org/app:1.0", err: `starts with the URL scheme "https://"`},
		{in: "docker://nginx:1.27", err: `starts with the URL scheme "docker://"`},
		{in: "oci+https://r.example.com/a", err: `starts with the URL scheme "oci+https://"`},
		{in: "ko://github.com/tektoncd/pipeline/cmd/controller", err: "ko build placeholder"},
		// The reason names the real problem for each part of the reference.
		{in: "Nginx:1.27", err: `repository "Nginx" must be lower-case`},
		{in: "ghcr.io/org/App:1.0", err: `repository "org/App" must be lower-case`},
		{in: "nginx :1.27", err: "contains whitespace"},
		{in: "ghcr.io/org/app:1.0\tx", err: "contains whitespace"},
		{in: "x/" + strings.Repeat("a", 254), err: "longer than 255"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseReference(tc.in)
			if tc.err != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("ParseReference(%q) = %+v, %v; want a *ParseError containing %q", tc.in, got, err, tc.err)
				}
				if !strings.Contains(pe.Reason, tc.err) {
					t.Errorf("ParseReference(%q) reason %q; want it to contain %q", tc.in, pe.Reason, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReference(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseReference(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestReferenceLatest(t *testing.T) {
	for in, want := range map[string]bool{
		"nginx": true, "nginx:latest": true, "ghcr.io/a/b:latest": true,
		"nginx:1": false, "nginx@" + sha: false, "nginx:latest@" + sha: false, "nginx:latest-alpine": false,
	} {
		ref, err := ParseReference(in)
		if err != nil {
			t.Fatalf("ParseReference(%q): %v", in, err)
		}
		if got := ref.Latest(); got != want {
			t.Errorf("ParseReference(%q).Latest() = %v, want %v", in, got, want)
		}
	}
}

func TestParseAllowed(t *testing.T) {
	got := parseAllowed([]string{" https://GHCR.io/my-org/ ", "index.docker.io", "registry.example.com:5000/team/*", "", "  "})
	want := []allowEntry{{host: "ghcr.io", prefix: "my-org"}, {host: "docker.io"}, {host: "registry.example.com:5000", prefix: "team"}}
	if len(got) != len(want) {
		t.Fatalf("parseAllowed = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("parseAllowed[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// FuzzParseReference: no input may panic, and every accepted reference must be stable when
// printed back in its normalised form.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"nginx", "localhost:5000/a:b@" + sha, "[::1]:1/a", "A/b", "a:b:c", "@", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseReference(s)
		if err != nil {
			return
		}
		full := ref.Name()
		if ref.Tag != "" {
			full += ":" + ref.Tag
		}
		if ref.Digest != "" {
			full += "@" + ref.Digest
		}
		again, err := ParseReference(full)
		if err != nil {
			t.Fatalf("%q parsed as %q, which does not parse: %v", s, full, err)
		}
		again.Implicit = ref.Implicit
		if again != ref {
			t.Fatalf("%q -> %+v, its normal form %q -> %+v", s, ref, full, again)
		}
	})
}
