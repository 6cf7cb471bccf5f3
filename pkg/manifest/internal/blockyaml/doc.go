// Package blockyaml is pkg/manifest's fast path: it reads the plain block YAML that
// generated manifests are written in without yaml.v3's scanner, parser and composer, which
// cost most of a lint run's parsing time and garbage. It is an optimisation, never a
// second reading of YAML: whatever it is not sure of it declines, and the caller then
// decodes the text with yaml.v3 as if this package did not exist.
//
// # What it offers
//
//   - Split cuts a stream into documents at its "---" lines, as yaml.v3 counts them.
//   - Valid is a line-based validator of a block-YAML subset.
//   - Build builds a document's yaml.v3 node tree straight from its lines.
//   - Skimmable, WithoutFields and SkimmedRoot leave out the spec and status of
//     CustomResourceDefinitions (the kinds no check reads), which are most bytes of real
//     repositories.
//
// # What it accepts
//
// Block mappings and sequences (sequences under a key may sit at the key's indentation),
// plain scalars (also over several lines), single- and double-quoted scalars with the simple
// escapes, literal and folded block scalars without an explicit
// indentation, the empty flow collections [] and {}, comments, CRLF line ends. Build takes only
// text Valid accepted.
//
// # What it declines
//
// Split returns nil for streams with directives (%YAML), "..." end markers or content on a
// marker line. Valid returns false for anchors, aliases, tags, merge keys, explicit keys
// ("? "), flow collections that are not empty, tabs in indentation, control characters,
// NEL/LS/PS (yaml.v3 breaks lines there), indentation it cannot place, and whatever else
// it does not fully understand. Build returns ok=false for multi-line quoted scalars,
// folded scalars with more-indented lines, keep-chomped scalars at the end of the text and
// nesting deeper than 200 levels. Declining is always safe: pkg/manifest then decodes the
// document (or the whole stream) with yaml.v3, which reports any syntax error with its
// line. A false "no" costs only time; a false "yes" would be a bug.
//
// # Which reference it must equal
//
//   - Build's trees are yaml.v3's trees for the same text (kinds, tags, styles, values,
//     lines and columns; not comments, which nothing reads from parsed manifests): held by
//     TestBuildBlockYAMLMatchesYAMLv3, FuzzBuildBlockYAML and, over testdata and the
//     corpus, pkg/manifest's TestSkimAgreesWithFullParse and TestNoFastPathReadsTheSame.
//     With skim, its tree is yaml.v3's tree of WithoutFields(text).
//   - Whatever Valid accepts, yaml.v3 accepts: TestValidBlockYAML and FuzzValidBlockYAML.
//   - What pkg/manifest makes of the trees is what the API server reads (kubectl's
//     go-yaml v2 and JSON decoding): FuzzDecodeAgreesWithAPIServer and the tests of
//     pkg/manifest's apiserver_test.go, which run through both paths.
//
// # Bypassing it
//
// manifest.Limits.NoFastPath (the CLI sets it from KUBECTL_SECURE_NO_FASTPATH=1) sends
// every file straight to yaml.v3, CRDs included, for triage: when a report looks wrong,
// the same run with the switch shows whether this package is to blame.
package blockyaml
