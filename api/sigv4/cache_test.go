package sigv4

import (
	"strconv"
	"sync"
	"testing"
)

func TestBoundedCacheStaysBounded(t *testing.T) {
	c := newBoundedCache[string, int](3)
	for i := range 10 {
		c.put(strconv.Itoa(i), i)
		if len(c.m) > 3 {
			t.Fatalf("cache holds %d entries after %d puts", len(c.m), i+1)
		}
		if v, ok := c.get(strconv.Itoa(i)); !ok || v != i {
			t.Fatalf("get(%d) = %d, %v right after put", i, v, ok)
		}
	}
	// Replacing a present key at capacity must not evict anything else.
	before := len(c.m)
	for k := range c.m {
		c.put(k, -1)
		break
	}
	if len(c.m) != before {
		t.Errorf("update changed size from %d to %d", before, len(c.m))
	}
}

func TestBoundedCacheConcurrent(t *testing.T) {
	c := newBoundedCache[int, int](16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				c.put(g*1000+i, i)
				c.get(i)
			}
		})
	}
	wg.Wait()
	if len(c.m) > 16 {
		t.Errorf("cache holds %d entries", len(c.m))
	}
}

func TestSigningKeyCacheIsBounded(t *testing.T) {
	v := NewVerifier(testKeyring(t))
	a := &authInfo{date: "20261122", service: ServiceCloudFront}
	var first []byte
	for i := range maxSigningKeys + 10 {
		a.region = "region-" + strconv.Itoa(i)
		k := v.signingKey(testCred, a)
		if i == 0 {
			first = k
		}
	}
	if n := len(v.signingKeys.m); n != maxSigningKeys {
		t.Errorf("signing key cache holds %d keys, want %d", n, maxSigningKeys)
	}
	a.region = "region-0"
	if string(v.signingKey(testCred, a)) != string(first) {
		t.Error("re-derived key differs")
	}
}
