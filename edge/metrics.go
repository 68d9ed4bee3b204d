package edge

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/edgefn/edgefn/edge/accesslog"
)

// metrics are CloudFront's function metrics (FunctionInvocations,
// FunctionValidationErrors, FunctionExecutionErrors,
// FunctionComputeUtilization, FunctionThrottles) per distribution and
// function, and the edge's request counts.
type metrics struct {
	validationErrors *prometheus.CounterVec
	executionErrors  *prometheus.CounterVec
	throttles        *prometheus.CounterVec
	// The metrics of every request, striped (see striped.go): the
	// requests by distribution, status and result (reqs), their duration,
	// and each function's runs by compute utilization (fns), whose count
	// is its invocations.
	duration                         *stripedHistogram
	invocationsDesc, utilizationDesc *prometheus.Desc
	requestsDesc, durationDesc       *prometheus.Desc
	// mtls counts the handshakes of distributions with viewer mTLS or a
	// connection function, by outcome.
	mtls *prometheus.CounterVec
	// caches are the cache statistics by distribution id (*cacheStats);
	// uncounted takes those of the edge's own requests.
	caches    sync.Map
	uncounted cacheStats
	// loopOffloads counts the requests the event loops hand to goroutines,
	// by reason.
	loopOffloads struct{ slowFunction, origin, cache prometheus.Counter }
	// responsesRefused counts the large responses refused for want of
	// room in Config.ResponseMemory (see holdResponse).
	responsesRefused prometheus.Counter
	// fns holds each function's metrics per distribution: looking up
	// labelled series on every run is a measurable share of it.
	fns sync.Map // fnKey -> *fnMetrics
	// reqs holds the request counters the same way.
	reqs sync.Map // reqKey -> *stripedCounter
}

// cacheStats are one distribution's cache lookups by outcome, and the body
// bytes served from the cache.
type cacheStats struct {
	hits, refreshHits, misses, hitBytes atomic.Uint64
}

// cache returns the cache statistics of a distribution.
func (m *metrics) cache(distribution string) *cacheStats {
	if st, ok := m.caches.Load(distribution); ok {
		return st.(*cacheStats)
	}
	st, _ := m.caches.LoadOrStore(distribution, new(cacheStats))
	return st.(*cacheStats)
}

// cacheCollector exposes the cache statistics of every distribution: the
// counters are atomics on the request path, read only when scraped.
type cacheCollector struct {
	m                         *metrics
	requests, bytes, hitRatio *prometheus.Desc
}

func newCacheCollector(m *metrics) *cacheCollector {
	dist := []string{"distribution_id"}
	return &cacheCollector{
		m: m,
		requests: prometheus.NewDesc("edgefn_edge_cache_requests_total",
			"Cacheable viewer requests by distribution and outcome: Hit, RefreshHit (stale, confirmed by the origin) or Miss.",
			[]string{"distribution_id", "result_type"}, nil),
		bytes: prometheus.NewDesc("edgefn_edge_cache_hit_bytes_total",
			"Body bytes served from the cache, by distribution.", dist, nil),
		hitRatio: prometheus.NewDesc("edgefn_edge_cache_hit_ratio",
			"Hits and refresh hits over cacheable requests since the edge started, by distribution.", dist, nil),
	}
}

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.bytes
	ch <- c.hitRatio
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.caches.Range(func(k, v any) bool {
		id, st := k.(string), v.(*cacheStats)
		hits, refresh, misses := float64(st.hits.Load()), float64(st.refreshHits.Load()), float64(st.misses.Load())
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, hits, id, resultHit)
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, refresh, id, resultRefreshHit)
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, misses, id, resultMiss)
		ch <- prometheus.MustNewConstMetric(c.bytes, prometheus.CounterValue, float64(st.hitBytes.Load()), id)
		if total := hits + refresh + misses; total > 0 {
			ch <- prometheus.MustNewConstMetric(c.hitRatio, prometheus.GaugeValue, (hits+refresh)/total, id)
		}
		return true
	})
}

type reqKey struct {
	distribution string
	status       int
	result       string
}

// request counts a finished viewer request.
func (m *metrics) request(distribution string, status int, result string) {
	k := reqKey{distribution, status, result}
	c, ok := m.reqs.Load(k)
	if !ok {
		c, _ = m.reqs.LoadOrStore(k, new(stripedCounter))
	}
	c.(*stripedCounter).inc()
}

// handshakes is the counter of one handshake outcome of a distribution.
func (m *metrics) handshakes(distribution, outcome string) prometheus.Counter {
	return m.mtls.WithLabelValues(distribution, outcome)
}

type fnKey struct{ distribution, function string }

// fnMetrics are one function's metrics in one distribution.
type fnMetrics struct {
	validationErrors, executionErrors, throttles prometheus.Counter
	// runs are the runs by compute utilization; their count is the
	// invocations.
	runs *stripedHistogram
}

// utilizationBuckets are FunctionComputeUtilization's buckets (percent).
var utilizationBuckets = prometheus.LinearBuckets(10, 10, 10)

func (m *metrics) function(distribution, function string) *fnMetrics {
	k := fnKey{distribution, function}
	if v, ok := m.fns.Load(k); ok {
		return v.(*fnMetrics)
	}
	v, _ := m.fns.LoadOrStore(k, &fnMetrics{
		validationErrors: m.validationErrors.WithLabelValues(distribution, function),
		executionErrors:  m.executionErrors.WithLabelValues(distribution, function),
		throttles:        m.throttles.WithLabelValues(distribution, function),
		runs:             newStripedHistogram(utilizationBuckets),
	})
	return v.(*fnMetrics)
}

// stripedCollector exposes the striped metrics, summed when scraped.
type stripedCollector struct{ m *metrics }

func (c stripedCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.m.invocationsDesc
	ch <- c.m.utilizationDesc
	ch <- c.m.requestsDesc
	ch <- c.m.durationDesc
}

func (c stripedCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.m
	m.fns.Range(func(k, v any) bool {
		key, runs := k.(fnKey), v.(*fnMetrics).runs
		ch <- prometheus.MustNewConstMetric(m.invocationsDesc, prometheus.CounterValue, float64(runs.count()), key.distribution, key.function)
		ch <- runs.metric(m.utilizationDesc, key.distribution, key.function)
		return true
	})
	m.reqs.Range(func(k, v any) bool {
		key := k.(reqKey)
		// The status as the access logs write it (000: the viewer left).
		code := string(accesslog.AppendStatus(nil, key.status))
		ch <- prometheus.MustNewConstMetric(m.requestsDesc, prometheus.CounterValue, float64(v.(*stripedCounter).value()), key.distribution, code, key.result)
		return true
	})
	ch <- m.duration.metric(m.durationDesc)
}

// newMetrics registers the metrics with reg; with a nil reg they are
// counted and never exposed. cacheSize reports the bytes the cache holds
// (nil: there is no cache).
func newMetrics(reg prometheus.Registerer, cacheSize func() float64) (*metrics, error) {
	fn := []string{"distribution_id", "function_name"}
	m := &metrics{
		invocationsDesc: prometheus.NewDesc("edgefn_function_invocations_total",
			"Function runs at the edge (FunctionInvocations).", fn, nil),
		utilizationDesc: prometheus.NewDesc("edgefn_function_compute_utilization",
			"Run time as a percentage of the compute budget (FunctionComputeUtilization).", fn, nil),
		requestsDesc: prometheus.NewDesc("edgefn_edge_requests_total",
			"Viewer requests by distribution, status code and x-edge-result-type.", []string{"distribution_id", "status", "result_type"}, nil),
		durationDesc: prometheus.NewDesc("edgefn_edge_request_duration_seconds",
			"Time from a viewer request's arrival to its response being ready.", nil, nil),
		duration: newStripedHistogram(prometheus.ExponentialBuckets(0.0001, 2.5, 12)),
		validationErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgefn_function_validation_errors_total",
			Help: "Function results the edge refused; the viewer got 502 (FunctionValidationErrors).",
		}, fn),
		executionErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgefn_function_execution_errors_total",
			Help: "Functions that threw or could not run; the viewer got 503 (FunctionExecutionErrors).",
		}, fn),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgefn_function_throttles_total",
			Help: "Function runs stopped at the time limit, or refused because the code does not compile (FunctionThrottles).",
		}, fn),
		mtls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "edgefn_edge_mtls_handshakes_total",
			Help: "TLS handshakes of distributions with viewer mTLS or a connection function: allowed, certificate_refused or denied (by the connection function).",
		}, []string{"distribution_id", "outcome"}),
	}
	offloads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "edgefn_edge_loop_offloads_total",
		Help: "Requests the event loops (plain HTTP on Linux) handed to goroutines: slow_function (a function found slow), origin (S3, HTTPS, origin groups, custom error pages, a full origin pool), cache (a cached behavior's request the cache cannot answer at once: a miss, a stale object, a fill under way; or a cached error with a custom error page).",
	}, []string{"reason"})
	m.loopOffloads.slowFunction = offloads.WithLabelValues("slow_function")
	m.loopOffloads.origin = offloads.WithLabelValues("origin")
	m.loopOffloads.cache = offloads.WithLabelValues("cache")
	m.responsesRefused = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "edgefn_edge_responses_refused_total",
		Help: "Large responses answered 503 (CapacityExceeded) because the node held as many responses as --edge-response-memory allows: while they arrived from their origins on an event loop, or once made, for their viewers to read.",
	})
	if reg == nil {
		return m, nil
	}
	cs := []prometheus.Collector{stripedCollector{m}, m.validationErrors, m.executionErrors, m.throttles, m.mtls, newCacheCollector(m), offloads, m.responsesRefused}
	if cacheSize != nil {
		cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "edgefn_edge_cache_bytes",
			Help: "Bytes the response cache holds (bodies, headers, keys and overhead).",
		}, cacheSize))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
