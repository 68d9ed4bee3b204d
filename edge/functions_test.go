package edge_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestViewerRequestEvent checks the event a viewer-request function gets
// and that its changes reach the origin.
func TestViewerRequestEvent(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	fn := e.function("rewrite", `function handler(event) {
  var r = event.request;
  var seen = {method: r.method, uri: r.uri, qs: r.querystring, headers: Object.keys(r.headers).sort(),
    multi: r.headers['x-multi'], cookies: r.cookies, ip: event.viewer.ip, context: event.context, raw: r.rawQueryString()};
  r.headers['x-seen'] = {value: JSON.stringify(seen)};
  r.headers['x-added-header'] = {value: 'yes'};
  delete r.headers['x-remove-me'];
  r.uri = '/rewritten' + r.uri;
  r.querystring.added = {value: '1'};
  r.cookies.fromfn = {value: 'v'};
  return r;
}`)
	d := e.distribution("event", behaviorFns(fn, ""), []types.Origin{web.customOrigin("")})
	r := e.get(*d.DomainName, "/p%20q?a=1&a=2&b=%20x",
		"X-Multi", "one", "X-Multi", "two", "Cookie", "c1=v1; c2=v2", "X-Remove-Me", "x",
		"X-Amz-Cf-Id", "forged", "X-Forwarded-Proto", "https", "X-Edge-Thing", "hidden")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	got := r.received(t)
	if got.URI != "/rewritten/p%20q?a=1&a=2&b=%20x&added=1" {
		t.Errorf("origin uri %q", got.URI)
	}
	if got.Header.Get("X-Added-Header") != "yes" || got.Header.Get("X-Remove-Me") != "" || got.Host != "localhost" {
		t.Errorf("origin headers %v, Host %q", got.Header, got.Host)
	}
	if c := got.Header.Get("Cookie"); c != "c1=v1; c2=v2; fromfn=v" {
		t.Errorf("origin Cookie %q", c)
	}
	if got.Header.Get("X-Amz-Cf-Id") == "forged" || got.Header.Get("X-Edge-Thing") != "" {
		t.Errorf("hidden viewer headers reached the origin: %v", got.Header)
	}

	var seen struct {
		Method, URI, IP, Raw string
		QS                   map[string]any
		Headers              []string
		Multi                map[string]any
		Cookies              map[string]map[string]string
		Context              map[string]string
	}
	if err := json.Unmarshal([]byte(got.Header.Get("X-Seen")), &seen); err != nil {
		t.Fatalf("x-seen %q: %v", got.Header.Get("X-Seen"), err)
	}
	wantQS := map[string]any{"a": map[string]any{"value": "1", "multiValue": []any{map[string]any{"value": "1"}, map[string]any{"value": "2"}}}, "b": map[string]any{"value": "%20x"}}
	if seen.Method != "GET" || seen.URI != "/p%20q" || seen.IP != "127.0.0.1" || seen.Raw != "a=1&a=2&b=%20x" || !reflect.DeepEqual(seen.QS, wantQS) {
		t.Errorf("event request %+v", seen)
	}
	wantHeaders := []string{"host", "user-agent", "x-multi", "x-remove-me"}
	if !reflect.DeepEqual(seen.Headers, wantHeaders) {
		t.Errorf("event headers %v, want %v (lower-case, hidden ones and cookie left out)", seen.Headers, wantHeaders)
	}
	if fmt.Sprint(seen.Multi) != "map[multiValue:[map[value:one] map[value:two]] value:one]" {
		t.Errorf("repeated header %v", seen.Multi)
	}
	if seen.Cookies["c1"]["value"] != "v1" || seen.Cookies["c2"]["value"] != "v2" {
		t.Errorf("event cookies %v", seen.Cookies)
	}
	wantCtx := map[string]string{"distributionDomainName": *d.DomainName, "distributionId": *d.Id, "eventType": "viewer-request", "requestId": r.header.Get("X-Amz-Cf-Id")}
	if !reflect.DeepEqual(seen.Context, wantCtx) {
		t.Errorf("event context %v, want %v", seen.Context, wantCtx)
	}
}

func TestGeneratedResponse(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	fn := e.function("redirect", `function handler(event) {
  if (event.request.uri === '/b64') {
    return {statusCode: 200, headers: {'content-type': {value: 'text/plain'}}, body: {encoding: 'base64', data: 'aGVsbG8='}};
  }
  return {statusCode: 302, statusDescription: 'Moved Elsewhere',
    headers: {location: {value: 'https://example.com/'}, 'x-multi': {value: 'a', multiValue: [{value: 'a'}, {value: 'b'}]}},
    cookies: {gen: {value: 'x', attributes: 'Path=/; Secure', multiValue: [{value: 'x', attributes: 'Path=/; Secure'}, {value: 'y', attributes: 'Path=/y'}]}},
    body: 'moved'};
}`)
	d := e.distribution("gen", behaviorFns(fn, ""), []types.Origin{web.customOrigin("")})
	r := e.get(*d.DomainName, "/old")
	if r.status != 302 || r.reason != "Moved Elsewhere" || r.header.Get("Location") != "https://example.com/" || r.body != "moved" ||
		r.header.Get("X-Cache") != "FunctionGeneratedResponse from cloudfront" || r.header.Get("Server") != "CloudFront" ||
		strings.Join(r.header.Values("Set-Cookie"), " | ") != "gen=x; Path=/; Secure | gen=y; Path=/y" || strings.Join(r.header.Values("X-Multi"), ",") != "a,b" {
		t.Errorf("generated response %d %v %q", r.status, r.header, r.body)
	}
	if r := e.get(*d.DomainName, "/b64"); r.status != 200 || r.reason != "OK" || r.body != "hello" || r.header.Get("Content-Type") != "text/plain" {
		t.Errorf("base64 body: %d %v %q", r.status, r.header, r.body)
	}
	if n := web.hits.Load(); n != 0 {
		t.Errorf("the origin got %d requests", n)
	}
}

// TestFunctionFailures checks CloudFront's answers to functions that fail:
// 503 when they throw or run out of time, 502 for results it refuses.
func TestFunctionFailures(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	tests := []struct {
		name, body string
		status     int
		metric     string
	}{
		{"throws", `throw new Error('boom');`, 503, "edgefn_function_execution_errors_total"},
		{"runs too long", `while (true) {}`, 503, "edgefn_function_throttles_total"},
		{"recurses without end", `function f(n) { return f(n + 1) + 1; } return f(0);`, 503, "edgefn_function_execution_errors_total"},
		{"asks for a huge string", `var s = 'x'.repeat(1 << 30); return event.request;`, 503, "edgefn_function_execution_errors_total"},
		{"returns nothing", `return;`, 502, "edgefn_function_validation_errors_total"},
		{"returns the whole event", `return event;`, 502, "edgefn_function_validation_errors_total"},
		{"adds a hop-by-hop header", `event.request.headers.connection = {value: 'close'}; return event.request;`, 502, "edgefn_function_validation_errors_total"},
		{"changes host", `event.request.headers.host = {value: 'evil.example.com'}; return event.request;`, 502, "edgefn_function_validation_errors_total"},
		{"adds a hidden header", `event.request.headers['x-cache'] = {value: 'HIT'}; return event.request;`, 502, "edgefn_function_validation_errors_total"},
		{"changes the method", `event.request.method = 'POST'; return event.request;`, 502, "edgefn_function_validation_errors_total"},
		{"bad status code", `return {statusCode: 700};`, 502, "edgefn_function_validation_errors_total"},
		{"bad body encoding", `return {statusCode: 200, body: {encoding: 'hex', data: '00'}};`, 502, "edgefn_function_validation_errors_total"},
		{"origin by IP address", `cf.updateRequestOrigin({domainName: '127.0.0.1'}); return event.request;`, 502, "edgefn_function_validation_errors_total"},
		{"unknown origin id", `cf.selectRequestOriginById('nope'); return event.request;`, 502, "edgefn_function_validation_errors_total"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("fail%d", i)
			fn := e.function(name, "import cf from 'cloudfront';\nfunction handler(event) { "+tt.body+" }")
			d := e.distribution(name, behaviorFns(fn, ""), []types.Origin{web.customOrigin("")})
			r := e.get(*d.DomainName, "/")
			if r.status != tt.status || r.header.Get("Server") != "CloudFront" || r.header.Get("X-Cache") != "Error from cloudfront" {
				t.Fatalf("status %d headers %v: %s", r.status, r.header, r.body)
			}
			if tt.status == 503 && !strings.Contains(r.body, "The CloudFront function associated with the CloudFront distribution is invalid or could not run.") {
				t.Errorf("503 page %s", r.body)
			}
			want := fmt.Sprintf(`%s{distribution_id="%s",function_name="%s"} 1`, tt.metric, *d.Id, name)
			if m := e.metrics(); !strings.Contains(m, want) {
				t.Errorf("metrics lack %s", want)
			}
		})
	}
	if n := web.hits.Load(); n != 0 {
		t.Errorf("the origin got %d requests", n)
	}
}

func TestViewerResponseFunction(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	req := e.function("tag-request", `function handler(event) { event.request.headers['x-from-request'] = {value: 'r'}; return event.request; }`)
	resp := e.function("tag-response", `function handler(event) {
  var res = event.response;
  var seen = {status: res.statusCode, desc: res.statusDescription, headers: Object.keys(res.headers).sort(),
    cookies: res.cookies, requestHeader: event.request.headers['x-from-request'].value, eventType: event.context.eventType,
    body: typeof res.body};
  res.headers['x-seen'] = {value: JSON.stringify(seen)};
  delete res.headers['x-origin-name'];
  res.cookies.added = {value: '1', attributes: 'Path=/'};
  return res;
}`)
	d := e.distribution("resp", behaviorFns(req, resp), []types.Origin{web.customOrigin("")})

	r := e.get(*d.DomainName, "/page")
	if r.status != 200 || r.header.Get("X-Origin-Name") != "" || r.received(t).Origin != "web" {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	var seen struct {
		Status                         int
		Desc, RequestHeader, EventType string
		Body                           string
		Headers                        []string
		Cookies                        map[string]map[string]string
	}
	if err := json.Unmarshal([]byte(r.header.Get("X-Seen")), &seen); err != nil {
		t.Fatalf("x-seen %q: %v", r.header.Get("X-Seen"), err)
	}
	if seen.Status != 200 || seen.Desc != "OK" || seen.RequestHeader != "r" || seen.EventType != "viewer-response" || seen.Body != "undefined" ||
		seen.Cookies["session"]["value"] != "abc" || seen.Cookies["session"]["attributes"] != "Path=/; HttpOnly" {
		t.Errorf("event response %+v", seen)
	}
	for _, h := range seen.Headers {
		if h != strings.ToLower(h) || h == "x-accel-redirect" || h == "set-cookie" {
			t.Errorf("event response header %q", h)
		}
	}
	if cs := strings.Join(r.header.Values("Set-Cookie"), " | "); !strings.Contains(cs, "session=abc; Path=/; HttpOnly") || !strings.Contains(cs, "added=1; Path=/") {
		t.Errorf("Set-Cookie %q", cs)
	}

	// No viewer-response function for origin errors, which CloudFront
	// reports as such.
	r = e.get(*d.DomainName, "/missing?status=404")
	if r.status != 404 || r.header.Get("X-Seen") != "" || r.header.Get("X-Origin-Name") != "web" || r.header.Get("X-Cache") != "Error from cloudfront" {
		t.Errorf("origin 404: %d %v", r.status, r.header)
	}
}

func TestOriginModification(t *testing.T) {
	e := newEnv(t)
	a, b, gone := e.origin("a"), e.origin("b"), e.origin("gone")
	gone.srv.Close()
	fn := e.function("route", fmt.Sprintf(`import cf from 'cloudfront';
function handler(event) {
  var q = event.request.querystring;
  if (q.update) {
    cf.updateRequestOrigin({domainName: 'localhost', originPath: '/moved', customHeaders: {'x-custom': 'c'},
      customOriginConfig: {port: %d, protocol: 'http'}, timeouts: {readTimeout: 5, connectionTimeout: 2}});
  } else if (q.select) {
    cf.selectRequestOriginById('b', {hostHeader: 'api.internal'});
  } else if (q.group) {
    cf.createRequestOriginGroup({originIds: ['gone', 'b'], failoverCriteria: {statusCodes: [500, 502]}});
  }
  return event.request;
}`, b.port))
	d := e.distribution("route", behaviorFns(fn, ""), []types.Origin{a.customOrigin("/a"), b.customOrigin(""), gone.customOrigin("")})
	tests := []struct {
		target, origin, uri, host, header string
	}{
		{"/x", "a", "/a/x", "localhost", ""},
		{"/x?update=1", "b", "/moved/x?update=1", "localhost", "c"},
		{"/x?select=1", "b", "/x?select=1", "api.internal", ""},
		{"/x?group=1", "b", "/x?group=1", "localhost", ""},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, tt.target)
		if r.status != 200 {
			t.Errorf("%s: %d %s", tt.target, r.status, r.body)
			continue
		}
		got := r.received(t)
		if got.Origin != tt.origin || got.URI != tt.uri || got.Host != tt.host || got.Header.Get("X-Custom") != tt.header {
			t.Errorf("%s reached %s %s Host %s X-Custom %q", tt.target, got.Origin, got.URI, got.Host, got.Header.Get("X-Custom"))
		}
	}
}

// TestChangesReachTheEdge publishes a new version and rewrites a KVS key,
// and expects the next requests to see them, without a restart.
func TestChangesReachTheEdge(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	kvsARN := e.store("config", map[string]string{"greeting": "hello"})
	code := func(version string) string {
		return `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const g = await kvs.get('greeting');
  console.log('greeting is ' + g);
  cf.logCustomData('custom-' + g);
  return {statusCode: 200, headers: {'x-answer': {value: '` + version + `-' + g}}};
}`
	}
	fn := e.function("greeter", code("v1"), kvsARN)
	d := e.distribution("greet", behaviorFns(fn, ""), []types.Origin{web.customOrigin("")})
	answer := func() string {
		r := e.get(*d.DomainName, "/")
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		return r.header.Get("X-Answer")
	}
	if got := answer(); got != "v1-hello" {
		t.Fatalf("answer %q", got)
	}
	eventually := func(want string) {
		t.Helper()
		start := time.Now()
		for got := answer(); got != want; got = answer() {
			if time.Since(start) > waitFor {
				t.Fatalf("answer still %q, want %q", got, want)
			}
			time.Sleep(time.Millisecond)
		}
		t.Logf("%s after %s", want, time.Since(start))
	}
	e.putKeys(kvsARN, map[string]string{"greeting": "hi"})
	eventually("v1-hi")
	e.function("greeter", code("v2"), kvsARN)
	eventually("v2-hi")

	// Function logs: START, the console line, END, with the request id.
	id := e.get(*d.DomainName, "/").header.Get("X-Amz-Cf-Id")
	var msgs []string
	access := 0
	for _, l := range e.logs.lines() {
		if l["request_id"] != id {
			continue
		}
		switch l["log"] {
		case "function":
			msgs = append(msgs, l["msg"].(string))
			if l["msg"] == "END" {
				if _, ok := l["compute_utilization"].(float64); !ok || l["duration"] == nil {
					t.Errorf("END line %v; want its duration and compute_utilization", l)
				}
			}
		case "access":
			access++
			if l["viewer_request_log_data"] != "custom-hi" || l["x_edge_result_type"] != "FunctionGeneratedResponse" || l["sc_status"] != 200.0 {
				t.Errorf("access line %v", l)
			}
		}
	}
	if want := []string{"START DistributionID: " + *d.Id, "greeting is hi", "END"}; !reflect.DeepEqual(msgs, want) || access != 1 {
		t.Errorf("function log %q (want %q), %d access lines", msgs, want, access)
	}
	m := e.metrics()
	for _, want := range []string{
		fmt.Sprintf(`edgefn_function_invocations_total{distribution_id="%s",function_name="greeter"}`, *d.Id),
		fmt.Sprintf(`edgefn_function_compute_utilization_bucket{distribution_id="%s",function_name="greeter",le="100"}`, *d.Id),
		fmt.Sprintf(`edgefn_edge_requests_total{distribution_id="%s",result_type="FunctionGeneratedResponse",status="200"}`, *d.Id),
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The function is DEPLOYED while the distribution uses it.
	fs, err := e.cf.DescribeFunction(t.Context(), &cloudfront.DescribeFunctionInput{Name: aws.String("greeter"), Stage: types.FunctionStageLive})
	if err != nil || *fs.FunctionSummary.Status != "DEPLOYED" {
		t.Errorf("function status %v (%v)", fs, err)
	}
}

// TestRewriteKeepsBehavior: a uri the viewer-request function changes picks
// the object, not the cache behavior: the origin and the viewer-response
// function stay those of the path the viewer asked for.
func TestRewriteKeepsBehavior(t *testing.T) {
	e := newEnv(t)
	web, api := e.origin("web"), e.origin("api")
	toAPI := e.function("to-api", `function handler(event) { event.request.uri = '/api' + event.request.uri; return event.request; }`)
	away := e.function("away", `function handler(event) { event.request.uri = '/elsewhere'; return event.request; }`)
	tag := e.function("tag", `function handler(event) { event.response.headers['x-behavior'] = {value: 'api'}; return event.response; }`)
	d := e.distribution("keep", behaviorFns(toAPI, ""), []types.Origin{web.customOrigin(""), api.customOrigin("")},
		func(c *types.DistributionConfig) {
			c.CacheBehaviors = &types.CacheBehaviors{Quantity: aws.Int32(1), Items: []types.CacheBehavior{{
				PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("api"),
				ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll, FunctionAssociations: behaviorFns(away, tag),
			}}}
		})
	tests := []struct{ target, origin, uri, behavior string }{
		{"/x", "web", "/api/x", ""},
		{"/api/y", "api", "/elsewhere", "api"},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, tt.target)
		if got := r.received(t); got.Origin != tt.origin || got.URI != tt.uri || r.header.Get("X-Behavior") != tt.behavior {
			t.Errorf("%s reached %s %s (X-Behavior %q), want %s %s (%q)", tt.target, got.Origin, got.URI, r.header.Get("X-Behavior"), tt.origin, tt.uri, tt.behavior)
		}
	}
}
