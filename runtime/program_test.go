package runtime

import (
	"context"
	"errors"
	goruntime "runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// testTimeout replaces the 20 ms run limit in tests that are not about it: a
// busy CI machine must not turn a slow run into a failure.
const testTimeout = 2 * time.Second

func viewerRequest() *event.Event {
	return &event.Event{
		Version: "1.0",
		Context: event.Context{EventType: event.ViewerRequest, DistributionID: "EDFDVBD6EXAMPLE", RequestID: "req-1"},
		Viewer:  event.Viewer{IP: "198.51.100.11"},
		Request: event.Request{
			Method: "GET",
			URI:    "/index.html",
			Querystring: event.Fields{
				{Name: "test", Value: "true"},
				{Name: "arg", Value: "one", MultiValue: []event.Value{{Value: "one"}, {Value: "two"}}},
			},
			RawQuery: "test=true&arg=one&arg=two", HasQuery: true,
			Headers: event.Fields{
				{Name: "host", Value: "www.example.com"},
				{Name: "accept", Value: "text/html", MultiValue: []event.Value{{Value: "text/html"}, {Value: "application/xhtml+xml"}}},
				{Name: "user-agent", Value: "Mozilla/5.0"},
			},
			Cookies: event.Fields{{Name: "id", Value: "CookieIdValue"}},
		},
	}
}

func viewerResponse() *event.Event {
	ev := viewerRequest()
	ev.Context.EventType = event.ViewerResponse
	ev.Response = &event.Response{
		StatusCode: 200, StatusDescription: "OK",
		Headers: event.Fields{{Name: "content-type", Value: "text/html"}, {Name: "server", Value: "origin"}},
		Cookies: event.Fields{{Name: "id", Value: "a3fWa", Attributes: "Expires=Wed, 05 Apr 2023 07:28:00 GMT"}},
	}
	return ev
}

func run(t *testing.T, eng *Engine, rt edgefn.Runtime, code string, ev *event.Event, kvs KeyValueStore) *Result {
	t.Helper()
	p, err := eng.Compile([]byte(code), rt)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p.Run(context.Background(), ev, kvs)
}

func outputJSON(t *testing.T, res *Result) string {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("run failed: %v (logs %q)", res.Err, res.Logs)
	}
	b, err := res.Output.JSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlers(t *testing.T) {
	tests := []struct {
		name     string
		rt       edgefn.Runtime
		code     string
		ev       func() *event.Event
		contains []string
	}{
		{"rewrite uri and add header", edgefn.RuntimeJS1, `function handler(event) {
			var req = event.request;
			if (req.uri.endsWith('.html')) req.uri = '/pages' + req.uri;
			req.headers['x-edge'] = {value: 'edgefn'};
			return req;
		}`, viewerRequest, []string{`"uri":"/pages/index.html"`, `"x-edge":{"value":"edgefn"}`, `"host":{"value":"www.example.com"}`}},
		{"redirect", edgefn.RuntimeJS1, `function handler(event) {
			return {statusCode: 302, statusDescription: 'Found', headers: {location: {value: 'https://example.com' + event.request.uri}}};
		}`, viewerRequest, []string{`"statusCode":302`, `"location":{"value":"https://example.com/index.html"}`, `"cookies":{}`}},
		{"async handler", edgefn.RuntimeJS2, `async function handler(event) {
			const r = await Promise.resolve(event.request);
			r.headers['x-async'] = {value: 'yes'};
			return r;
		}`, viewerRequest, []string{`"x-async":{"value":"yes"}`}},
		{"multiValue and querystring", edgefn.RuntimeJS2, `function handler(event) {
			const r = event.request;
			r.headers['x-accept-count'] = {value: String(r.headers.accept.multiValue.length)};
			r.headers['x-raw'] = {value: r.rawQueryString()};
			delete r.querystring.test;
			return r;
		}`, viewerRequest, []string{`"x-accept-count":{"value":"2"}`, `"x-raw":{"value":"test=true&arg=one&arg=two"}`}},
		{"viewer response adds header", edgefn.RuntimeJS2, `function handler(event) {
			const res = event.response;
			res.headers['strict-transport-security'] = {value: 'max-age=63072000'};
			res.cookies.id.attributes += '; Secure';
			return res;
		}`, viewerResponse, []string{`"strict-transport-security":{"value":"max-age=63072000"}`, `Secure`, `"statusCode":200`}},
		{"generated body", edgefn.RuntimeJS2, `function handler(event) {
			return {statusCode: 200, body: {encoding: 'text', data: 'hello'}};
		}`, viewerRequest, []string{`"body":{"encoding":"text","data":"hello"}`}},
		{"querystring as string", edgefn.RuntimeJS2, `function handler(event) {
			event.request.querystring = 'a=1&b=2';
			return event.request;
		}`, viewerRequest, []string{`"querystring":"a=1&b=2"`}},
		{"object keys of headers", edgefn.RuntimeJS1, `function handler(event) {
			var r = event.request;
			r.headers['x-names'] = {value: Object.keys(r.headers).join(',')};
			return r;
		}`, viewerRequest, []string{`"x-names":{"value":"host,accept,user-agent"}`}},
		{"headers read, replaced and added", edgefn.RuntimeJS2, `function handler(event) {
			var h = event.request.headers;
			h['user-agent'].value = 'bot';
			h.host = {value: 'a.example'};
			h['x-new'] = {value: '1'};
			return event.request;
		}`, viewerRequest, []string{`"headers":{"host":{"value":"a.example"},"accept":{"value":"text/html","multiValue":[{"value":"text/html"},{"value":"application/xhtml+xml"}]},"user-agent":{"value":"bot"},"x-new":{"value":"1"}}`}},
		{"headers deleted and set again", edgefn.RuntimeJS2, `function handler(event) {
			var h = event.request.headers;
			h.accept.value = 'text/plain';
			delete h.host;
			h['x-new'] = {value: '1'};
			h.host = {value: 'b.example'};
			return event.request;
		}`, viewerRequest, []string{`"headers":{"accept":{"value":"text/plain","multiValue":[{"value":"text/html"},{"value":"application/xhtml+xml"}]},"user-agent":{"value":"Mozilla/5.0"},"x-new":{"value":"1"},"host":{"value":"b.example"}}`}},
	}
	eng := New(Options{Timeout: testTimeout})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outputJSON(t, run(t, eng, tt.rt, tt.code, tt.ev(), nil))
			for _, c := range tt.contains {
				if !strings.Contains(got, c) {
					t.Errorf("output %s\nmissing %s", got, c)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, code string
		want       string
		timeout    string // "yes", "no", or "" when either ending is right
	}{
		{"undefined property", `function handler(event) { return event.request.headers.missing.value; }`, `TypeError: cannot get property "value" of undefined`, "no"},
		{"not defined", `function handler(event) { return nothing; }`, `ReferenceError: "nothing" is not defined`, "no"},
		{"thrown error", `function handler(event) { throw new Error('boom'); }`, `Error: boom`, "no"},
		{"thrown string", `function handler(event) { throw 'boom'; }`, `boom`, "no"},
		{"no handler", `function other(event) { return event.request; }`, `"handler" is not defined`, "no"},
		{"rejected promise", `async function handler(event) { throw new TypeError('bad'); }`, `TypeError: bad`, "no"},
		{"infinite loop", `function handler(event) { while (true) {} }`, `compute time`, "yes"},
		{"deep recursion", `function f(n) { return f(n + 1) + 1; } function handler(event) { return f(0); }`, `Maximum call stack size exceeded`, "no"},
		{"repeat bomb", `function handler(event) { return 'x'.repeat(Math.pow(2, 29)); }`, `memory limit exceeded`, "no"},
		{"pad bomb", `function handler(event) { return ''.padEnd(1e9, 'x'); }`, `memory limit exceeded`, "no"},
		{"join bomb", `function handler(event) { var a = []; a.length = 1e8; return a.join('abc'); }`, `memory limit exceeded`, "no"},
		{"fill bomb", `function handler(event) { var a = []; a.length = 1e9; a.fill(0); }`, `memory limit exceeded`, "no"},
		{"buffer bomb", `function handler(event) { return Buffer.alloc(1 << 30); }`, `RangeError`, "no"},
		{"string doubling", `function handler(event) { var s = 'x'; while (true) s += s; }`, ``, ""},
		{"eval at runtime", `function handler(event) { var e = globalThis['ev' + 'al']; return e('1'); }`, `InternalError: Not implemented`, "no"},
		{"eval", `function handler(event) { return eval('event.request'); }`, `InternalError: Not implemented`, "no"},
		{"new Function", `function handler(event) { return new Function('return 1')(); }`, `InternalError: Not implemented`, "no"},
		{"function constructor via prototype", `function handler(event) { var F = (function () {}).constructor; return F('return 1')(); }`, `InternalError: Not implemented`, "no"},
		{"Map is absent", `function handler(event) { return new Map(); }`, `"Map" is not defined`, "no"},
		{"Array.from is absent", `function handler(event) { return Array.from([1]); }`, `TypeError`, "no"},
		{"not an object", `function handler(event) { return 42; }`, `must return`, "no"},
	}
	eng := New(Options{Timeout: 50 * time.Millisecond})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, eng, edgefn.RuntimeJS2, tt.code, viewerRequest(), nil)
			if res.Err == nil {
				t.Fatalf("succeeded, want %q", tt.want)
			}
			if !strings.Contains(res.Err.Error(), tt.want) {
				t.Fatalf("error %q, want it to contain %q", res.Err, tt.want)
			}
			var ee *ExecutionError
			if errors.As(res.Err, &ee) && tt.timeout != "" && ee.Timeout != (tt.timeout == "yes") {
				t.Fatalf("timeout = %v, want %v", ee.Timeout, tt.timeout)
			}
		})
	}
	// The engine still serves after all of that.
	if got := outputJSON(t, run(t, eng, edgefn.RuntimeJS2, `function handler(e) { return e.request; }`, viewerRequest(), nil)); !strings.Contains(got, `"uri":"/index.html"`) {
		t.Fatalf("after errors: %s", got)
	}
}

// TestDynamicCodeCatchable: eval and Function throw when called, so code
// that guards them runs (spec §1.2).
func TestDynamicCodeCatchable(t *testing.T) {
	code := `function handler(event) {
		var how = 'none';
		try { how = eval('"eval"'); } catch (e) { how = e.name + ': ' + e.message; }
		try { new Function('return 1'); } catch (e) { how += ', ' + e.name; }
		event.request.headers['x-dynamic'] = {value: how};
		return event.request;
	}`
	for _, rt := range []edgefn.Runtime{edgefn.RuntimeJS1, edgefn.RuntimeJS2} {
		got := outputJSON(t, run(t, New(Options{}), rt, code, viewerRequest(), nil))
		if !strings.Contains(got, `"x-dynamic":{"value":"InternalError: Not implemented, InternalError"}`) {
			t.Errorf("%s: %s", rt, got)
		}
	}
}

// TestErrorPosition: a run's error says where in the code it happened, in
// the code as written (not the wrapper around it), without changing the
// message TestFunction returns.
func TestErrorPosition(t *testing.T) {
	for _, tt := range []struct {
		name, code   string
		line, column int
		message      string
	}{
		{"property of undefined", "function handler(event) {\n  var h = event.request.headers;\n  return h.missing.value;\n}", 3, 20, `TypeError: cannot get property "value" of undefined`},
		{"first line", "function handler(event) { return nothing; }", 1, 34, `ReferenceError: "nothing" is not defined`},
		{"thrown string", "function handler(event) {\n\n  throw 'boom';\n}", 3, 3, "Uncaught exception: boom"},
		{"in a helper", "function f(o) {\n  return o.x.y;\n}\nfunction handler(event) { return f({}); }", 2, 14, `TypeError: cannot get property "y" of undefined`},
		{"rejected", "async function handler(event) {\n  var v = await Promise.resolve(1);\n  throw new TypeError('bad ' + v);\n}", 3, 9, "TypeError: bad 1"},
		{"top level", "var x;\nvar y = x.z;\nfunction handler(event) { return event.request; }", 2, 11, `TypeError: cannot get property "z" of undefined`},
		{"eval", "function handler(event) {\n  return eval('1');\n}", 2, 14, "InternalError: Not implemented"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, New(Options{}), edgefn.RuntimeJS2, tt.code, viewerRequest(), nil)
			ee, ok := errors.AsType[*ExecutionError](res.Err)
			if !ok {
				t.Fatalf("error %v; want an ExecutionError", res.Err)
			}
			if ee.Error() != tt.message {
				t.Errorf("message %q; want %q (TestFunction's, without a position)", ee.Error(), tt.message)
			}
			if ee.Line != tt.line || ee.Column != tt.column {
				t.Errorf("at %d:%d; want %d:%d", ee.Line, ee.Column, tt.line, tt.column)
			}
		})
	}
}

func TestIsolation(t *testing.T) {
	tests := []struct{ name, code string }{
		{"top-level var", `var n = 0; function handler(e) { n++; e.request.headers.n = {value: String(n)}; return e.request; }`},
		{"top-level object", `var cache = {}; function handler(e) { cache.n = (cache.n || 0) + 1; e.request.headers.n = {value: String(cache.n)}; return e.request; }`},
		{"globalThis", `function handler(e) { globalThis.n = (globalThis.n || 0) + 1; e.request.headers.n = {value: String(globalThis.n)}; return e.request; }`},
		{"prototype", `function handler(e) { Array.prototype.n = (Array.prototype.n || 0) + 1; e.request.headers.n = {value: String([].n)}; return e.request; }`},
		{"dynamic prototype pollution", `function handler(e) { var o = {}; var k = '__pro' + 'to__'; try { o[k].n = (o[k].n || 0) + 1; } catch (err) {} e.request.headers.n = {value: String(({}).n || 1)}; return e.request; }`},
		{"function property", `function handler(e) { handler.n = (handler.n || 0) + 1; e.request.headers.n = {value: String(handler.n)}; return e.request; }`},
		{"alias of a top-level function", `function helper() {} function handler(e) { var f = helper; f.n = (f.n || 0) + 1; e.request.headers.n = {value: String(f.n)}; return e.request; }`},
		{"top-level function prototype", `function Counter() {} function handler(e) { var p = Counter.prototype; p.n = (p.n || 0) + 1; e.request.headers.n = {value: String(new Counter().n)}; return e.request; }`},
		{"header object reuse", `function handler(e) { var h = e.request.headers; h.n = {value: String(Object.keys(h).length - 2)}; return e.request; }`},
		// The objects a realm hands every invocation.
		{"rawQueryString property", `function handler(e) { var f = e.request.rawQueryString; f.n = (f.n || 0) + 1; e.request.headers.n = {value: String(f.n)}; return e.request; }`},
		{"prototypes of the event's objects", `function handler(e) {
			var set = Object['setPrototype' + 'Of'], r = e.request;
			var n = (r.n || r.headers.n || r.headers.host.n || e.n || 0) + 1;
			set(e, {n: n}); set(r, {n: n}); set(r.headers, {n: n}); set(r.headers.host, {n: n});
			r.headers.n = {value: String(n)};
			return r;
		}`},
	}
	eng := New(Options{Timeout: testTimeout})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := eng.Compile([]byte(tt.code), edgefn.RuntimeJS2)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 5; i++ {
				res := p.Run(context.Background(), viewerRequest(), nil)
				got := outputJSON(t, res)
				if !strings.Contains(got, `"n":{"value":"1"}`) {
					t.Fatalf("run %d: state leaked: %s", i, got)
				}
			}
		})
	}
	// Two functions never share a VM.
	a := run(t, eng, edgefn.RuntimeJS2, `function handler(e) { globalThis.shared = 'a'; return e.request; }`, viewerRequest(), nil)
	b := run(t, eng, edgefn.RuntimeJS2, `function handler(e) { e.request.headers.s = {value: String(globalThis.shared)}; return e.request; }`, viewerRequest(), nil)
	if a.Err != nil || !strings.Contains(outputJSON(t, b), `"s":{"value":"undefined"}`) {
		t.Fatalf("state crossed functions: %v %s", a.Err, outputJSON(t, b))
	}
}

func TestFrozenClockAndRandom(t *testing.T) {
	eng := New(Options{Timeout: testTimeout})
	res := run(t, eng, edgefn.RuntimeJS2, `function handler(e) {
		var a = Date.now(); for (var i = 0; i < 100000; i++) {} var b = new Date().getTime();
		console.log(String(a === b));
		console.log(String(Math.random() !== Math.random()));
		return e.request;
	}`, viewerRequest(), nil)
	if res.Err != nil || strings.Join(res.Logs, ",") != "true,true" {
		t.Fatalf("logs %q err %v", res.Logs, res.Err)
	}
}

func TestConsole(t *testing.T) {
	eng := New(Options{LogLimit: 64, Timeout: testTimeout})
	res := run(t, eng, edgefn.RuntimeJS2, `function handler(e) {
		console.log('plain');
		console.log('a', 1, true);
		console.log({k: 'v'});
		console.log(new TypeError('t'));
		for (var i = 0; i < 100; i++) console.log('0123456789');
		return e.request;
	}`, viewerRequest(), nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []string{"plain", "a 1 true", `{"k":"v"}`, "TypeError: t"}
	for i, w := range want {
		if res.Logs[i] != w {
			t.Errorf("log %d = %q, want %q", i, res.Logs[i], w)
		}
	}
	total := 0
	for _, l := range res.Logs {
		total += len(l)
	}
	if total > 64 {
		t.Errorf("kept %d bytes of logs, limit 64", total)
	}
}

type fakeKVS struct {
	id    string
	items map[string]string
}

func (f fakeKVS) ID() string { return f.id }
func (f fakeKVS) Get(_ context.Context, k string) (string, bool, error) {
	v, ok := f.items[k]
	return v, ok, nil
}
func (f fakeKVS) Meta(context.Context) (KVSMeta, error) {
	at := time.Date(2023, 11, 30, 23, 7, 55, 765e6, time.UTC)
	return KVSMeta{Created: at, LastUpdated: at, KeyCount: len(f.items)}, nil
}

func TestCloudFrontModule(t *testing.T) {
	kvs := fakeKVS{id: "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", items: map[string]string{
		"/old": "/new", "cfg": `{"on":true,"n":3}`, "raw": "bytes", "cwt-key": "secret",
	}}
	tests := []struct {
		name, code string
		kvs        KeyValueStore
		want       []string // log lines
		err        string
	}{
		{"get string", `import cf from 'cloudfront';
			const h = cf.kvs();
			async function handler(e) { const v = await h.get('/old'); console.log(v); return e.request; }`, kvs, []string{"/new"}, ""},
		{"get json", `import cf from 'cloudfront';
			const h = cf.kvs('a1b2c3d4-5678-90ab-cdef-EXAMPLE11111');
			async function handler(e) { const v = await h.get('cfg', {format: 'json'}); console.log(String(v.on && v.n === 3)); return e.request; }`, kvs, []string{"true"}, ""},
		{"get bytes", `const cf = require('cloudfront');
			async function handler(e) { const b = await cf.kvs().get('raw', {format: 'bytes'}); console.log(String(Buffer.isBuffer(b)) + ' ' + b.toString('hex')); return e.request; }`, kvs, []string{"true 6279746573"}, ""},
		{"missing key rejects", `import cf from 'cloudfront';
			async function handler(e) { try { await cf.kvs().get('nope'); } catch (err) { console.log('rejected ' + err.message); } return e.request; }`, kvs, []string{`rejected KeyNotFound: key "nope" does not exist`}, ""},
		{"exists", `import cf from 'cloudfront';
			async function handler(e) { const a = await cf.kvs().exists('cfg'), b = await cf.kvs().exists('nope'); console.log(a + ' ' + b); return e.request; }`, kvs, []string{"true false"}, ""},
		{"meta", `import cf from 'cloudfront';
			async function handler(e) { const m = await cf.kvs().meta(); console.log(m.keyCount + ' ' + m.creationDateTime); return e.request; }`, kvs, []string{"4 2023-11-30T23:07:55.765Z"}, ""},
		{"cwt with a key from the store", `import cf from 'cloudfront';
			async function handler(e) {
				const key = await cf.kvs().get('cwt-key');
				const tok = cf.cwt.generateToken({protected: {1: 5}, unprotected: {}, payload: {4: 1}}, {coseTag: 'MAC0', key: key});
				const t = cf.cwt.validateToken(Buffer.from(tok.toString('base64url'), 'base64url'), {key: key});
				try { cf.cwt.validateToken(tok, {key: 'other'}); } catch (err) { console.log(err.message); }
				console.log('exp ' + t.payload['4']);
				return e.request;
			}`, kvs, []string{"token signature verification failed", "exp 1"}, ""},
		{"no store", `import cf from 'cloudfront';
			const h = cf.kvs();
			function handler(e) { return e.request; }`, nil, nil, "KVSNamespaceNotFound"},
		{"wrong id", `import cf from 'cloudfront';
			const h = cf.kvs('00000000-0000-0000-0000-000000000000');
			function handler(e) { return e.request; }`, kvs, nil, "KVSNamespaceNotFound"},
		{"bad json", `import cf from 'cloudfront';
			async function handler(e) { await cf.kvs().get('/old', {format: 'json'}); return e.request; }`, kvs, nil, "SyntaxError"},
	}
	eng := New(Options{Timeout: testTimeout})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, eng, edgefn.RuntimeJS2, tt.code, viewerRequest(), tt.kvs)
			if tt.err != "" {
				if res.Err == nil || !strings.Contains(res.Err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", res.Err, tt.err)
				}
				return
			}
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if strings.Join(res.Logs, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("logs %q, want %q", res.Logs, tt.want)
			}
		})
	}
}

func TestOriginHelpers(t *testing.T) {
	eng := New(Options{Timeout: testTimeout})
	res := run(t, eng, edgefn.RuntimeJS2, `import cf from 'cloudfront';
		function handler(e) {
			cf.updateRequestOrigin({domainName: 'origin.example.com', originPath: '/v2', customHeaders: {'x-k': 'v'}});
			cf.logCustomData('hello');
			console.log(cf.edgeLocation.name);
			return e.request;
		}`, viewerRequest(), nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.Origin == nil || res.Origin.Method != "updateRequestOrigin" || res.Origin.Params["domainName"] != "origin.example.com" {
		t.Fatalf("origin %+v", res.Origin)
	}
	if res.CustomLogData != "hello" || res.Logs[0] != "LOCAL" {
		t.Fatalf("custom log %q logs %q", res.CustomLogData, res.Logs)
	}
	res = run(t, eng, edgefn.RuntimeJS2, `import cf from 'cloudfront';
		function handler(e) { cf.selectRequestOriginById('origin-2'); return e.response; }`, viewerResponse(), nil)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "viewer-request") {
		t.Fatalf("viewer-response origin helper: %v", res.Err)
	}
}

func TestRuntimeDifferences(t *testing.T) {
	tests := []struct {
		name, code string
		js1, js2   string // log line, or "!" + error substring
	}{
		{"replaceAll", `function handler(e) { console.log(typeof ''.replaceAll); return e.request; }`, "undefined", "function"},
		{"Buffer", `function handler(e) { console.log(typeof Buffer); return e.request; }`, "undefined", "function"},
		{"TextEncoder", `function handler(e) { console.log(typeof TextEncoder + typeof atob); return e.request; }`, "undefinedundefined", "functionfunction"},
		{"bytesFrom", `function handler(e) { console.log(typeof String.bytesFrom); return e.request; }`, "function", "undefined"},
		{"digest default", `var c = require('crypto'); function handler(e) { var d = c.createHash('sha256').update('x').digest(); console.log(typeof d); return e.request; }`, "string", "object"},
		{"Promise.all", `function handler(e) { console.log(typeof Promise.all); return e.request; }`, "undefined", "function"},
		{"InternalError", `function handler(e) { console.log(typeof InternalError + ' ' + typeof MemoryError); return e.request; }`, "function function", "function undefined"},
	}
	eng := New(Options{Timeout: testTimeout})
	for _, tt := range tests {
		for rt, want := range map[edgefn.Runtime]string{edgefn.RuntimeJS1: tt.js1, edgefn.RuntimeJS2: tt.js2} {
			t.Run(tt.name+"/"+string(rt), func(t *testing.T) {
				res := run(t, eng, rt, tt.code, viewerRequest(), nil)
				if res.Err != nil {
					t.Fatal(res.Err)
				}
				if res.Logs[0] != want {
					t.Fatalf("got %q, want %q", res.Logs[0], want)
				}
			})
		}
	}
}

func TestComputeUtilization(t *testing.T) {
	eng := New(Options{Budget: time.Millisecond, Timeout: testTimeout})
	fast := run(t, eng, edgefn.RuntimeJS2, `function handler(e) { return e.request; }`, viewerRequest(), nil)
	slow := run(t, eng, edgefn.RuntimeJS2, `function handler(e) { var x = 0; for (var i = 0; i < 3e5; i++) x += i; return e.request; }`, viewerRequest(), nil)
	if fast.ComputeUtilization < 1 || fast.ComputeUtilization > 100 || slow.ComputeUtilization < fast.ComputeUtilization {
		t.Fatalf("fast %d slow %d", fast.ComputeUtilization, slow.ComputeUtilization)
	}
}

// blockingKVS holds every run that reads it until gate closes or sends.
type blockingKVS struct{ entered, gate chan struct{} }

func (b blockingKVS) ID() string { return "" }
func (b blockingKVS) Get(context.Context, string) (string, bool, error) {
	b.entered <- struct{}{}
	<-b.gate
	return "v", true, nil
}
func (b blockingKVS) Meta(context.Context) (KVSMeta, error) { return KVSMeta{}, nil }

// storeReader is a program of two realms at most whose runs read the store
// (a blockingKVS holds them there).
func storeReader(t *testing.T) *Program {
	t.Helper()
	p, err := New(Options{PoolSize: 2, Timeout: testTimeout}).Compile([]byte(`import cf from 'cloudfront';
		const kvs = cf.kvs();
		async function handler(e) { await kvs.get('k'); return e.request; }`), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPool(t *testing.T) {
	p := storeReader(t)
	kvs := blockingKVS{entered: make(chan struct{}), gate: make(chan struct{})}
	results := make(chan *Result, 3)
	start := func() { go func() { results <- p.Run(context.Background(), viewerRequest(), kvs) }() }
	start()
	start()
	<-kvs.entered
	<-kvs.entered
	// Both slots are taken: a run whose context ends first gives up.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if res := p.Run(ctx, viewerRequest(), kvs); res.Err == nil || res.Err.Error() != "InternalError: context deadline exceeded" {
		t.Fatalf("waiting run: %v", res.Err)
	}
	start()
	select {
	case <-kvs.entered:
		t.Fatal("a third run went ahead of the bound")
	case <-time.After(20 * time.Millisecond):
	}
	kvs.gate <- struct{}{} // one run ends; the waiting one takes its slot
	<-kvs.entered
	close(kvs.gate)
	for range 3 {
		if res := <-results; res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running != 0 || len(p.waiting) != 0 || len(p.idle) != 2 {
		t.Fatalf("running %d, waiting %d, idle %d", p.running, len(p.waiting), len(p.idle))
	}
}

func TestRunTimer(t *testing.T) {
	const timeout = 20 * time.Millisecond
	p, err := New(Options{PoolSize: 1, Timeout: timeout}).Compile([]byte(`function handler(e) {
		if (e.request.uri === '/loop') while (true) {}
		return e.request;
	}`), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	ctx, ev, loop := context.Background(), viewerRequest(), viewerRequest()
	loop.Request.URI = "/loop"
	// Back-to-back runs over several ticks of the realm's timer: none is stopped.
	for end := time.Now().Add(5 * timeout); time.Now().Before(end); {
		if res := p.Run(ctx, ev, nil); res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	var ee *ExecutionError
	if res := p.Run(ctx, loop, nil); !errors.As(res.Err, &ee) || !ee.Timeout {
		t.Fatalf("runaway run: %v", res.Err)
	}
	if res := p.Run(ctx, ev, nil); res.Err != nil {
		t.Fatal(res.Err)
	}
	// Between runs the timer goes idle.
	p.mu.Lock()
	r := p.idle[0]
	p.mu.Unlock()
	for end := time.Now().Add(time.Second); ; time.Sleep(timeout) {
		r.timerMu.Lock()
		ticking := r.ticking
		r.timerMu.Unlock()
		if !ticking {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the timer still ticks between runs")
		}
	}
}

// TestTimerKeepsNothing checks that a pending tick does not keep the realms
// of a discarded program alive.
func TestTimerKeepsNothing(t *testing.T) {
	p, err := New(Options{Timeout: time.Hour}).Compile([]byte(`function handler(e) { return e.request; }`), edgefn.RuntimeJS2)
	if err != nil {
		t.Fatal(err)
	}
	if res := p.Run(context.Background(), viewerRequest(), nil); res.Err != nil {
		t.Fatal(res.Err)
	}
	wr := weak.Make(p.idle[0])
	p = nil
	goruntime.GC()
	goruntime.GC()
	if wr.Value() != nil {
		t.Fatal("the realm of a discarded program is still reachable")
	}
}
