package edge_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// Soak bounds: how long traffic flows, and at most how many requests each
// viewer sends in that time.
const (
	soakFor        = 5 * time.Second
	soakViewers    = 4
	soakMaxPerView = 200000
)

// TestSoak sends traffic while the function is republished and its KVS key
// rewritten. No request may fail, and every answer must come from a version
// that was published and a value that was written; for each viewer, sending
// one request after another, neither may ever go back.
func TestSoak(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	kvsARN := e.store("soak", map[string]string{"n": "0"})
	code := func(version int) string {
		return fmt.Sprintf(`import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const n = await kvs.get('n');
  event.request.headers['x-answer'] = {value: '%d-' + n};
  return event.request;
}`, version)
	}
	fn := e.function("soak", code(1), kvsARN)
	d := e.distribution("soak", behaviorFns(fn, ""), []types.Origin{web.customOrigin("")})

	deadline := time.Now().Add(soakFor)
	var (
		mu        sync.Mutex
		published = 1 // versions 1..published were published
		written   = 0 // values 0..written were written
		wg        sync.WaitGroup
	)
	wg.Add(2)
	go func() { // republish
		defer wg.Done()
		for v := 2; time.Now().Before(deadline); v++ {
			mu.Lock()
			published = v // before the publish: a request may see it as soon as it lands
			mu.Unlock()
			if _, err := e.publish("soak", code(v), kvsARN); err != nil {
				t.Errorf("publish %d: %v", v, err)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	go func() { // rewrite the key
		defer wg.Done()
		for n := 1; time.Now().Before(deadline); n++ {
			mu.Lock()
			written = n
			mu.Unlock()
			if err := e.tryPutKeys(kvsARN, map[string]string{"n": strconv.Itoa(n)}); err != nil {
				t.Errorf("put %d: %v", n, err)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()

	type seen struct{ requests, versions, values int }
	results := make([]seen, soakViewers)
	for i := range soakViewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lastV, lastN := 0, -1
			for n := 0; n < soakMaxPerView && time.Now().Before(deadline); n++ {
				r, err := e.try("GET", *d.DomainName, "/soak", "")
				if err != nil {
					t.Errorf("viewer %d request %d: %v", i, n, err)
					return
				}
				if r.status != 200 {
					t.Errorf("viewer %d request %d: status %d: %s", i, n, r.status, r.body)
					return
				}
				answer := originHeader(r.body, "X-Answer")
				vs, ns, ok := strings.Cut(answer, "-")
				v, verr := strconv.Atoi(vs)
				kv, nerr := strconv.Atoi(ns)
				mu.Lock()
				maxV, maxN := published, written
				mu.Unlock()
				switch {
				case !ok || verr != nil || nerr != nil:
					t.Errorf("viewer %d: answer %q", i, answer)
					return
				case v < lastV || kv < lastN:
					t.Errorf("viewer %d went back: %d-%d after %d-%d", i, v, kv, lastV, lastN)
					return
				case v < 1 || v > maxV || kv > maxN:
					t.Errorf("viewer %d: answer %s was never published or written (published %d, written %d)", i, answer, maxV, maxN)
					return
				}
				if v != lastV {
					results[i].versions++
				}
				if kv != lastN {
					results[i].values++
				}
				lastV, lastN = v, kv
				results[i].requests++
			}
		}()
	}
	wg.Wait()
	total := 0
	for i, r := range results {
		total += r.requests
		if r.versions < 2 || r.values < 2 {
			t.Errorf("viewer %d saw %d versions and %d values in %d requests: the changes did not reach it", i, r.versions, r.values, r.requests)
		}
	}
	t.Logf("%d requests; %d versions published, %d values written", total, published, written)
}

// originHeader reads one header of the origin echo in body.
func originHeader(body, name string) string {
	var got received
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		return ""
	}
	return got.Header.Get(name)
}
