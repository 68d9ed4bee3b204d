package edge

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/edgefn/edgefn/edge/replica"
	"github.com/edgefn/edgefn/runtime"
)

// logFunction writes a run's log as CloudFront frames it: a START line
// naming the distribution, the console.log lines, then END, each line with
// the request id. A failed run adds its error, at Warn, before END. END
// carries the run's duration and ComputeUtilization (res is nil for code
// that did not load), which `edgefn dev` shows per request.
func (s *Server) logFunction(x *exchange, f *replica.Function, eventType string, res *runtime.Result, err error) {
	ctx := context.Background()
	info := s.log.Enabled(ctx, slog.LevelInfo)
	if !info && err == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("log", "function"),
		slog.String("request_id", x.id),
		slog.String("distribution_id", x.dist.ID),
		slog.String("function", f.Name),
		slog.String("event_type", eventType),
	}
	if info {
		s.log.LogAttrs(ctx, slog.LevelInfo, "START DistributionID: "+x.dist.ID, attrs...)
		var lines []string
		if res != nil {
			lines = res.Logs
		}
		for _, line := range lines {
			s.log.LogAttrs(ctx, slog.LevelInfo, line, attrs...)
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
	if info {
		if res != nil {
			attrs = append(attrs, slog.Duration("duration", res.Duration), slog.Int("compute_utilization", res.ComputeUtilization))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "END", attrs...)
	}
}

// logAccess counts a finished request and writes its access line, with the
// fields of CloudFront's access logs that apply.
func (s *Server) logAccess(x *exchange) {
	resp := &x.ctx.Response
	status := resp.StatusCode()
	elapsed := time.Since(x.start)
	distID := ""
	if x.dist != nil {
		distID = x.dist.ID
	}
	s.metrics.request(distID, status, x.result)
	s.metrics.duration.Observe(elapsed.Seconds())
	ctx := context.Background()
	if !s.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	req := &x.ctx.Request
	// A streamed body (S3 files) is sent after this line: its length is
	// the declared one.
	size := resp.Header.ContentLength()
	if !resp.IsBodyStream() {
		size = len(resp.Body())
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "request",
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
