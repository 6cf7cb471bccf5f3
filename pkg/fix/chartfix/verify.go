package chartfix

import (
	"crypto/sha256"
	"fmt"
	"reflect"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/kubectl-secure/kubectl-secure/pkg/chart"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/fix"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// verify renders the chart with the values before the fix (base) and after it (fixed): the
// object obj names must be what changes make of its base render, and every other object
// must render as before.
func (w *Writer) verify(base, fixed chart.Request, obj *manifest.Object, changes []finding.Change) error {
	was, err := w.render(base)
	if err != nil {
		return err
	}
	now, err := w.render(fixed)
	if err != nil {
		return err
	}
	if len(was) != len(now) {
		return fmt.Errorf("the fix renders %d objects, not %d", len(now), len(was))
	}
	target := -1
	for i, o := range was {
		if o.Ref == obj.Ref && o.File == obj.File {
			target = i
		}
	}
	if target < 0 {
		return fmt.Errorf("%s is not rendered again", obj.Ref)
	}
	for i := range was {
		want, err := decode(was[i].Root)
		if err != nil {
			return err
		}
		if i == target {
			if want, err = expected(was[i], changes); err != nil {
				return err
			}
		}
		got, err := decode(now[i].Root)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(want, got) {
			return fmt.Errorf("%s renders otherwise than the fix makes it", now[i].Ref)
		}
	}
	return nil
}

// render renders req without marks, once per request and values texts: the render after
// one fix is the render before the next.
func (w *Writer) render(req chart.Request) ([]*manifest.Object, error) {
	req.Unmarked = true
	key := renderKey(req)
	if r, ok := w.renders[key]; ok {
		return r.objs, r.err
	}
	objs, errs := chart.Load(req, "", manifest.DefaultLimits)
	var err error
	if len(errs) > 0 {
		objs, err = nil, fmt.Errorf("%s", errs[0].Message)
	}
	if w.renders == nil {
		w.renders = map[string]rendered{}
	}
	w.renders[key] = rendered{objs, err}
	return objs, err
}

type rendered struct {
	objs []*manifest.Object
	err  error
}

// renderKey names a render: the request and the values texts it reads from memory.
func renderKey(req chart.Request) string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %q %q %q\n", req.Chart, req.ValuesFiles, req.Set, req.SetString, req.ReleaseName, req.Namespace, req.KubeVersion)
	paths := make([]string, 0, len(req.ValuesData))
	for p := range req.ValuesData {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		fmt.Fprintf(h, "%q %d\n", p, len(req.ValuesData[p]))
		h.Write(req.ValuesData[p])
	}
	return string(h.Sum(nil))
}

// expected is obj with changes made as a fix of a plain file makes them.
func expected(obj *manifest.Object, changes []finding.Change) (any, error) {
	src, err := yaml.Marshal(obj.Root)
	if err != nil {
		return nil, err
	}
	res := manifest.Parse(obj.File, src, manifest.DefaultLimits)
	if res.Err != nil || len(res.Objects) != 1 {
		return nil, fmt.Errorf("%s does not read back", obj.Ref)
	}
	out, _, err := fix.ApplyChanges(src, res.Objects[0], changes)
	if err != nil {
		return nil, err
	}
	again := manifest.Parse(obj.File, out, manifest.DefaultLimits)
	if again.Err != nil || len(again.Objects) != 1 {
		return nil, fmt.Errorf("%s does not read back fixed", obj.Ref)
	}
	return decode(again.Objects[0].Root)
}

func decode(n *yaml.Node) (any, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}
