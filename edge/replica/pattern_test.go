package replica

import (
	"strings"
	"testing"

	"github.com/edgefn/edgefn"
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
		{"/a?b", "/a/b", true}, // '?' is any one character
		{"/A*", "/a", false},
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

// TestBehaviorOrder: the first behavior whose pattern matches wins, in the
// configured order, and the default one comes last whatever it would match.
func TestBehaviorOrder(t *testing.T) {
	d := newDistribution(&edgefn.Distribution{Config: edgefn.DistributionConfig{
		Origins:              []edgefn.Origin{{ID: "default"}, {ID: "v1"}, {ID: "api"}, {ID: "images"}},
		DefaultCacheBehavior: edgefn.CacheBehavior{TargetOriginID: "default"},
		CacheBehaviors: []edgefn.CacheBehavior{
			{PathPattern: "/api/v1/*", TargetOriginID: "v1"},
			{PathPattern: "api/*", TargetOriginID: "api"},
			{PathPattern: "*.jpg", TargetOriginID: "images"},
		},
	}}, resolver{
		function:      func(string) *Function { return nil },
		cachePolicy:   func(string, string) *edgefn.CachePolicyConfig { return nil },
		invalidations: func(string, string) []*edgefn.Invalidation { return nil },
	})
	tests := []struct{ path, want string }{
		{"/api/v1/users", "v1"},
		{"/api/v2/users", "api"},
		{"/api/v1/cat.jpg", "v1"},
		{"/img/cat.jpg", "images"},
		{"/img/cat.JPG", "default"},
		{"/", "default"},
	}
	for _, tt := range tests {
		if got := d.Behavior(tt.path).Origin.ID; got != tt.want {
			t.Errorf("Behavior(%q) goes to %q, want %q", tt.path, got, tt.want)
		}
	}
}
