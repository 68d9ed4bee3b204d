package replica

import (
	"strings"
	"testing"
)

func TestMatchPath(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*", "/", true},
		{"*", "/anything/at/all.html", true},
		{"/images/*.jpg", "/images/cat.jpg", true},
		{"images/*.jpg", "/images/cat.jpg", true}, // leading '/' optional
		{"/images/*.jpg", "images/cat.jpg", true},
		{"/images/*.jpg", "/images/a/b/cat.jpg", true}, // '*' crosses '/'
		{"/images/*.jpg", "/images/cat.JPG", false},    // case-sensitive
		{"/images/*.jpg", "/Images/cat.jpg", false},
		{"/images/*.jpg", "/images/cat.jpg.png", false},
		{"/api/*", "/api/", true},
		{"/api/*", "/api", false},
		{"/api*", "/api", true},
		{"/a?c", "/abc", true},
		{"/a?c", "/ac", false},
		{"/a?c", "/abbc", false},
		{"/*.html", "/index.html", true},
		{"/*/*.html", "/x/y.html", true},
		{"/*/*.html", "/y.html", false},
		{"/a*b*c", "/aXXbYYbZZc", true},
		{"/a*b*c", "/aXXbYYbZZ", false},
		{"/exact", "/exact", true},
		{"/exact", "/exactly", false},
		{"*.php", "/dir/page.php", true},
		{"/**", "/x", true},
	}
	for _, tt := range tests {
		if got := MatchPath(tt.pattern, tt.path); got != tt.want {
			t.Errorf("MatchPath(%q, %q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

// A pattern built to make naive backtracking explode stays fast.
func TestMatchPathNoBlowUp(t *testing.T) {
	path := "/" + strings.Repeat("a", 2000)
	pattern := "/*a*a*a*a*a*a*a*a*a*a*b"
	if MatchPath(pattern, path) {
		t.Fatal("matched a path without 'b'")
	}
}
