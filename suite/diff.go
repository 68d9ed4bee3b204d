package suite

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Diff is one field that differs: Want or Got is "" when the field is absent
// on that side; values are JSON.
type Diff struct {
	Path      string
	Want, Got string
}

func (d Diff) String() string {
	want, got := d.Want, d.Got
	if want == "" {
		want = "(absent)"
	}
	if got == "" {
		got = "(absent)"
	}
	return fmt.Sprintf("%s\n    want %s\n    got  %s", d.Path, want, got)
}

// diffJSON lists the leaves where two decoded JSON values differ, by path
// from root, objects by key in sorted order and arrays by index.
func diffJSON(root string, want, got any) []Diff {
	var out []Diff
	var walk func(path string, w, g any, hasW, hasG bool)
	walk = func(path string, w, g any, hasW, hasG bool) {
		wm, wIsMap := w.(map[string]any)
		gm, gIsMap := g.(map[string]any)
		if hasW && hasG && wIsMap && gIsMap {
			keys := slices.Sorted(maps.Keys(wm))
			for k := range gm {
				if _, ok := wm[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range slices.Compact(keys) {
				wv, okW := wm[k]
				gv, okG := gm[k]
				walk(path+pathKey(k), wv, gv, okW, okG)
			}
			return
		}
		wa, wIsArr := w.([]any)
		ga, gIsArr := g.([]any)
		if hasW && hasG && wIsArr && gIsArr {
			for i := range max(len(wa), len(ga)) {
				var wv, gv any
				if i < len(wa) {
					wv = wa[i]
				}
				if i < len(ga) {
					gv = ga[i]
				}
				walk(path+"["+strconv.Itoa(i)+"]", wv, gv, i < len(wa), i < len(ga))
			}
			return
		}
		ws, gs := jsonText(w, hasW), jsonText(g, hasG)
		if ws != gs {
			out = append(out, Diff{Path: path, Want: ws, Got: gs})
		}
	}
	walk(root, want, got, true, true)
	return out
}

// pathKey is a key as a jq path step: .name, or ["name"] for other names.
func pathKey(k string) string {
	simple := k != ""
	for i, r := range k {
		if !(r == '_' || r == '-' && i > 0 || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' && i > 0) {
			simple = false
		}
	}
	if simple {
		return "." + k
	}
	return "[" + strconv.Quote(k) + "]"
}

// jsonText is v as JSON for people: & < > as written, not \u0026 (the
// encoder's default escapes them for HTML, where a diff never goes).
func jsonText(v any, present bool) string {
	if !present {
		return ""
	}
	b, _ := marshal(v) // decoded JSON always encodes
	return string(b)
}

// parsePath splits a jq-style path (".a.b", `.headers["x.y"]`, ".list[0]")
// into its steps; indexes are steps too, as their decimal text.
func parsePath(p string) ([]string, error) {
	var steps []string
	rest := p
	for rest != "" {
		switch {
		case rest[0] == '.' && len(rest) > 1 && rest[1] != '[':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			steps = append(steps, rest[1:1+end])
			rest = rest[1+end:]
		case rest[0] == '.':
			rest = rest[1:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("ignore %q: unclosed [", p)
			}
			inner := rest[1:end]
			if s, err := strconv.Unquote(inner); err == nil {
				inner = s
			} else if _, err := strconv.Atoi(inner); err != nil {
				return nil, fmt.Errorf("ignore %q: [%s] is neither a quoted key nor an index", p, inner)
			}
			steps = append(steps, inner)
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("ignore %q: want a path such as .response.headers.date", p)
		}
	}
	if len(steps) == 0 {
		return nil, fmt.Errorf("ignore %q: an empty path would ignore everything", p)
	}
	return steps, nil
}

// without removes the field at steps from v (a decoded JSON value), in place,
// and reports whether it was there: the ignored field may be on one side
// only.
func without(v any, steps []string) bool {
	for i, step := range steps {
		last := i == len(steps)-1
		switch c := v.(type) {
		case map[string]any:
			e, ok := c[step]
			if !ok {
				return false
			}
			if last {
				delete(c, step)
				return true
			}
			v = e
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || n >= len(c) {
				return false
			}
			if last {
				c[n] = nil // keep the other indexes where they are
				return true
			}
			v = c[n]
		default:
			return false
		}
	}
	return false
}
