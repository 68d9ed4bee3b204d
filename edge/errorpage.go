package edge

import (
	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
)

// customErrorPage answers an error status with the distribution's
// CustomErrorResponse for it, when it names a page: the object at
// ResponsePagePath, fetched (and cached) through the behavior of that path
// like any other object, with ResponseCode. The SPA fallback, /index.html
// with 200 for 403 and 404, is the common case. It returns false, leaving
// the error as it is, when there is no such page or it cannot be had (an
// error of its own): the viewer then gets the original error.
func (s *Server) customErrorPage(x *exchange) bool {
	resp := &x.ctx.Response
	r := errorPage(x)
	if r == nil {
		return false
	}
	page := x.detached(r.ResponsePagePath, "", false)
	page.background = false
	page.ctx.Request.Header.SetMethod(fasthttp.MethodGet)
	page.ctx.Request.ResetBody()
	for _, name := range viewerConditionals {
		page.ctx.Request.Header.Del(name)
	}
	page.behavior = x.dist.Behavior(r.ResponsePagePath)
	rt := route{targets: []target{originTarget(page.behavior.Origin)}}
	if !page.behavior.Allows(fasthttp.MethodGet) || !s.respond(page, &rt, nil, nil) || page.ctx.Response.StatusCode() >= 400 {
		s.log.Debug("edge: custom error page not served", "request_id", x.id, "path", r.ResponsePagePath,
			"status", page.ctx.Response.StatusCode())
		return false
	}
	page.ctx.Response.CopyTo(resp)
	resp.SetStatusCode(r.ResponseCode)
	x.result, x.detail = resultError, resultError
	return true
}

// errorPage is the CustomErrorResponse with a page for the status of x's
// response, nil when there is none.
func errorPage(x *exchange) *edgefn.CustomErrorResponse {
	status := x.ctx.Response.StatusCode()
	if status < 400 {
		return nil
	}
	if r := x.dist.ErrorResponse(status); r != nil && r.ResponsePagePath != "" {
		return r
	}
	return nil
}
