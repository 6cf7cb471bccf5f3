// Package dist holds the tests of the distribution files at the repository root —
// krew.yaml, .goreleaser.yaml, .pre-commit-hooks.yaml — and of plugins/. It has no code
// of its own: the files it tests are consumed by krew, goreleaser, pre-commit and GitHub
// Actions, so the tests parse them the way those tools do and, where the tool is
// installed, run the tool itself.
//
// The slow tests are opt-in or skip with a message:
//
//	KUBECTL_SECURE_RELEASE_TEST=1     goreleaser check + snapshot release (linux/amd64, windows/amd64)
//	KUBECTL_SECURE_RELEASE_TEST=full  the same for the whole release matrix
//	pre-commit on PATH                the hooks run by the real pre-commit (skipped with -short)
package dist
