package console

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/edgefn/edgefn/api/sigv4"
)

// forward serves an API call of the console's front-end with the API's own
// handler, under the signed-in account: the front-end speaks the AWS wire
// protocols (REST-XML for CloudFront, REST-JSON for the data plane), so every
// rule, ETag check and error is the API's.
func (c *Console) forward(prefix, service string, h http.Handler) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, who *signedIn) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeJSONError(w, http.StatusRequestEntityTooLarge, "request body too large")
				return
			}
			writeJSONError(w, http.StatusBadRequest, "could not read the request body")
			return
		}
		id := &sigv4.Identity{AccessKeyID: who.cred.AccessKeyID, AccountID: who.cred.AccountID, Service: service, Algorithm: "console-session"}
		r2 := r.Clone(sigv4.WithIdentity(r.Context(), id))
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		r2.URL.RawPath = strings.TrimPrefix(r.URL.RawPath, prefix)
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
		// The session cookie is the console's, not the API's business.
		r2.Header.Del("Cookie")
		r2.Header.Del("X-CSRF-Token")
		h.ServeHTTP(w, r2)
		c.log.DebugContext(r.Context(), "console: api call", "method", r.Method, "path", r2.URL.Path, "account_id", who.cred.AccountID)
	}
}
