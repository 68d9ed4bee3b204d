package console

import (
	"fmt"
	"net/http"

	"github.com/edgefn/edgefn/api/cloudfront"
)

// errorPositionHeader carries, on the console's TestFunction answers, where
// in the code the run's error was thrown ("line:column").
const errorPositionHeader = "X-Edgefn-Error-Position"

// withErrorPosition serves TestFunction with the API's handler h and adds the
// position of the run's error in errorPositionHeader: the TestResult keeps
// FunctionErrorMessage as CloudFront words it, and the console shows the
// place beside it.
func withErrorPosition(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pos := &cloudfront.ErrorPosition{}
		h.ServeHTTP(&positionWriter{ResponseWriter: w, pos: pos}, r.WithContext(cloudfront.WithErrorPosition(r.Context(), pos)))
	})
}

// positionWriter sets the header when the handler starts its answer, by
// which time the run is over.
type positionWriter struct {
	http.ResponseWriter
	pos         *cloudfront.ErrorPosition
	wroteHeader bool
}

func (p *positionWriter) WriteHeader(code int) {
	if !p.wroteHeader && p.pos.Line > 0 {
		p.Header().Set(errorPositionHeader, fmt.Sprintf("%d:%d", p.pos.Line, p.pos.Column))
	}
	p.wroteHeader = true
	p.ResponseWriter.WriteHeader(code)
}

func (p *positionWriter) Write(b []byte) (int, error) {
	if !p.wroteHeader {
		p.WriteHeader(http.StatusOK)
	}
	return p.ResponseWriter.Write(b)
}
