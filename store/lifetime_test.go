package store

import (
	"testing"
	"time"
)

// TestLifetime: End closes Done, waits for the watchers counted, starts no
// more, and reports the first call only.
func TestLifetime(t *testing.T) {
	var l Lifetime
	if l.Closed() || !l.AddWatcher() {
		t.Fatal("a new lifetime is closed")
	}
	ended := make(chan bool)
	go func() { ended <- l.End() }()
	<-l.Done()
	select {
	case <-ended:
		t.Fatal("End returned with a watcher running")
	case <-time.After(50 * time.Millisecond):
	}
	if l.AddWatcher() {
		t.Error("a watcher was counted while closing")
	}
	l.WatcherDone()
	if !<-ended {
		t.Error("the first End reported the lifetime closed already")
	}
	if l.End() || !l.Closed() {
		t.Error("a second End reported it ended the lifetime")
	}
}
