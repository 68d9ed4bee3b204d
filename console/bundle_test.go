package console

import (
	"bytes"
	"os"
	"testing"

	"github.com/edgefn/edgefn/console/internal/webbuild"
)

// TestBundleMatchesSources rebuilds the front-end and compares it with the
// committed assets/app.js: a change under web/ without `go generate` fails
// here. It needs web/node_modules (scripts/install-test-deps runs npm ci).
func TestBundleMatchesSources(t *testing.T) {
	if _, err := os.Stat("web/node_modules"); err != nil {
		t.Fatalf("web/node_modules is missing: run scripts/install-test-deps (npm ci in console/web): %v", err)
	}
	fresh, err := webbuild.Build("web")
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Fatalf("assets/app.js (%d bytes) is not what web/ builds to (%d bytes): run `go generate ./console`", len(committed), len(fresh))
	}
}
