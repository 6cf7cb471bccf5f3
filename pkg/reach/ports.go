package reach

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Ports is a set of ports: All, or ranges per protocol.
type Ports struct {
	All    bool        `json:"all,omitempty"`
	Ranges []PortRange `json:"ranges,omitempty"`
}

// PortRange is a range of ports of one protocol. Port 0 is every port of the protocol; a
// Name is a named port that could not be resolved (a name towards an outside node).
type PortRange struct {
	Protocol string `json:"protocol"`
	Port     int32  `json:"port,omitempty"`
	EndPort  int32  `json:"endPort,omitempty"`
	Name     string `json:"name,omitempty"`
}

// AllPorts is every port of every protocol.
var AllPorts = Ports{All: true}

// Empty reports whether no port is in the set.
func (p Ports) Empty() bool { return !p.All && len(p.Ranges) == 0 }

func (r PortRange) bounds() (lo, hi int32) {
	switch {
	case r.Port == 0:
		return 1, 65535
	case r.EndPort > r.Port:
		return r.Port, r.EndPort
	}
	return r.Port, r.Port
}

func rangeOf(proto string, lo, hi int32) PortRange {
	switch {
	case lo <= 1 && hi >= 65535:
		return PortRange{Protocol: proto}
	case lo == hi:
		return PortRange{Protocol: proto, Port: lo}
	}
	return PortRange{Protocol: proto, Port: lo, EndPort: hi}
}

// intersect returns the ports in both a and b.
func intersect(a, b Ports) Ports {
	switch {
	case a.All:
		return b
	case b.All:
		return a
	}
	var out []PortRange
	for _, x := range a.Ranges {
		for _, y := range b.Ranges {
			if x.Protocol != y.Protocol {
				continue
			}
			if x.Name != "" || y.Name != "" {
				// An unresolved name meets only a whole protocol or the same name.
				switch {
				case x.Name == y.Name:
					out = append(out, x)
				case x.Name != "" && y.Port == 0 && y.Name == "":
					out = append(out, x)
				case y.Name != "" && x.Port == 0 && x.Name == "":
					out = append(out, y)
				}
				continue
			}
			xl, xh := x.bounds()
			yl, yh := y.bounds()
			lo, hi := max(xl, yl), min(xh, yh)
			if lo <= hi {
				out = append(out, rangeOf(x.Protocol, lo, hi))
			}
		}
	}
	return normalise(out)
}

func normalise(rs []PortRange) Ports {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Protocol != rs[j].Protocol {
			return rs[i].Protocol < rs[j].Protocol
		}
		if rs[i].Name != rs[j].Name {
			return rs[i].Name < rs[j].Name
		}
		li, _ := rs[i].bounds()
		lj, _ := rs[j].bounds()
		return li < lj
	})
	var out []PortRange
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].Protocol == r.Protocol {
			last := out[n-1]
			if r.Name != "" || last.Name != "" {
				if r.Name == last.Name {
					continue
				}
				out = append(out, r)
				continue
			}
			ll, lh := last.bounds()
			rl, rh := r.bounds()
			if rl <= lh+1 {
				out[n-1] = rangeOf(r.Protocol, ll, max(lh, rh))
				continue
			}
		}
		out = append(out, r)
	}
	return Ports{Ranges: out}
}

// String is the set as an edge label: "all", "TCP 8080, UDP 53", "TCP 8000-9000", "TCP".
func (p Ports) String() string {
	if p.All {
		return "all ports"
	}
	parts := make([]string, len(p.Ranges))
	for i, r := range p.Ranges {
		parts[i] = r.String()
	}
	return strings.Join(parts, ", ")
}

func (r PortRange) String() string {
	switch {
	case r.Name != "":
		return r.Protocol + " " + r.Name
	case r.Port == 0:
		return r.Protocol + " all"
	case r.EndPort > r.Port:
		return fmt.Sprintf("%s %d-%d", r.Protocol, r.Port, r.EndPort)
	}
	return fmt.Sprintf("%s %d", r.Protocol, r.Port)
}

// rulePorts are the ports of one rule as written: nil is every port.
type rulePorts []networkingv1.NetworkPolicyPort

// resolve is the set of ports rules allow towards target: a named port is every container
// port of the target with that name and protocol (none when it has no such port), kept as a
// name towards an outside node, whose ports are not known.
func resolve(rules []rulePorts, target *Node) Ports {
	var out []PortRange
	for _, rp := range rules {
		if len(rp) == 0 {
			return AllPorts
		}
		for _, p := range rp {
			proto := string(corev1.ProtocolTCP)
			if p.Protocol != nil && *p.Protocol != "" {
				proto = string(*p.Protocol)
			}
			switch {
			case p.Port == nil:
				out = append(out, PortRange{Protocol: proto})
			case p.Port.Type == intstr.String:
				out = append(out, named(p.Port.StrVal, proto, target)...)
			default:
				r := PortRange{Protocol: proto, Port: p.Port.IntVal}
				if p.EndPort != nil && *p.EndPort > r.Port {
					r.EndPort = *p.EndPort
				}
				out = append(out, r)
			}
		}
	}
	return normalise(out)
}

func named(name, proto string, target *Node) []PortRange {
	if target.w == nil {
		return []PortRange{{Protocol: proto, Name: name}}
	}
	var out []PortRange
	for _, cp := range target.Ports {
		if cp.Name == name && cp.Protocol == proto {
			out = append(out, PortRange{Protocol: proto, Port: cp.Port})
		}
	}
	return out
}
