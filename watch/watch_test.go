package watch

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// within bounds the waits; a change is normally seen in milliseconds.
const within = 20 * time.Second

func TestRun(t *testing.T) {
	dir := t.TempDir()
	watched, other, next := filepath.Join(dir, "fn.js"), filepath.Join(dir, "notes.txt"), filepath.Join(t.TempDir(), "next.js")
	for _, f := range []string{watched, other, next} {
		if err := os.WriteFile(f, []byte("v0"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var calls atomic.Int32
	changed := make(chan int32, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	w, err := Start([]string{watched}, func(err error) { t.Error(err) })
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		done <- w.Run(ctx, func() []string {
			changed <- calls.Add(1)
			return []string{watched, next} // the project now names another file
		})
	}()
	wait := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(within):
			t.Fatalf("no change seen for %s", what)
		}
	}
	// An unwatched file in the same directory: nothing.
	if err := os.WriteFile(other, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A save by rename over the file, in several events: one call.
	tmp := watched + ".tmp"
	if err := os.WriteFile(tmp, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, watched); err != nil {
		t.Fatal(err)
	}
	wait("a save by rename")
	time.Sleep(4 * Debounce)
	if n := calls.Load(); n != 1 {
		t.Errorf("%d calls for one save (and an unwatched file); want 1", n)
	}
	// The file the callback added is watched from then on.
	if err := os.WriteFile(next, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	wait("a file the callback added")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(within):
		t.Fatal("Run did not end with its context")
	}
}
