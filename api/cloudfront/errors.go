package cloudfront

import (
	"net/http"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/awserror"
)

// fail sends err as a CloudFront error response. Server faults are logged;
// their text never reaches the client (awserror hides it).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := awserror.CloudFront(err)
	id := w.Header().Get(requestIDHeader)
	if code.Fault() {
		h.log.ErrorContext(r.Context(), "cloudfront request failed",
			"method", r.Method, "path", r.URL.Path, "code", code.Name, "request_id", id, "err", err)
	}
	awserror.WriteXML(w, id, code, msg)
}

// malformed is a request document that cannot be read (MalformedXML).
func malformed(format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, format, args...)
}

// invalid is a well-formed request with a value CloudFront refuses (InvalidArgument).
func invalid(res edgefn.Resource, format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, res, format, args...)
}
