package edge

import (
	"bytes"
	"sync"

	"github.com/edgefn/edgefn/edge/evloop"
)

// holdResponse takes a large body's bytes from the node's budget of
// responses held for viewers, until it is written: the edge holds a whole
// response (up to MaxOriginBodyBytes) while its viewer reads it, and a
// viewer reading slowly on many connections would otherwise hold as many
// responses as it has connections. With no room, the viewer gets 503
// (CloudFront's answer when an edge is out of capacity) and the bytes are
// let go at once. On an event loop the loop gives the bytes back once it has
// written the response (evloop.Exchange.Held); on the goroutine server the
// body becomes a stream that gives them back when fasthttp closes it, after
// writing it or when the response is reset.
func (s *Server) holdResponse(x *exchange) {
	resp := &x.ctx.Response
	if resp.IsBodyStream() {
		return // a file, read as it is written
	}
	n := int64(len(resp.Body()))
	if n <= evloop.LargeBytes {
		return // the common response never touches the budget
	}
	if !s.responses.TryAcquire(n) {
		s.metrics.responsesRefused.Inc()
		s.fail(x, failCapacity)
		return
	}
	if x.lx != nil {
		x.lx.Held = n
		return
	}
	body := resp.SwapBody(nil)
	resp.SetBodyStream(&heldBody{Reader: bytes.NewReader(body), give: func() { s.responses.Release(n) }}, len(body))
}

// heldBody is a held response's body on the goroutine server.
type heldBody struct {
	*bytes.Reader
	once sync.Once
	give func()
}

func (b *heldBody) Close() error {
	b.once.Do(b.give)
	return nil
}
