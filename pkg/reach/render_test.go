package reach

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func loadFixture(t *testing.T, name string) *Graph {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	res := manifest.Parse("testdata/"+name, data, manifest.DefaultLimits)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return FromObjects(res.Objects, &check.Settings{})
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./pkg/reach -update):\n%s", path, got)
	}
}

func TestRenderGolden(t *testing.T) {
	g := loadFixture(t, "shop.yaml")
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"shop.json", func(b *bytes.Buffer) error { return JSON(b, g) }},
		{"shop.mmd", func(b *bytes.Buffer) error { return Mermaid(b, g, nil) }},
		{"shop.dot", func(b *bytes.Buffer) error { return DOT(b, g, nil) }},
		{"shop-only-shop.mmd", func(b *bytes.Buffer) error { return Mermaid(b, g, []string{"shop"}) }},
	} {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", f.name+".golden"), b.Bytes())
	}
}

// User text never ends a label or a string: quotes, brackets, entities and backslashes
// are escaped.
func TestEscaping(t *testing.T) {
	for in, want := range map[string]string{
		`a"b`:           `a#quot;b`,
		`<script>`:      `#lt;script#gt;`,
		`x#quot;y`:      `x#35;quot;y`,
		"two\nlines":    "two lines",
		`end"]; n1-->x`: `end#quot;]; n1--#gt;x`,
	} {
		if got := mermaidText(in); got != want {
			t.Errorf("mermaidText(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`a"b`:       `"a\"b"`,
		`back\`:     `"back\\"`,
		"two\nline": `"two\nline"`,
	} {
		if got := dotQuote(in); got != want {
			t.Errorf("dotQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
