package event

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw  string
		want Fields
	}{
		{"", nil},
		{"a=1", Fields{{Name: "a", Value: "1"}}},
		{"a=1&b=2&a=3", Fields{{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "3"}}}, {Name: "b", Value: "2"}}},
		{"novalue&empty=", Fields{{Name: "novalue"}, {Name: "empty"}}},
		{"&&a=1&", Fields{{Name: "a", Value: "1"}}},
		{"a=b=c", Fields{{Name: "a", Value: "b=c"}}},
		{"=v", Fields{{Name: "", Value: "v"}}},
		// Kept as the viewer spelled them: no percent-decoding, '+' is not a space.
		{"q=%E5%AE%B6&s=a+b&t=a%20b", Fields{{Name: "q", Value: "%E5%AE%B6"}, {Name: "s", Value: "a+b"}, {Name: "t", Value: "a%20b"}}},
		{"%61=1&a=2", Fields{{Name: "%61", Value: "1"}, {Name: "a", Value: "2"}}},
		{"ID=42&TTL=1", Fields{{Name: "ID", Value: "42"}, {Name: "TTL", Value: "1"}}},
		{"q=家", Fields{{Name: "q", Value: "家"}}},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if got := ParseQuery(tt.raw); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseQuery(%q) = %#v, want %#v", tt.raw, got, tt.want)
			}
		})
	}
}

// TestParseQueryManyNames crosses the point where names are looked up in a
// map, with repeats on both sides of it.
func TestParseQueryManyNames(t *testing.T) {
	var parts []string
	for i := range 40 {
		parts = append(parts, "k"+strconv.Itoa(i)+"="+strconv.Itoa(i))
	}
	parts = append(parts, "k3=again", "k39=again")
	fs := ParseQuery(strings.Join(parts, "&"))
	if len(fs) != 40 {
		t.Fatalf("got %d entries, want 40", len(fs))
	}
	for i, f := range fs {
		if want := "k" + strconv.Itoa(i); f.Name != want || f.Value != strconv.Itoa(i) {
			t.Errorf("entry %d = %s=%s, want %s=%d", i, f.Name, f.Value, want, i)
		}
	}
	for _, name := range []string{"k3", "k39"} {
		f, _ := fs.Get(name)
		if len(f.MultiValue) != 2 || f.MultiValue[1].Value != "again" {
			t.Errorf("%s multiValue = %v, want two occurrences ending in again", name, f.MultiValue)
		}
	}
}

func TestEncodeQuery(t *testing.T) {
	tests := []struct {
		name string
		fs   Fields
		want string
	}{
		{"empty", nil, ""},
		{"single", Fields{{Name: "a", Value: "1"}}, "a=1"},
		{"empty value", Fields{{Name: "a"}}, "a="},
		{"multiValue", Fields{{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "2"}}}, {Name: "b", Value: "3"}}, "a=1&a=2&b=3"},
		{"verbatim unicode", Fields{{Name: "q", Value: "家"}}, "q=家"},
		{"verbatim escapes and plus", Fields{{Name: "s", Value: "a+b%20c"}}, "s=a+b%20c"},
		{"verbatim space", Fields{{Name: "s", Value: "a b"}}, "s=a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeQuery(tt.fs); got != tt.want {
				t.Errorf("EncodeQuery = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQueryRoundTrip(t *testing.T) {
	for _, raw := range []string{"a=1&b=2", "a=1&a=2&b=", "q=%E5%AE%B6&s=a+b", "x=%2B&y=+", "k=v=w"} {
		if got := EncodeQuery(ParseQuery(raw)); got != raw {
			t.Errorf("EncodeQuery(ParseQuery(%q)) = %q", raw, got)
		}
	}
}

func TestWireQuery(t *testing.T) {
	str := func(s string) *string { return &s }
	orig := &Request{RawQuery: "b=2&a=%41", HasQuery: true, Querystring: ParseQuery("b=2&a=%41")}
	bare := &Request{RawQuery: "", HasQuery: true}
	none := &Request{}
	tests := []struct {
		name      string
		orig, out *Request
		want      string
		wantHas   bool
	}{
		{"unchanged goes out byte for byte", orig, &Request{Querystring: ParseQuery("b=2&a=%41")}, "b=2&a=%41", true},
		{"bare '?' kept", bare, &Request{}, "", true},
		{"no query", none, &Request{}, "", false},
		{"value changed", orig, &Request{Querystring: Fields{{Name: "b", Value: "3"}, {Name: "a", Value: "%41"}}}, "b=3&a=%41", true},
		{"entry added", none, &Request{Querystring: Fields{{Name: "x", Value: "1"}}}, "x=1", true},
		{"all deleted", orig, &Request{}, "", false},
		{"string form", orig, &Request{QuerystringString: str("a=1&b=2")}, "a=1&b=2", true},
		{"empty string form", orig, &Request{QuerystringString: str("")}, "", false},
		{"multiValue rules applied", &Request{Querystring: ParseQuery("a=1&a=2")}, &Request{Querystring: Fields{{Name: "a", Value: "9", MultiValue: []Value{{Value: "1"}, {Value: "2"}}}}}, "a=9&a=2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, has := WireQuery(tt.orig, tt.out)
			if got != tt.want || has != tt.wantHas {
				t.Errorf("WireQuery = %q, %v; want %q, %v", got, has, tt.want, tt.wantHas)
			}
		})
	}
}
