package event

import (
	"reflect"
	"testing"
)

func TestParseCookieHeader(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   Fields
	}{
		{"none", nil, nil},
		{"two", []string{"a=1; b=2"}, Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}},
		{"repeated across headers", []string{"a=1; b=2", "a=3"}, Fields{{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "3"}}}, {Name: "b", Value: "2"}}},
		{"whitespace and empty pairs", []string{" a = 1 ;;\tb=2; "}, Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}},
		{"value with '='", []string{"t=a=b=="}, Fields{{Name: "t", Value: "a=b=="}}},
		{"no '='", []string{"flag; a=1"}, Fields{{Name: "flag"}, {Name: "a", Value: "1"}}},
		{"quotes kept", []string{`q="x y"`}, Fields{{Name: "q", Value: `"x y"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseCookieHeader(tt.values); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseCookieHeader = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseSetCookie(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  Fields
	}{
		{"none", nil, nil},
		{"no attributes", []string{"id=a3fWa"}, Fields{{Name: "id", Value: "a3fWa"}}},
		{
			"attributes are the raw rest of the line, trimmed",
			[]string{"id=a3fWa;  Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; Path=/ "},
			Fields{{Name: "id", Value: "a3fWa", Attributes: "Expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure; Path=/"}},
		},
		{
			"same name twice",
			[]string{"id=1; Path=/a", "other=x", "id=2; Path=/b"},
			Fields{
				{Name: "id", Value: "1", Attributes: "Path=/a", MultiValue: []Value{{Value: "1", Attributes: "Path=/a"}, {Value: "2", Attributes: "Path=/b"}}},
				{Name: "other", Value: "x"},
			},
		},
		{"spaces around the pair", []string{" id = 1 ;Secure"}, Fields{{Name: "id", Value: "1", Attributes: "Secure"}}},
		{"empty value", []string{"id=; Max-Age=0"}, Fields{{Name: "id", Attributes: "Max-Age=0"}}},
		{"empty lines skipped", []string{"", " ; Path=/", "a=1"}, Fields{{Name: "a", Value: "1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseSetCookie(tt.lines); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseSetCookie = %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestCookieHeader(t *testing.T) {
	tests := []struct {
		name    string
		cookies Fields
		want    string
	}{
		{"none", nil, ""},
		{"two", Fields{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}}, "a=1; b=2"},
		{"multiValue", Fields{{Name: "a", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "3"}}}, {Name: "b", Value: "2"}}, "a=1; a=3; b=2"},
		{"empty value", Fields{{Name: "a"}}, "a="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Request{Cookies: tt.cookies}
			if got := r.CookieHeader(); got != tt.want {
				t.Errorf("CookieHeader = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSetCookieLines(t *testing.T) {
	tests := []struct {
		name    string
		cookies Fields
		want    []string
	}{
		{"none", nil, nil},
		{"with and without attributes", Fields{{Name: "id", Value: "1", Attributes: "Secure; Path=/"}, {Name: "x", Value: "y"}}, []string{"id=1; Secure; Path=/", "x=y"}},
		{
			"multiValue",
			Fields{{Name: "id", Value: "1", MultiValue: []Value{{Value: "1", Attributes: "Path=/a"}, {Value: "2"}}}},
			[]string{"id=1; Path=/a", "id=2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Response{Cookies: tt.cookies}
			if got := r.SetCookieLines(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SetCookieLines = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCookieWriteBack follows a function's edits to request cookies through
// WriteBack to the Cookie header.
func TestCookieWriteBack(t *testing.T) {
	orig := &Request{Cookies: ParseCookieHeader([]string{"s=1; t=2; s=3"})}
	out := &Request{Cookies: Fields{
		{Name: "s", Value: "new", MultiValue: []Value{{Value: "1"}, {Value: "3"}}},
		{Name: "u", Value: "4"},
	}}
	out.Cookies = WriteBack(orig.Cookies, out.Cookies)
	if got, want := out.CookieHeader(), "s=new; s=3; u=4"; got != want {
		t.Errorf("CookieHeader = %q, want %q", got, want)
	}
}
