package cloudfront

import (
	"net/http"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/awserror"
)

// errorXML is the body of <ErrorResponse>; the SDKs read Error/Code,
// Error/Message and RequestId and raise the exception named by Code.
type errorXML struct {
	Error struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// fail sends err as a CloudFront error response. Server faults are logged;
// their text never reaches the client (awserror hides it).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := awserror.CloudFront(err)
	var body errorXML
	body.Error.Type, body.Error.Code, body.Error.Message = "Sender", code.Name, msg
	body.RequestID = w.Header().Get(requestIDHeader)
	if code.Fault() {
		body.Error.Type = "Receiver"
		h.log.ErrorContext(r.Context(), "cloudfront request failed",
			"method", r.Method, "path", r.URL.Path, "code", code.Name, "request_id", body.RequestID, "err", err)
	}
	if err := writeXML(w, code.Status, "ErrorResponse", &body); err != nil {
		h.log.ErrorContext(r.Context(), "cloudfront error response", "err", err)
	}
}

// malformed is a request document that cannot be read (MalformedXML).
func malformed(format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, format, args...)
}

// invalid is a well-formed request with a value CloudFront refuses (InvalidArgument).
func invalid(res edgefn.Resource, format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, res, format, args...)
}
