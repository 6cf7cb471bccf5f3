package netpol

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// calicoSelector is a parsed Calico selector expression
// (https://docs.tigera.io/calico/latest/reference/resources/networkpolicy#selectors):
//
//	all()  global()  has(k)  !has(k)  k == 'v'  k != 'v'  k in {'a','b'}  k not in {...}
//	k contains 's'  k starts with 's'  k ends with 's'  !e  e && e  e || e  (e)
//
// As in Calico, != and not in also match when the label is absent, && binds tighter
// than ||, and strings are in single or double quotes.
type calicoSelector struct {
	match func(labels.Set) bool
}

func (s *calicoSelector) matches(l labels.Set) bool { return s.match(l) }

var calicoAll = &calicoSelector{match: func(labels.Set) bool { return true }}

// parseCalicoSelector parses s, or says where it stops making sense.
func parseCalicoSelector(s string) (*calicoSelector, error) {
	p := &calicoParser{src: s}
	m, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q", p.src[p.pos:])
	}
	return &calicoSelector{match: m}, nil
}

type matcher = func(labels.Set) bool

type calicoParser struct {
	src string
	pos int
}

func (p *calicoParser) errorf(format string, args ...any) error {
	return fmt.Errorf("selector %q, at offset %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *calicoParser) space() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

// eat consumes tok (after spaces) when it comes next.
func (p *calicoParser) eat(tok string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

// eatWord consumes the keyword w when it comes next as a whole word.
func (p *calicoParser) eatWord(w string) bool {
	p.space()
	rest := p.src[p.pos:]
	if !strings.HasPrefix(rest, w) || len(rest) > len(w) && isKeyByte(rest[len(w)]) {
		return false
	}
	p.pos += len(w)
	return true
}

func (p *calicoParser) or() (matcher, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.eat("||") {
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(s labels.Set) bool { return l(s) || right(s) }
	}
	return left, nil
}

func (p *calicoParser) and() (matcher, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.eat("&&") {
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		l := left
		left = func(s labels.Set) bool { return l(s) && right(s) }
	}
	return left, nil
}

func (p *calicoParser) unary() (matcher, error) {
	p.space()
	// "!=" is an operator, never a negation, and cannot start a term.
	if strings.HasPrefix(p.src[p.pos:], "!") && !strings.HasPrefix(p.src[p.pos:], "!=") {
		p.pos++
		m, err := p.unary()
		if err != nil {
			return nil, err
		}
		return func(s labels.Set) bool { return !m(s) }, nil
	}
	return p.primary()
}

func (p *calicoParser) primary() (matcher, error) {
	if p.eat("(") {
		m, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, p.errorf("missing )")
		}
		return m, nil
	}
	for _, fn := range []string{"all", "global"} {
		save := p.pos
		if p.eatWord(fn) {
			if p.eat("(") && p.eat(")") {
				return func(labels.Set) bool { return true }, nil
			}
			p.pos = save // a label named "all"
		}
	}
	save := p.pos
	if p.eatWord("has") {
		if p.eat("(") {
			key, err := p.key()
			if err != nil {
				return nil, err
			}
			if !p.eat(")") {
				return nil, p.errorf("missing ) after has(%s", key)
			}
			return func(s labels.Set) bool { return s.Has(key) }, nil
		}
		p.pos = save // a label named "has"
	}
	key, err := p.key()
	if err != nil {
		return nil, err
	}
	switch {
	case p.eat("=="):
		v, err := p.str()
		return func(s labels.Set) bool { val, ok := s[key]; return ok && val == v }, err
	case p.eat("!="):
		v, err := p.str()
		return func(s labels.Set) bool { val, ok := s[key]; return !ok || val != v }, err
	case p.eatWord("in"):
		set, err := p.set()
		return func(s labels.Set) bool { val, ok := s[key]; return ok && set[val] }, err
	case p.eatWord("not"):
		if !p.eatWord("in") {
			return nil, p.errorf("want \"in\" after \"not\"")
		}
		set, err := p.set()
		return func(s labels.Set) bool { val, ok := s[key]; return !ok || !set[val] }, err
	case p.eatWord("contains"):
		v, err := p.str()
		return func(s labels.Set) bool { val, ok := s[key]; return ok && strings.Contains(val, v) }, err
	case p.eatWord("starts"):
		if !p.eatWord("with") {
			return nil, p.errorf("want \"with\" after \"starts\"")
		}
		v, err := p.str()
		return func(s labels.Set) bool { val, ok := s[key]; return ok && strings.HasPrefix(val, v) }, err
	case p.eatWord("ends"):
		if !p.eatWord("with") {
			return nil, p.errorf("want \"with\" after \"ends\"")
		}
		v, err := p.str()
		return func(s labels.Set) bool { val, ok := s[key]; return ok && strings.HasSuffix(val, v) }, err
	}
	return nil, p.errorf("want an operator after label %q", key)
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_./-", c) >= 0
}

func (p *calicoParser) key() (string, error) {
	p.space()
	start := p.pos
	for p.pos < len(p.src) && isKeyByte(p.src[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return "", p.errorf("want a label name")
	}
	return p.src[start:p.pos], nil
}

func (p *calicoParser) str() (string, error) {
	p.space()
	if p.pos >= len(p.src) || (p.src[p.pos] != '\'' && p.src[p.pos] != '"') {
		return "", p.errorf("want a quoted string")
	}
	q := p.src[p.pos]
	end := strings.IndexByte(p.src[p.pos+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.src[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

func (p *calicoParser) set() (map[string]bool, error) {
	if !p.eat("{") {
		return nil, p.errorf("want {")
	}
	out := map[string]bool{}
	if p.eat("}") {
		return out, nil
	}
	for {
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		out[v] = true
		if p.eat("}") {
			return out, nil
		}
		if !p.eat(",") {
			return nil, p.errorf("want , or }")
		}
	}
}
