package store

import "sync"

// Lifetime is what every Backend needs to close: whether it is closed, and
// the watchers it runs, so that Close ends them and waits for them, and a
// closed backend starts no more. Backends hold one; the zero value is open.
type Lifetime struct {
	once     sync.Once
	done     chan struct{}
	mu       sync.Mutex
	closed   bool
	watchers sync.WaitGroup
}

// Done is closed when End begins: watchers stop on it.
func (l *Lifetime) Done() <-chan struct{} {
	l.once.Do(func() { l.done = make(chan struct{}) })
	return l.done
}

// Closed reports whether End has been called.
func (l *Lifetime) Closed() bool {
	select {
	case <-l.Done():
		return true
	default:
		return false
	}
}

// AddWatcher counts a watcher about to start, unless the backend is closed
// (false). A watcher counted calls WatcherDone when it ends.
func (l *Lifetime) AddWatcher() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.watchers.Add(1)
	return true
}

// WatcherDone ends a watcher AddWatcher counted.
func (l *Lifetime) WatcherDone() { l.watchers.Done() }

// End closes Done and waits for the watchers to end. It reports false when
// the backend was closed already: the caller releases its resources once.
func (l *Lifetime) End() bool {
	l.Done() // makes the channel
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.closed = true
	close(l.done)
	l.mu.Unlock()
	l.watchers.Wait()
	return true
}
