package main

import (
	"testing"
	"time"
)

// TestByteSize: --cache-size takes bytes or binary units, and prints back
// in the largest unit that divides it.
func TestByteSize(t *testing.T) {
	for _, tt := range []struct {
		in, out string
		want    int64
	}{
		{"256MiB", "256MiB", 256 << 20},
		{"2GiB", "2GiB", 2 << 30},
		{"512 KiB", "512KiB", 512 << 10},
		{"1000", "1000B", 1000},
		{"0", "0", 0},
	} {
		var b byteSize
		if err := b.Set(tt.in); err != nil || int64(b) != tt.want || b.String() != tt.out {
			t.Errorf("Set(%q) = %d (%s), %v; want %d (%s)", tt.in, int64(b), b.String(), err, tt.want, tt.out)
		}
	}
	for _, bad := range []string{"", "-1", "1TB", "lots", "99999999999GiB"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted: %d", bad, int64(b))
		}
	}
}

// TestServeFlags: pool and memory bounds that would serve nothing, and
// certificate flags out of pairs, are usage errors, not silently replaced.
func TestServeFlags(t *testing.T) {
	ok := serveConfig{originConns: 512, originWait: 10 * time.Second, apiBodies: 64 << 20, responseMemory: 1 << 30}
	tests := []struct {
		name   string
		change func(*serveConfig)
		fails  bool
	}{
		{"defaults", func(*serveConfig) {}, false},
		{"one connection", func(c *serveConfig) { c.originConns = 1 }, false},
		{"no connections", func(c *serveConfig) { c.originConns = 0 }, true},
		{"no wait", func(c *serveConfig) { c.originWait = 0 }, true},
		{"negative wait", func(c *serveConfig) { c.originWait = -time.Second }, true},
		{"exactly one body", func(c *serveConfig) { c.apiBodies = 4 << 20 }, false},
		{"less than one body", func(c *serveConfig) { c.apiBodies = 1 << 20 }, true},
		{"exactly one response", func(c *serveConfig) { c.responseMemory = 64 << 20 }, false},
		{"less than one response", func(c *serveConfig) { c.responseMemory = 32 << 20 }, true},
		{"a certificate pair", func(c *serveConfig) { c.edgeCerts, c.edgeKeys = []string{"c"}, []string{"k"} }, false},
		{"a certificate without its key", func(c *serveConfig) { c.edgeCerts = []string{"c"} }, true},
	}
	for _, tt := range tests {
		c := ok
		tt.change(&c)
		if err := c.checkFlags(); (err != nil) != tt.fails {
			t.Errorf("%s: %v, want failure %v", tt.name, err, tt.fails)
		}
	}
}
