package fix

import (
	"bytes"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// FuzzApply feeds the applier arbitrary manifests and a change built from the fuzz input:
// whatever it accepts must still parse, keep the same objects, and applying the same change
// again must change nothing. Refusing (an error) is always allowed; a panic or a broken file
// never is.
func FuzzApply(f *testing.F) {
	seeds := []string{
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: nginx\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: app, image: x, securityContext: {}}]}\n",
		"# c\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n    name: p # keep\r\nspec:\r\n    containers:\r\n        -   name: app\r\n            image: x\r\n",
		"{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": [{\"name\": \"app\"}]}}\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  securityContext:\n    runAsUser: 0\n  containers:\n  - name: app\n    securityContext:\n      capabilities:\n        add: [NET_ADMIN, SYS_TIME]\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint8(i), "securityContext", "runAsNonRoot", "true")
	}
	f.Fuzz(func(t *testing.T, src []byte, op uint8, key1, key2, value string) {
		res := manifest.Parse("fuzz.yaml", src, manifest.DefaultLimits)
		if res.Err != nil || len(res.Objects) == 0 || key1 == "" || key2 == "" {
			return
		}
		obj := res.Objects[0]
		var path fieldpath.Path
		switch op % 3 {
		case 0:
			path = fieldpath.New("spec", key1, key2)
		case 1:
			path = fieldpath.New("spec", "containers").Child(fieldpath.Index(0)).Keys(key1, key2)
		default:
			path = fieldpath.New("metadata", key1)
		}
		ch := finding.Change{Op: []finding.ChangeOp{finding.Set, finding.Remove, finding.Append}[int(op/3)%3], Path: path, Value: value}
		if op%2 == 1 && ch.Op == finding.Set {
			ch.Value = op%4 == 1
		}
		out, _, err := ApplyChanges(src, obj, []finding.Change{ch})
		if err != nil {
			return
		}
		again := manifest.Parse("fuzz.yaml", out, manifest.DefaultLimits)
		if again.Err != nil {
			t.Fatalf("fixed text does not parse: %v\n--- before\n%s\n--- after\n%s", again.Err, src, out)
		}
		if len(again.Objects) != len(res.Objects) {
			t.Fatalf("%d objects became %d\n--- after\n%s", len(res.Objects), len(again.Objects), out)
		}
		for i := range res.Objects {
			if res.Objects[i].Ref != again.Objects[i].Ref && !(i == 0 && ch.Path[0].Key == "metadata") {
				t.Fatalf("object %d changed identity: %v -> %v", i, res.Objects[i].Ref, again.Objects[i].Ref)
			}
		}
		// Idempotence: the same change on the fixed text is a no-op (Set of an equal value,
		// Append of a present value, Remove of an absent field).
		twice, _, err := ApplyChanges(out, again.Objects[0], []finding.Change{ch})
		if err == nil && !bytes.Equal(twice, out) {
			t.Fatalf("applying twice changed the text again\n--- once\n%s\n--- twice\n%s", out, twice)
		}
		var n yaml.Node
		_ = yaml.Unmarshal(out, &n)
	})
}
