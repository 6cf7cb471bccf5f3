package netpol

import (
	"fmt"

	"github.com/kubectl-secure/kubectl-secure/pkg/check"
	"github.com/kubectl-secure/kubectl-secure/pkg/fieldpath"
	"github.com/kubectl-secure/kubectl-secure/pkg/finding"
	"github.com/kubectl-secure/kubectl-secure/pkg/manifest"
)

// openCIDRs admit every address of their family.
var openCIDRs = map[string]bool{"0.0.0.0/0": true, "::/0": true}

// ruleAllowsAll reports whether rule i of spec.<dir> admits all traffic: no peers (or an
// empty {} peer) and no ports.
func ruleAllowsAll(o *manifest.Object, dir, peers string, i int) bool {
	rule := o.Get(fieldpath.New("spec", dir).Child(fieldpath.Index(i)))
	if len(fieldpath.Items(fieldpath.MapGet(rule, "ports"))) > 0 {
		return false
	}
	items := fieldpath.Items(fieldpath.MapGet(rule, peers))
	if len(items) == 0 {
		return true
	}
	for _, peer := range items {
		if isEmptyMap(peer) {
			return true
		}
	}
	return false
}

func hasAllowAll(o *manifest.Object, dir, peers string) bool {
	for i := range fieldpath.Items(o.Field("spec", dir)) {
		if ruleAllowsAll(o, dir, peers, i) {
			return true
		}
	}
	return false
}

func reportAllowAll(p *check.Pass, o *manifest.Object, dir, peers string, sev finding.Severity) {
	rules := fieldpath.Items(o.Field("spec", dir))
	for i := range rules {
		rulePath := fieldpath.New("spec", dir).Child(fieldpath.Index(i))
		if ruleAllowsAll(o, dir, peers, i) {
			p.Report(check.Diagnostic{Object: o, Path: rulePath, Severity: sev,
				Message: fmt.Sprintf("NetworkPolicy %q: %s rule %d allows all traffic (no %s peers and no ports); name the peers and ports", o.Ref.Name, dir, i, peers)})
			continue
		}
		for j, peer := range fieldpath.Items(fieldpath.MapGet(rules[i], peers)) {
			cidrNode := fieldpath.LookupKeys(peer, "ipBlock", "cidr")
			cidr, _ := fieldpath.Str(cidrNode)
			if !openCIDRs[cidr] || len(fieldpath.Items(fieldpath.LookupKeys(peer, "ipBlock", "except"))) > 0 {
				continue
			}
			path := rulePath.Keys(peers).Child(fieldpath.Index(j)).Keys("ipBlock", "cidr")
			p.Report(check.Diagnostic{Object: o, Path: path, Severity: sev,
				Message: fmt.Sprintf("NetworkPolicy %q: %s rule %d allows %s, every address, with no except; narrow the CIDR", o.Ref.Name, dir, i, cidr)})
		}
	}
}
