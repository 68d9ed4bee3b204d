package cloudfront

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
)

// locationBase starts the Location of created resources, in the form AWS's own
// examples show; clients only display it.
const locationBase = "https://cloudfront.amazonaws.com/2020-05-31/"

func (h *Handler) createFunction(w http.ResponseWriter, r *http.Request, account string) error {
	req, err := decode[createFunctionRequest](r, h.limits)
	if err != nil {
		return err
	}
	fn, err := h.store.CreateFunction(r.Context(), account, *req.Name, req.config, req.code, req.Tags.tags()...)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", fn.ETag)
	w.Header().Set("Location", locationBase+"function/"+edgefn.FunctionARN(account, fn.Name))
	return writeXML(w, http.StatusCreated, "FunctionSummary", summary(fn))
}

func (h *Handler) describeFunction(w http.ResponseWriter, r *http.Request, account string) error {
	fn, err := h.getStage(r, account)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", fn.ETag)
	return writeXML(w, http.StatusOK, "FunctionSummary", summary(fn))
}

// getFunction answers with the code itself, not XML: the output's payload is the blob.
func (h *Handler) getFunction(w http.ResponseWriter, r *http.Request, account string) error {
	fn, err := h.getStage(r, account)
	if err != nil {
		return err
	}
	writeCode(w, fn)
	return nil
}

// writeCode answers GetFunction and GetConnectionFunction: the code as the body.
func writeCode(w http.ResponseWriter, fn *edgefn.Function) {
	w.Header().Set("ETag", fn.ETag)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(fn.Code)))
	w.Write(fn.Code)
}

// getStage reads the copy that the Name path and Stage query select.
func (h *Handler) getStage(r *http.Request, account string) (*edgefn.Function, error) {
	name, err := pathName(r, edgefn.ResourceFunction)
	if err != nil {
		return nil, err
	}
	stage, err := stageParam(r, edgefn.StageDevelopment)
	if err != nil {
		return nil, err
	}
	return h.store.GetFunction(r.Context(), account, name, stage)
}

// listFunctions lists every copy, DEVELOPMENT and LIVE, unless Stage picks one.
func (h *Handler) listFunctions(w http.ResponseWriter, r *http.Request, account string) error {
	p, err := pageParams(r, edgefn.ResourceFunction)
	if err != nil {
		return err
	}
	stage, err := stageParam(r, "")
	if err != nil {
		return err
	}
	fns, next, err := h.store.ListFunctions(r.Context(), account, stage, p.marker, p.maxItems)
	if err != nil {
		return err
	}
	entries := make([]functionSummaryXML, len(fns))
	for i, fn := range fns {
		entries[i] = summary(fn)
	}
	return writeXML(w, http.StatusOK, "FunctionList", newList(entries, p.maxItems, next))
}

func (h *Handler) updateFunction(w http.ResponseWriter, r *http.Request, account string) error {
	name, etag, err := pathNameIfMatch(r, edgefn.ResourceFunction)
	if err != nil {
		return err
	}
	req, err := decode[updateFunctionRequest](r, h.limits)
	if err != nil {
		return err
	}
	fn, err := h.store.UpdateFunction(r.Context(), account, name, etag, req.config, req.code)
	if err != nil {
		return err
	}
	// The model binds this output's ETag to a header named "ETtag"; every SDK
	// reads that spelling, people read the right one.
	w.Header().Set("ETag", fn.ETag)
	w.Header().Set("ETtag", fn.ETag)
	return writeXML(w, http.StatusOK, "FunctionSummary", summary(fn))
}

// publishFunction copies DEVELOPMENT to LIVE. This is where the runtime's
// feature gate bites: Create and Update store code that the runtime refuses to
// load (AWS does too, and TestFunction reports the load error as the
// FunctionErrorMessage), but Publish compiles the DEVELOPMENT code first and
// refuses it with InvalidArgument carrying the compile message, so refused code
// never reaches LIVE and the edge. The code compiled is the code published: the
// store publishes only while If-Match is still the ETag of the copy compiled.
func (h *Handler) publishFunction(w http.ResponseWriter, r *http.Request, account string) error {
	name, etag, err := pathNameIfMatch(r, edgefn.ResourceFunction)
	if err != nil {
		return err
	}
	dev, err := h.store.GetFunction(r.Context(), account, name, edgefn.StageDevelopment)
	if err != nil {
		return err
	}
	if err := matchETag(edgefn.ResourceFunction, etag, dev.ETag); err != nil {
		return err
	}
	if _, err := h.compile(dev); err != nil {
		var ce *runtime.CompileError
		if errors.As(err, &ce) {
			return invalid(edgefn.ResourceFunction, "The function code cannot be published: %s", ce.Message)
		}
		return err
	}
	live, err := h.store.PublishFunction(r.Context(), account, name, etag)
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, "FunctionSummary", summary(live))
}

func (h *Handler) deleteFunction(w http.ResponseWriter, r *http.Request, account string) error {
	name, etag, err := pathNameIfMatch(r, edgefn.ResourceFunction)
	if err != nil {
		return err
	}
	if err := h.store.DeleteFunction(r.Context(), account, name, etag); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
