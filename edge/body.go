package edge

import (
	"errors"
	"io"

	"github.com/valyala/fasthttp"
)

// Viewers' request bodies are never held whole. The server streams them
// (fasthttp's StreamRequestBody): the handler runs once the head and at most
// 8 KiB of the body are in, so whatever the head decides (an unknown Host, a
// method the behavior refuses, a function's own response, an error page) is
// answered without reading the body, and fasthttp then closes a connection
// whose unread rest is more than it will discard. A body for an origin is
// copied to it as it arrives. What one request holds is the read-ahead
// fasthttp already keeps per connection, whatever the body's declared size.

// smallBody is the largest body read into memory before the origin is
// called: the bytes fasthttp has read ahead with the head. Such a body can
// be sent again (fasthttp's connection attempts, an origin group's failover);
// a larger or chunked one streams and goes to one origin, once.
const smallBody = 8 << 10

var errBodyTooLarge = errors.New("edge: the request body is larger than the edge accepts")

// viewerBody is a streamed body on its way to an origin. It counts what it
// read and keeps the viewer's own failures (a broken or stalled upload, one
// over the limit) apart from the origin's, which they would otherwise be
// reported as.
type viewerBody struct {
	r     io.Reader
	limit int
	n     int
	err   error
}

func (b *viewerBody) Read(p []byte) (int, error) {
	// fasthttp's chunked writer sends what a Read returned with an error and
	// reads on, so a failure is reported alone, and for good.
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	b.n += n
	switch {
	case b.n > b.limit:
		b.err = errBodyTooLarge
		return 0, b.err
	case err != nil && err != io.EOF:
		b.err = err
		if n == 0 {
			return 0, err
		}
		return n, nil
	}
	return n, err
}

// declaredTooLarge reports whether the request's Content-Length is over the
// limit: refused before a byte of the body is read.
func (s *Server) declaredTooLarge(ctx *fasthttp.RequestCtx) bool {
	return ctx.Request.Header.ContentLength() > s.cfg.MaxBodyBytes
}

// readBody gets the viewer's body ready for the origin request: none, small
// and read, or streamed (x.streamed). It returns false when reading it
// failed, which is the viewer's failure, not the origin's.
func (s *Server) readBody(x *exchange) (failure, bool) {
	n := x.ctx.Request.Header.ContentLength()
	stream := x.ctx.RequestBodyStream()
	switch {
	case n == 0 || n == -2: // -2: neither Content-Length nor chunked
		x.small = x.small[:0]
	case stream == nil:
		// Read whole already: the event loop's bodies.
		x.small = append(x.small[:0], x.ctx.Request.Body()...)
	case n > 0 && n <= smallBody:
		if cap(x.small) < n {
			x.small = make([]byte, n)
		}
		x.small = x.small[:n]
		if _, err := io.ReadFull(stream, x.small); err != nil {
			return viewerFailure(err), false
		}
	default:
		x.body, x.streamed = viewerBody{r: stream, limit: s.cfg.MaxBodyBytes}, true
	}
	return failure{}, true
}

// setBody gives the origin request the body readBody prepared.
func (x *exchange) setBody(req *fasthttp.Request) {
	if x.streamed {
		req.SetBodyStream(&x.body, x.ctx.Request.Header.ContentLength())
		return
	}
	req.SetBodyRaw(x.small)
}

// replayable reports whether the body can go to another origin: it is not
// streamed, or not a byte of it has been read yet.
func (x *exchange) replayable() bool { return !x.streamed || x.body.n == 0 }

// viewerFailure is the answer to a request whose reading failed.
func viewerFailure(err error) failure {
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.As(err, &small), errors.Is(err, fasthttp.ErrBodyTooLarge), errors.Is(err, errBodyTooLarge):
		return failTooLarge
	case isTimeout(err):
		return failTimeout
	}
	return failMalformed
}

// isTimeout reports whether err says it is a timeout: a net.Error's, or
// fasthttp.ErrTimeout (the event loop's and the origin client's), which is
// no net.Error (it has no Temporary method).
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
