package api

import (
	"errors"
	"io"
	"net/http"

	"golang.org/x/sync/semaphore"

	"github.com/edgefn/edgefn"
)

// bodyBudget reads request bodies whole, as the signature check needs them,
// within a byte budget shared by every request in flight: however many
// uploads are held open, bodies hold at most the budget. A body takes its
// declared length from the budget before a byte is read (the most a chunked
// one may have, then what it turned out to be), and gives it back when its
// request ends.
type bodyBudget struct {
	sem *semaphore.Weighted
	max int64 // the largest body
}

func newBodyBudget(total, maxBody int64) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(total), max: maxBody}
}

// read returns r's body and the function that gives its bytes back to the
// budget, to be called once the request is done with the body (also on an
// error). A body over the limit is ErrTooLarge without reading it when its
// length is declared; no room in the budget is ErrUnavailable.
func (b *bodyBudget) read(w http.ResponseWriter, r *http.Request) ([]byte, func(), error) {
	held := int64(0)
	release := func() { b.sem.Release(held) }
	n := r.ContentLength
	if n > b.max {
		return nil, release, b.tooLarge()
	}
	if n < 0 {
		n = b.max
	}
	if !b.sem.TryAcquire(n) {
		return nil, release, edgefn.Errorf(edgefn.ErrUnavailable, edgefn.ResourceRequest,
			"The service is handling too many request bodies at once. Please try again later.")
	}
	held = n
	var buf []byte
	var err error
	if r.ContentLength >= 0 {
		buf = make([]byte, n)
		_, err = io.ReadFull(r.Body, buf)
	} else {
		buf, err = io.ReadAll(http.MaxBytesReader(w, r.Body, b.max))
		b.sem.Release(held - int64(len(buf)))
		held = int64(len(buf))
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, release, b.tooLarge()
	case err != nil:
		return nil, release, edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "Could not read the request body.")
	}
	return buf, release, nil
}

func (b *bodyBudget) tooLarge() error {
	return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRequest, "The request body exceeds %d bytes.", b.max)
}
