package edge

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/edge/accesslog"
	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/runtime"
)

// logFunction writes a run's log as CloudFront frames it: a START line
// naming the distribution, the console.log lines, then END, each line with
// the request id. A failed run adds its error, at Warn, before END. END
// carries the run's duration and ComputeUtilization (res is nil for code
// that did not load), which `edgefn dev` shows per request. A run that
// logged nothing and did not fail is framed at Debug: three Info lines for
// every request cost the edge a third of its throughput, and say nothing the
// access log does not.
func (s *Server) logFunction(x *exchange, f *replica.Function, eventType string, res *runtime.Result, err error) {
	ctx := context.Background()
	var lines []string
	if res != nil {
		lines = res.Logs
	}
	level := slog.LevelDebug
	if err != nil || len(lines) > 0 {
		level = slog.LevelInfo
	}
	framed := s.log.Enabled(ctx, level)
	if !framed && err == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("log", "function"),
		slog.String("request_id", x.id),
		slog.String("distribution_id", x.dist.ID),
		slog.String("function", f.Name),
		slog.String("event_type", eventType),
	}
	if framed {
		s.log.LogAttrs(ctx, level, "START DistributionID: "+x.dist.ID, attrs...)
		for _, line := range lines {
			s.log.LogAttrs(ctx, level, line, attrs...)
		}
	}
	if err != nil {
		errAttrs := attrs
		if ee, ok := errors.AsType[*runtime.ExecutionError](err); ok && ee.Line > 0 {
			// Where in the code; the message stays CloudFront's.
			errAttrs = append(slices.Clip(attrs), slog.Int("line", ee.Line), slog.Int("column", ee.Column))
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, "ERROR "+err.Error(), errAttrs...)
	}
	if framed {
		if res != nil {
			attrs = append(attrs, slog.Duration("duration", res.Duration), slog.Int("compute_utilization", res.ComputeUtilization))
		}
		s.log.LogAttrs(ctx, level, "END", attrs...)
	}
}

// logAccess counts a finished request, writes its line to the
// distribution's access logs when it enables them, and its access line to
// the edge's log at Debug (every request at Info halved the edge's
// throughput; `edgefn dev` shows them).
func (s *Server) logAccess(x *exchange) {
	resp := &x.ctx.Response
	status := resp.StatusCode()
	if x.viewerGone {
		status = 0 // "000" in the logs and metrics
	}
	now := time.Now()
	elapsed := now.Sub(x.start)
	distID := ""
	if x.dist != nil {
		distID = x.dist.ID
	}
	s.metrics.request(distID, status, x.result)
	s.metrics.duration.observe(elapsed.Seconds())
	// A streamed body (S3 files) is sent after this line: its length is
	// the declared one.
	size := resp.Header.ContentLength()
	if !resp.IsBodyStream() {
		size = len(resp.Body())
	}
	if x.dist != nil && x.dist.Logging != nil && s.cfg.AccessLogs != nil {
		s.writeAccessLog(x, x.dist.Logging, now, elapsed, status, size)
	}
	ctx := context.Background()
	if !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	req := &x.ctx.Request
	s.log.LogAttrs(ctx, slog.LevelDebug, "request",
		slog.String("log", "access"),
		slog.String("request_id", x.id),
		slog.String("distribution_id", distID),
		slog.String("x_edge_location", s.cfg.Location),
		slog.String("c_ip", x.viewerIP()),
		slog.String("c_connection_id", connectionID(x.ctx)),
		slog.String("cs_host", string(req.Header.Host())),
		slog.String("cs_method", string(req.Header.Method())),
		slog.String("cs_uri_stem", x.uri),
		slog.String("cs_uri_query", x.query),
		slog.Int("sc_status", status),
		slog.Int("sc_bytes", size),
		slog.Float64("time_taken", elapsed.Seconds()),
		slog.String("cs_user_agent", string(req.Header.UserAgent())),
		slog.String("x_edge_result_type", x.result),
		slog.String("x_edge_response_result_type", x.result),
		slog.String("x_edge_detailed_result_type", x.detail),
		slog.String("viewer_request_log_data", x.requestLogData),
		slog.String("viewer_response_log_data", x.responseLogData),
	)
}

// writeAccessLog writes the request's line of the distribution's standard
// access log (see accesslog.Entry for what each field holds).
func (s *Server) writeAccessLog(x *exchange, l *edgefn.Logging, now time.Time, elapsed time.Duration, status, size int) {
	req, resp := &x.ctx.Request, &x.ctx.Response
	buf, _ := s.logLines.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer s.logLines.Put(buf)
	// The response's head as fasthttp writes it, for sc-bytes.
	*buf = resp.Header.AppendBytes((*buf)[:0])
	head := len(*buf)
	// Never read a streamed request body here: its declared length.
	reqBody := req.Header.ContentLength()
	if !req.IsBodyStream() {
		reqBody = len(req.Body())
	}
	h := &req.Header
	e := accesslog.Entry{
		Time:            now,
		Location:        s.cfg.Location,
		SCBytes:         head + max(size, 0),
		CSBytes:         len(h.Method()) + len(h.RequestURI()) + len(h.Protocol()) + 4 + len(h.RawHeaders()) + max(reqBody, 0),
		ClientIP:        x.viewerIP(),
		Method:          h.Method(),
		Host:            x.dist.DomainName,
		HostHeader:      h.Host(),
		URIStem:         x.uri,
		Query:           x.query,
		Status:          status,
		Referer:         h.Referer(),
		UserAgent:       h.UserAgent(),
		Result:          x.result,
		Detail:          x.detail,
		RequestID:       x.id,
		TLS:             x.ctx.TLSConnectionState(),
		TimeTaken:       elapsed,
		TimeToFirstByte: elapsed,
		ForwardedFor:    h.Peek(fasthttp.HeaderXForwardedFor),
		ProtocolVersion: h.Protocol(),
		ContentType:     resp.Header.ContentType(),
		ContentLength:   size,
		ContentRange:    resp.Header.Peek(fasthttp.HeaderContentRange),
	}
	if a, ok := x.ctx.RemoteAddr().(*net.TCPAddr); ok {
		e.ClientPort = a.Port
	}
	if l.IncludeCookies {
		e.Cookie = bytes.Join(h.PeekAll(fasthttp.HeaderCookie), []byte("; "))
	}
	*buf = accesslog.AppendLine((*buf)[:0], &e)
	s.cfg.AccessLogs.Write(accesslog.Destination{Bucket: l.Bucket, Prefix: l.Prefix, Distribution: x.dist.ID}, now, *buf)
}
