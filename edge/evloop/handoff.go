package evloop

import (
	"net"
	"sync"
)

// handoffListener is the net.Listener through which connections leave the
// loops for the goroutine server.
type handoffListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newHandoffListener() *handoffListener {
	return &handoffListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (h *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-h.conns:
		return c, nil
	case <-h.closed:
		return nil, net.ErrClosed
	}
}

func (h *handoffListener) Close() error {
	h.closeOnce.Do(func() { close(h.closed) })
	return nil
}

func (h *handoffListener) Addr() net.Addr { return &net.TCPAddr{} }

// deliver gives c to the goroutine server, or closes it when the server is
// gone.
func (h *handoffListener) deliver(c net.Conn) {
	select {
	case h.conns <- c:
	case <-h.closed:
		c.Close()
	}
}

// readAhead is a handed-off connection that first yields the bytes the loop
// read from it and did not use.
type readAhead struct {
	net.Conn
	pending []byte
}

func (c *readAhead) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
