package manifest

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Scalars as go-yaml v2 (YAML 1.1), which kubectl reads manifests with, resolves them, and
// the JSON form they take on their way to the API server (see normalize).

// v2Kind is the kind of value go-yaml v2 resolves a scalar to.
type v2Kind uint8

const (
	v2Str v2Kind = iota
	v2Null
	v2Bool
	v2Int
	v2Float
	v2Merge
)

// v2Value is a scalar as go-yaml v2 resolves it; str holds a string or an integer's decimal.
type v2Value struct {
	kind v2Kind
	str  string
	b    bool
	f    float64
}

// keyString is the string sigs.k8s.io/yaml makes of a mapping key.
func (r v2Value) keyString() string {
	switch r.kind {
	case v2Bool:
		return strconv.FormatBool(r.b)
	case v2Float:
		s := strconv.FormatFloat(r.f, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s
	case v2Merge:
		return "<<"
	}
	return r.str
}

var v2Hint = func() (t [256]byte) {
	t['+'], t['-'] = 'S', 'S'
	for c := '0'; c <= '9'; c++ {
		t[c] = 'D'
	}
	for _, c := range "yYnNtTfFoO~" {
		t[c] = 'M'
	}
	t['.'] = '.'
	return t
}()

// v2Words are the plain scalars go-yaml v2 resolves from its table.
var v2Words = func() map[string]v2Value {
	m := map[string]v2Value{}
	add := func(v v2Value, words ...string) {
		for _, w := range words {
			m[w] = v
		}
	}
	add(v2Value{kind: v2Bool, b: true}, "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")
	add(v2Value{kind: v2Bool}, "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")
	add(v2Value{kind: v2Null}, "", "~", "null", "Null", "NULL")
	add(v2Value{kind: v2Float, f: math.NaN()}, ".nan", ".NaN", ".NAN")
	add(v2Value{kind: v2Float, f: math.Inf(1)}, ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")
	add(v2Value{kind: v2Float, f: math.Inf(-1)}, "-.inf", "-.Inf", "-.INF")
	add(v2Value{kind: v2Merge}, "<<")
	return m
}()

var v2FloatRE = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// shortTags maps the tags go-yaml v2 knows to its short names.
func shortTag(tag string) string {
	if strings.HasPrefix(tag, "tag:yaml.org,2002:") {
		return "!!" + tag[len("tag:yaml.org,2002:"):]
	}
	return tag
}

// resolveV2 resolves a scalar as go-yaml v2 (resolve.go and the scalar decoding into an
// interface{}) does; tag is "" for a plain scalar without a tag. err is go-yaml's message
// when the tag cannot hold the value.
func resolveV2(tag, in string) (r v2Value, err string) {
	tag = shortTag(tag)
	switch tag {
	case "", "!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp":
	case "!!binary":
		b, e := base64.StdEncoding.DecodeString(in)
		if e != nil {
			return r, "!!binary value contains invalid base64 data"
		}
		return v2Value{kind: v2Str, str: jsonString(b)}, ""
	default:
		// Other tags are kept as strings by go-yaml v2.
		return v2Value{kind: v2Str, str: in}, ""
	}
	r, rtag := resolvePlain(tag, in)
	switch tag {
	case "", rtag, "!!str":
		if tag == "!!str" {
			return v2Value{kind: v2Str, str: in}, ""
		}
		if rtag == "!!timestamp" {
			// A timestamp decoded into an interface{} stays the string it is.
			return v2Value{kind: v2Str, str: in}, ""
		}
		return r, ""
	case "!!float":
		if rtag == "!!int" {
			f, _ := strconv.ParseFloat(r.str, 64)
			return v2Value{kind: v2Float, f: f}, ""
		}
	}
	return r, fmt.Sprintf("cannot decode %s `%s` as a %s", rtag, in, tag)
}

// resolvePlain is go-yaml v2's resolve for the tags it resolves.
func resolvePlain(tag, in string) (v2Value, string) {
	hint := byte('N')
	if in != "" {
		hint = v2Hint[in[0]]
	}
	if hint != 0 && tag != "!!str" {
		if item, ok := v2Words[in]; ok {
			return item, v2TagOf(item.kind)
		}
		switch hint {
		case '.':
			if f, err := strconv.ParseFloat(in, 64); err == nil {
				return v2Value{kind: v2Float, f: f}, "!!float"
			}
		case 'D', 'S':
			if tag == "" || tag == "!!timestamp" {
				if _, ok := parseTimestamp(in); ok {
					return v2Value{kind: v2Str, str: in}, "!!timestamp"
				}
			}
			plain := strings.ReplaceAll(in, "_", "")
			if i, err := strconv.ParseInt(plain, 0, 64); err == nil {
				return v2Value{kind: v2Int, str: strconv.FormatInt(i, 10)}, "!!int"
			}
			if u, err := strconv.ParseUint(plain, 0, 64); err == nil {
				return v2Value{kind: v2Int, str: strconv.FormatUint(u, 10)}, "!!int"
			}
			if v2FloatRE.MatchString(plain) {
				if f, err := strconv.ParseFloat(plain, 64); err == nil {
					return v2Value{kind: v2Float, f: f}, "!!float"
				}
			}
			if strings.HasPrefix(plain, "0b") {
				if i, err := strconv.ParseInt(plain[2:], 2, 64); err == nil {
					return v2Value{kind: v2Int, str: strconv.FormatInt(i, 10)}, "!!int"
				}
				if u, err := strconv.ParseUint(plain[2:], 2, 64); err == nil {
					return v2Value{kind: v2Int, str: strconv.FormatUint(u, 10)}, "!!int"
				}
			} else if strings.HasPrefix(plain, "-0b") {
				if i, err := strconv.ParseInt("-"+plain[3:], 2, 64); err == nil {
					return v2Value{kind: v2Int, str: strconv.FormatInt(i, 10)}, "!!int"
				}
			}
		}
	}
	return v2Value{kind: v2Str, str: in}, "!!str"
}

func v2TagOf(k v2Kind) string {
	switch k {
	case v2Null:
		return "!!null"
	case v2Bool:
		return "!!bool"
	case v2Int:
		return "!!int"
	case v2Float:
		return "!!float"
	case v2Merge:
		return "!!merge"
	}
	return "!!str"
}

// v2Timestamps are the layouts go-yaml v2 reads a timestamp with.
var v2Timestamps = []string{
	"2006-1-2T15:4:5.999999999Z07:00",
	"2006-1-2t15:4:5.999999999Z07:00",
	"2006-1-2 15:4:5.999999999",
	"2006-1-2",
}

func parseTimestamp(s string) (time.Time, bool) {
	i := 0
	for ; i < len(s); i++ {
		if c := s[i]; c < '0' || c > '9' {
			break
		}
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return time.Time{}, false
	}
	for _, layout := range v2Timestamps {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// jsonString is b as a JSON string carries it: each byte that is not valid UTF-8 becomes
// U+FFFD, as encoding/json writes it.
func jsonString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var out strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out.WriteString("\ufffd")
		} else {
			out.Write(b[:size])
		}
		b = b[size:]
	}
	return out.String()
}
