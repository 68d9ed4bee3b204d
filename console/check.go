package console

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
)

type checkRequest struct {
	Code    string         `json:"code"`
	Runtime edgefn.Runtime `json:"runtime"`
}

type checkResponse struct {
	// Problems are every refusal with its position, for the editor; Message
	// is the one line the API would answer with.
	Problems []runtime.Problem `json:"problems"`
	Message  string            `json:"message,omitempty"`
}

// check compiles code as the runtime would, so that the editor shows the
// refusals at their line while one types, before anything is saved.
func (c *Console) check(w http.ResponseWriter, r *http.Request, _ *signedIn) {
	var req checkRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes)).Decode(&req); err != nil {
		writeJSONError(w, http.StatusBadRequest, "want {\"code\": ..., \"runtime\": ...}")
		return
	}
	if !req.Runtime.Valid() {
		writeJSONError(w, http.StatusBadRequest, "runtime must be cloudfront-js-1.0 or cloudfront-js-2.0")
		return
	}
	resp := checkResponse{Problems: []runtime.Problem{}}
	_, err := c.cfg.Compiler.Compile([]byte(req.Code), req.Runtime)
	var ce *runtime.CompileError
	switch {
	case errors.As(err, &ce):
		resp.Message = ce.Message
		resp.Problems = append(resp.Problems, ce.Problems...)
		if len(resp.Problems) == 0 {
			resp.Problems = append(resp.Problems, runtime.Problem{Line: max(ce.Line, 1), Column: 1, Message: ce.Message})
		}
	case err != nil:
		c.log.ErrorContext(r.Context(), "console: compile check", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the code could not be checked")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}
