package store_test

import (
	"fmt"
	"testing"

	"github.com/edgefn/edgefn"
)

func BenchmarkUpdateKeys(b *testing.B) {
	s, _ := newStore(b, nil)
	k := createStore(b, s, acct, "bench")
	puts := make([]edgefn.Item, 50)
	for i := range puts {
		puts[i] = edgefn.Item{Key: fmt.Sprintf("key-%02d", i), Value: fmt.Sprintf("%0100d", i)}
	}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if k, err = s.UpdateKeys(b.Context(), acct, k.ID, k.DataETag, puts, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetKey(b *testing.B) {
	s, _ := newStore(b, nil)
	k := createStore(b, s, acct, "bench")
	const n = 1000
	for i := 0; i < n; i += 50 {
		puts := make([]edgefn.Item, 50)
		for j := range puts {
			puts[j] = edgefn.Item{Key: fmt.Sprintf("key-%04d", i+j), Value: fmt.Sprintf("%0100d", i+j)}
		}
		k = updateKeys(b, s, k, puts)
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%04d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := s.GetKey(b.Context(), acct, k.ID, keys[i%n]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAliasClaim: updates that claim a new alias while 10,000 aliases
// are held by other distributions. A new wildcard ranges over every alias
// (alias.go); an exact name reads only the wildcards that could cover it.
func BenchmarkAliasClaim(b *testing.B) {
	s, _ := newStore(b, nil)
	for d := range 100 {
		c := distConfig(fmt.Sprintf("held-%d", d))
		for a := range 100 {
			c.Aliases = append(c.Aliases, fmt.Sprintf("www%d.site%d.example.com", a, d))
		}
		createDist(b, s, other, c)
	}
	for _, alias := range []string{"new.example.net", "*.example.net"} {
		b.Run(alias, func(b *testing.B) {
			c := distConfig("claimer-" + alias)
			d := createDist(b, s, acct, c)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.Aliases = nil
				if i%2 == 0 {
					c.Aliases = []string{alias}
				}
				var err error
				if d, err = s.UpdateDistribution(b.Context(), acct, d.ID, d.ETag, c, nil); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
