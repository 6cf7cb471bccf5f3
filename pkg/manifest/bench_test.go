package manifest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/testenv"
)

// BenchmarkParseCorpus parses every file of the corpus's manifests, as the linter does and
// with yaml.v3 alone (what parsing cost before documents were skimmed and built directly).
func BenchmarkParseCorpus(b *testing.B) {
	dir := filepath.Join(testenv.CorpusDir(b), "manifests")
	type file struct {
		name string
		data []byte
	}
	var files []file
	size := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			if data, err := os.ReadFile(p); err == nil {
				files = append(files, file{p, data})
				size += len(data)
			}
		}
		return nil
	})
	b.Run("ParseDocuments", func(b *testing.B) {
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			for _, f := range files {
				ParseDocuments(f.name, f.data, DefaultLimits)
			}
		}
	})
	b.Run("yaml.v3", func(b *testing.B) {
		b.SetBytes(int64(size))
		for i := 0; i < b.N; i++ {
			for _, f := range files {
				parseStream(f.name, f.data, DefaultLimits)
			}
		}
	})
}
