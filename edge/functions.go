package edge

import (
	"context"
	"errors"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// event is the event of a function run for this exchange; resp is set
// for viewer-response.
func (x *exchange) event(eventType string, req event.Request, resp *event.Response) *event.Event {
	ev := &x.requestEvent
	if eventType == event.ViewerResponse {
		ev = &x.responseEvent
	}
	*ev = event.Event{
		Version: "1.0",
		Context: event.Context{
			DistributionDomainName: x.dist.DomainName,
			DistributionID:         x.dist.ID,
			EventType:              eventType,
			RequestID:              x.id,
		},
		Viewer:   event.Viewer{IP: x.viewerIP()},
		Request:  req,
		Response: resp,
	}
	return ev
}

// viewerRequest is event.request for the viewer's request as it came.
func (x *exchange) viewerRequest() event.Request {
	return withCertHeaders(x, eventRequest(&x.ctx.Request.Header, x.uri, x.query, x.hasQuery))
}

// run runs a function and checks its result. On any failure it has answered
// the viewer (503 or 502) and returns nil.
func (s *Server) run(x *exchange, f *replica.Function, ev *event.Event) *runtime.Result {
	m := s.metrics.function(x.dist.ID, f.Name)
	if f.Err != nil {
		// Code that does not load: CloudFront counts it as a throttle.
		m.throttles.Inc()
		s.logFunction(x, f, ev.Context.EventType, nil, f.Err)
		s.fail(x, failFunctionThrottled)
		return nil
	}
	// The request's context is not the run's: fasthttp cancels it when the
	// server shuts down, and a run in flight should finish all the same.
	ctx := x.runCtx
	if ctx == nil {
		ctx = context.Background()
	}
	res := f.Program.Run(ctx, ev, f.KVS)
	noteRun(f.Runs, res)
	if ee, ok := res.Err.(*runtime.ExecutionError); ok && ee.Throttled {
		// Refused without running (a function that keeps hitting its limits):
		// not an invocation. The answer waits throttlePause, so that viewers
		// looping on a throttled function cost the node next to nothing.
		m.throttles.Inc()
		s.logFunction(x, f, ev.Context.EventType, res, res.Err)
		time.Sleep(throttlePause)
		s.fail(x, failFunctionThrottled)
		return nil
	}
	m.runs.observe(float64(res.ComputeUtilization))
	if ev.Context.EventType == event.ViewerRequest {
		x.requestLogData = res.CustomLogData
	} else {
		x.responseLogData = res.CustomLogData
	}
	err := res.Err
	if err == nil {
		err = event.Validate(ev, res.Output)
	}
	s.logFunction(x, f, ev.Context.EventType, res, err)
	if err == nil {
		return res
	}
	// errors.AsType, unlike errors.As, needs no target on the heap.
	ee, _ := errors.AsType[*runtime.ExecutionError](err)
	_, badOutput := errors.AsType[*runtime.OutputError](err)
	_, invalid := errors.AsType[*event.ValidationError](err)
	switch {
	case ee != nil && ee.Timeout:
		m.throttles.Inc()
		s.fail(x, failFunctionThrottled)
	case badOutput || invalid:
		m.validationErrors.Inc()
		s.fail(x, failFunctionValidation)
	default:
		m.executionErrors.Inc()
		s.fail(x, failFunctionExecution)
	}
	return nil
}

// refused answers a function result the edge cannot act on (a bad origin
// change, a body that does not decode) as CloudFront does: 502.
func (s *Server) refused(x *exchange, f *replica.Function, err error) {
	s.metrics.function(x.dist.ID, f.Name).validationErrors.Inc()
	s.log.Warn("edge: function result refused", "request_id", x.id, "distribution_id", x.dist.ID, "function", f.Name, "err", err)
	s.fail(x, failFunctionValidation)
}

// generated answers with the response a viewer-request function made.
func (s *Server) generated(x *exchange, out *event.Response) {
	if err := writeGenerated(&x.ctx.Response, out); err != nil {
		s.refused(x, x.behavior.ViewerRequest, err)
		return
	}
	x.result, x.detail = resultGenerated, resultGenerated
	x.ctx.Response.Header.Set(fasthttp.HeaderVia, x.viaValue(nil))
	s.responseHeaders(x)
	s.edgeHeaders(x)
}

// sentRequest is the request a viewer-request function returned (out, for
// orig) as the edge sends it: RawQuery and HasQuery are the query string on
// the wire (§2.6), and a query the function assigned as a string is parsed
// into Querystring, so the viewer-response event shows, and
// rawQueryString() returns, what the origin was asked. It changes out, which
// is the run's result and the edge's to use.
func sentRequest(orig, out *event.Request) *event.Request {
	out.RawQuery, out.HasQuery = event.WireQuery(orig, out)
	if out.QuerystringString != nil {
		out.Querystring, out.QuerystringString = event.ParseQuery(out.RawQuery), nil
	}
	return out
}

// viewerResponse runs the viewer-response function on the origin's answer;
// its event's request is the one sent on (out, from sentRequest, or the
// viewer's). It returns false when it has answered the viewer with an error.
func (s *Server) viewerResponse(x *exchange, f *replica.Function, out *event.Request) bool {
	var req event.Request
	if out != nil {
		req = *out
	} else {
		req = x.viewerRequest()
	}
	ev := x.event(event.ViewerResponse, req, eventResponse(&x.ctx.Response))
	res := s.run(x, f, ev)
	if res == nil {
		return false
	}
	if err := writeResponse(&x.ctx.Response, ev.Response, res.Output.Response); err != nil {
		s.refused(x, f, err)
		return false
	}
	return true
}
