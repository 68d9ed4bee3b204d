package dev

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgefn/edgefn/project"
)

// BenchmarkSwap measures a save's way to the viewers without the watcher's
// debounce: the reload (compile, update, publish through the store) and the
// replica's swap, until a request is answered by the new code. The goal is
// under 200 ms with the 40 ms debounce; on an idle core it is a few ms.
func BenchmarkSwap(b *testing.B) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Seen", r.Header.Get("X-Version"))
	}))
	defer origin.Close()
	dir := b.TempDir()
	fn := filepath.Join(dir, "fn.js")
	version := func(n int) {
		code := fmt.Sprintf("function handler(e) { e.request.headers['x-version'] = {value: '%d'}; return e.request; }", n)
		if err := os.WriteFile(fn, []byte(code), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	version(0)
	if err := os.WriteFile(filepath.Join(dir, "edgefn.yaml"), []byte("origin: "+origin.URL+"\nfunctions:\n  f:\n    code: fn.js\nbehaviors:\n  - path: '*'\n    viewer-request: f\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	srv, err := Start(ctx, Config{Load: func() (*project.Project, error) { return project.Load(filepath.Join(dir, "edgefn.yaml")) }, Addr: "127.0.0.1:0", Out: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	seen := func() string {
		resp, err := http.Get(srv.URL() + "/")
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Seen")
	}
	b.ResetTimer()
	for i := 1; i <= b.N; i++ {
		version(i)
		if err := srv.Reload(ctx); err != nil {
			b.Fatal(err)
		}
		want := fmt.Sprint(i)
		for start := time.Now(); seen() != want; {
			if time.Since(start) > 10*time.Second {
				b.Fatalf("version %d not served after 10s", i)
			}
		}
	}
}
