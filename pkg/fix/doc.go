// Package fix applies the Changes that findings carry to the files the user wrote. It
// edits text, never re-serialises a file or a document: every change becomes byte-range
// edits against the original text (the golang.org/x/tools/go/analysis model), so comments,
// quoting, indentation, flow style, line endings and document separators all stay as the
// user wrote them.
package fix
