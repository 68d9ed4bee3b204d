package suite

import (
	"encoding/json"
	"slices"
	"testing"
)

func decodeJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDiffJSON(t *testing.T) {
	for _, tt := range []struct {
		name, want, got string
		ignore          []string
		diffs           []Diff
	}{
		{name: "equal, any key order", want: `{"a":1,"b":{"c":[1,2]}}`, got: `{"b":{"c":[1,2]},"a":1}`},
		{name: "changed leaf", want: `{"request":{"uri":"/a"}}`, got: `{"request":{"uri":"/b"}}`, diffs: []Diff{{".request.uri", `"/a"`, `"/b"`}}},
		{name: "absent and extra", want: `{"h":{"x":1}}`, got: `{"h":{"y":2}}`, diffs: []Diff{{".h.x", "1", ""}, {".h.y", "", "2"}}},
		{name: "odd key", want: `{"h":{"x.y z":1}}`, got: `{"h":{"x.y z":2}}`, diffs: []Diff{{`.h["x.y z"]`, "1", "2"}}},
		{name: "arrays by index", want: `{"m":[{"v":"a"},{"v":"b"}]}`, got: `{"m":[{"v":"a"}]}`, diffs: []Diff{{".m[1]", `{"v":"b"}`, ""}}},
		{name: "type change", want: `{"a":{"b":1}}`, got: `{"a":"x"}`, diffs: []Diff{{".a", `{"b":1}`, `"x"`}}},
		{name: "ignored", want: `{"response":{"headers":{"date":{"value":"1"},"x":{"value":"y"}}}}`, got: `{"response":{"headers":{"date":{"value":"2"},"x":{"value":"y"}}}}`, ignore: []string{".response.headers.date"}},
		{name: "ignored on one side", want: `{"a":1}`, got: `{"a":1,"id":"x"}`, ignore: []string{".id"}},
		{name: "ignored quoted and index", want: `{"h":{"x-a.b":1},"l":[1,2]}`, got: `{"h":{"x-a.b":2},"l":[1,3]}`, ignore: []string{`.h["x-a.b"]`, ".l[1]"}},
		{name: "ignore spares the rest", want: `{"a":1,"b":1}`, got: `{"a":2,"b":2}`, ignore: []string{".a"}, diffs: []Diff{{".b", "1", "2"}}},
		{name: "& < > as written", want: `{"q":"a=1&b=2","h":"<x>"}`, got: `{"q":"b=2&a=1","h":"<y>"}`, diffs: []Diff{{".h", `"<x>"`, `"<y>"`}, {".q", `"a=1&b=2"`, `"b=2&a=1"`}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, got := decodeJSON(t, tt.want), decodeJSON(t, tt.got)
			for _, p := range tt.ignore {
				steps, err := parsePath(p)
				if err != nil {
					t.Fatal(err)
				}
				without(want, steps)
				without(got, steps)
			}
			if d := diffJSON("", want, got); !slices.Equal(d, tt.diffs) {
				t.Errorf("diffs %q; want %q", d, tt.diffs)
			}
		})
	}
}

func TestParsePath(t *testing.T) {
	for _, tt := range []struct {
		path  string
		steps []string
		bad   bool
	}{
		{path: ".response.headers.date", steps: []string{"response", "headers", "date"}},
		{path: "request.uri", bad: true},
		{path: `.headers["x.y"].value`, steps: []string{"headers", "x.y", "value"}},
		{path: ".list[2]", steps: []string{"list", "2"}},
		{path: ".list[x]", bad: true},
		{path: ".a[", bad: true},
		{path: ".", bad: true},
	} {
		steps, err := parsePath(tt.path)
		if (err != nil) != tt.bad || !slices.Equal(steps, tt.steps) {
			t.Errorf("parsePath(%q) = %q, %v; want %q (error %v)", tt.path, steps, err, tt.steps, tt.bad)
		}
	}
}
