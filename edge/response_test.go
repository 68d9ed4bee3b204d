package edge_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// TestViewerResponseResults: what the viewer gets for each kind of result of
// a viewer-response function, on an origin answer with two cookies of the
// same name: kept as sent unless the function changed cookies.
func TestViewerResponseResults(t *testing.T) {
	e := newEnv(t)
	o, _ := e.rawOrigin("raw", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/plain\r\n"+
		"Set-Cookie: a=1;Path=/x\r\nSet-Cookie: b=3\r\nSet-Cookie: a=2; Path=/y\r\nContent-Length: 2\r\n\r\nok", false)
	fn := e.function("respond", `function handler(event) {
  var res = event.response, q = event.request.querystring;
  switch (q.do.value) {
  case 'status': res.statusCode = 404; break;
  case 'describe': res.statusCode = 201; res.statusDescription = 'Made'; break;
  case 'text': res.body = 'replaced'; break;
  case 'base64': res.body = {encoding: 'base64', data: 'aGVsbG8gd29ybGQ='}; break;
  case 'empty': res.body = {encoding: 'text', data: ''}; break;
  case 'cookie': res.cookies.a.multiValue.push({value: '9', attributes: 'Path=/z'}); break;
  case 'warning': res.headers.warning = {value: '199 - "x"'}; break;
  case 'via': res.headers.via = {value: 'changed'}; break;
  case 'hidden': res.headers['x-cache'] = {value: 'Hit'}; break;
  case 'bad64': res.body = {encoding: 'base64', data: '!!'}; break;
  case 'event': return event;
  case 'request': return event.request;
  case 'throw': throw new Error('boom');
  }
  return res;
}`)
	d := e.distribution("respond", behaviorFns("", fn), []types.Origin{o.customOrigin("")})
	originCookies := []string{"a=1;Path=/x", "b=3", "a=2; Path=/y"} // untouched: as sent
	tests := []struct {
		do             string
		status         int
		reason, body   string
		contentLength  string
		setCookies     []string // nil: not checked
		fromCloudFront bool     // an error page of the edge's
	}{
		{"nothing", 200, "OK", "ok", "2", originCookies, false},
		{"status", 404, "Not Found", "ok", "2", originCookies, false},
		{"describe", 201, "Made", "ok", "2", nil, false},
		{"text", 200, "OK", "replaced", "8", nil, false},
		{"base64", 200, "OK", "hello world", "11", nil, false},
		{"empty", 200, "OK", "", "0", nil, false},
		{"cookie", 200, "OK", "ok", "2", []string{"a=1; Path=/x", "a=2; Path=/y", "a=9; Path=/z", "b=3"}, false},
		{"warning", 502, "Bad Gateway", "", "", nil, true},
		{"via", 502, "Bad Gateway", "", "", nil, true},
		{"hidden", 502, "Bad Gateway", "", "", nil, true},
		{"bad64", 502, "Bad Gateway", "", "", nil, true},
		{"event", 502, "Bad Gateway", "", "", nil, true},
		{"request", 502, "Bad Gateway", "", "", nil, true},
		{"throw", 503, "Service Unavailable", "", "", nil, true},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, "/p?do="+tt.do)
		if r.status != tt.status || r.reason != tt.reason {
			t.Errorf("%s: %d %q, want %d %q: %s", tt.do, r.status, r.reason, tt.status, tt.reason, r.body)
			continue
		}
		if tt.fromCloudFront {
			if r.header.Get("X-Cache") != "Error from cloudfront" || !strings.Contains(r.body, "The request could not be satisfied") {
				t.Errorf("%s: not an error page: %v %s", tt.do, r.header, r.body)
			}
			continue
		}
		if r.body != tt.body || r.header.Get("Content-Length") != tt.contentLength || r.header.Get("X-Cache") != "Miss from cloudfront" {
			t.Errorf("%s: body %q Content-Length %q X-Cache %q", tt.do, r.body, r.header.Get("Content-Length"), r.header.Get("X-Cache"))
		}
		if got := r.header.Values("Set-Cookie"); tt.setCookies != nil && strings.Join(got, "\n") != strings.Join(tt.setCookies, "\n") {
			t.Errorf("%s: Set-Cookie %q, want %q", tt.do, got, tt.setCookies)
		}
	}
}

// TestViewerResponseSeesSentRequest: after a viewer-request function, the
// viewer-response event's request is the one sent to the origin, query
// string and rawQueryString() included.
func TestViewerResponseSeesSentRequest(t *testing.T) {
	e := newEnv(t)
	web := e.origin("web")
	req := e.function("rewrite-query", `function handler(event) {
  var r = event.request;
  if (r.querystring.str) { r.querystring = 'x=1&y=2'; }
  if (r.querystring.add) { r.querystring.b = {value: '2'}; }
  return r;
}`)
	resp := e.function("show-query", `function handler(event) {
  var r = event.request;
  event.response.headers['x-query'] = {value: String(r.rawQueryString()) + '|' + JSON.stringify(r.querystring)};
  return event.response;
}`)
	d := e.distribution("sent", behaviorFns(req, resp), []types.Origin{web.customOrigin("")})
	tests := []struct{ target, uri, seen string }{
		{"/p?str=1", "/p?x=1&y=2", `x=1&y=2|{"x":{"value":"1"},"y":{"value":"2"}}`},
		{"/p?add=1", "/p?add=1&b=2", `add=1&b=2|{"add":{"value":"1"},"b":{"value":"2"}}`},
		{"/p?", "/p?", `|{}`},
		{"/p", "/p", `undefined|{}`},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, tt.target)
		if got := r.received(t).URI; got != tt.uri {
			t.Errorf("%s: origin got %q, want %q", tt.target, got, tt.uri)
		}
		if got := r.header.Get("X-Query"); got != tt.seen {
			t.Errorf("%s: viewer-response saw %q, want %q", tt.target, got, tt.seen)
		}
	}
}
