package edge_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

// headLines returns the request line and the values of the named header in a
// request head, in order.
func headLines(head, name string) (requestLine string, values []string) {
	lines := strings.Split(strings.TrimSuffix(head, "\r\n\r\n"), "\r\n")
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ": "); ok && strings.EqualFold(k, name) {
			values = append(values, v)
		}
	}
	return lines[0], values
}

// bothPaths runs test on the goroutine path and on the event loop.
func bothPaths(t *testing.T, test func(*testing.T, *env)) {
	t.Run("goroutines", func(t *testing.T) { test(t, newEnv(t, onGoroutines)) })
	t.Run("loop", func(t *testing.T) { test(t, newEnv(t, onLoop)) })
}

// TestForwardedAsReceived: what the viewer sent and no function changed
// reaches the origin byte for byte: the request target with an empty or odd
// query, and Cookie headers with quotes, backslashes and their own spacing.
// Cookies a function changed go out rebuilt, the other pairs as they came.
// The origin's Set-Cookie lines, two for one name, reach the viewer.
func TestForwardedAsReceived(t *testing.T) { bothPaths(t, testForwardedAsReceived) }

func testForwardedAsReceived(t *testing.T, e *env) {
	setCookies := []string{"a=1;Path=/x", "b=2", "a=3; Path=/y"}
	o, heads := e.rawOrigin("raw", "HTTP/1.1 200 OK\r\nConnection: close\r\nSet-Cookie: "+strings.Join(setCookies, "\r\nSet-Cookie: ")+
		"\r\nContent-Length: 2\r\n\r\nok", false)
	fns := map[string]string{
		"none": "",
		"noop": e.function("noop", `function handler(event) { return event.request; }`),
		// Reads a cookie and the query, changes neither.
		"touch": e.function("touch", `function handler(event) {
  var r = event.request;
  r.headers['x-touched'] = {value: String(r.cookies.q && r.cookies.q.value) + String(r.querystring.a && r.querystring.a.value)};
  return r;
}`),
		"cookie": e.function("cookie", `function handler(event) { event.request.cookies.k = {value: 'new'}; return event.request; }`),
	}
	hosts := map[string]string{}
	for name, fn := range fns {
		hosts[name] = *e.distribution("verbatim-"+name, behaviorFns(fn, ""), []types.Origin{o.customOrigin("")}).DomainName
	}
	tests := []struct {
		fn, target  string
		cookies     []string
		wantTarget  string
		wantCookies []string
	}{
		{"none", "/p?", []string{`q="x y"; b=c\d`, "z=3"}, "/p?", []string{`q="x y"; b=c\d`, "z=3"}},
		{"none", "/p?a=1&&b=%2f+c&flag", []string{"a=1;b=2"}, "/p?a=1&&b=%2f+c&flag", []string{"a=1;b=2"}},
		{"noop", "/p?", []string{`q="x y"; b=c\d`, "z=3"}, "/p?", []string{`q="x y"; b=c\d`, "z=3"}},
		{"noop", "/p?a=1&&b=%2f+c&flag", nil, "/p?a=1&&b=%2f+c&flag", nil},
		{"touch", "/p?", []string{`q="x y"; b=c\d`, "z=3"}, "/p?", []string{`q="x y"; b=c\d`, "z=3"}},
		{"touch", "/p?a=%20&&b", []string{"a=1;b=2"}, "/p?a=%20&&b", []string{"a=1;b=2"}},
		{"cookie", "/p?", []string{`q="x"`, `b=c\d;k=old`}, "/p?", []string{`q="x"; b=c\d; k=new`}},
		{"cookie", "/p", nil, "/p", []string{"k=new"}},
	}
	for _, tt := range tests {
		var header []string
		for _, c := range tt.cookies {
			header = append(header, "Cookie", c)
		}
		r := e.get(hosts[tt.fn], tt.target, header...)
		if r.status != 200 {
			t.Errorf("%s %s: status %d: %s", tt.fn, tt.target, r.status, r.body)
			continue
		}
		line, cookies := headLines(heads.last(), "Cookie")
		if want := "GET " + tt.wantTarget + " HTTP/1.1"; line != want {
			t.Errorf("%s %s: origin got %q, want %q", tt.fn, tt.target, line, want)
		}
		if strings.Join(cookies, "\n") != strings.Join(tt.wantCookies, "\n") {
			t.Errorf("%s %s %q: origin got Cookie %q, want %q", tt.fn, tt.target, tt.cookies, cookies, tt.wantCookies)
		}
		if got := r.header.Values("Set-Cookie"); strings.Join(got, "\n") != strings.Join(setCookies, "\n") {
			t.Errorf("%s %s: viewer got Set-Cookie %q, want %q", tt.fn, tt.target, got, setCookies)
		}
	}
}

// TestHeaderWriteBack: the write-back rules of §2.6 for repeated headers,
// both ways: to the origin after viewer-request, to the viewer after
// viewer-response (or with no function). Names go out re-cased; repeated
// headers keep their order when others are removed.
func TestHeaderWriteBack(t *testing.T) { bothPaths(t, testHeaderWriteBack) }

func testHeaderWriteBack(t *testing.T, e *env) {
	o, heads := e.rawOrigin("raw", "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Accel-Redirect: /hidden\r\n"+
		"x-dup: 1\r\nX-Dup: 2\r\nContent-Length: 0\r\n\r\n", false)
	fn := e.function("edit-headers", `function edit(h, op) {
  switch (op) {
  case 'value': h['x-dup'].value = 'changed'; break;
  case 'push': h['x-dup'].multiValue.push({value: '3'}); break;
  case 'replace': h['x-dup'].multiValue = [{value: 'only'}]; break;
  case 'add': h['x-new-header'] = {value: 'a', multiValue: [{value: 'a'}, {value: 'b'}]}; break;
  case 'delete': delete h['x-dup']; break;
  }
}
function handler(event) {
  var op = event.request.querystring.op.value;
  if (event.context.eventType === 'viewer-request') {
    edit(event.request.headers, op);
    return event.request;
  }
  edit(event.response.headers, op);
  return event.response;
}`)
	d := e.distribution("write-back", behaviorFns(fn, fn), []types.Origin{o.customOrigin("")})
	plain := e.distribution("no-function", nil, []types.Origin{o.customOrigin("")})
	tests := []struct {
		host, op   string
		dup, added []string
	}{
		{*plain.DomainName, "none", []string{"1", "2"}, nil},
		{*d.DomainName, "none", []string{"1", "2"}, nil},
		{*d.DomainName, "value", []string{"changed", "2"}, nil},
		{*d.DomainName, "push", []string{"1", "2", "3"}, nil},
		{*d.DomainName, "replace", []string{"only"}, nil},
		{*d.DomainName, "add", []string{"1", "2"}, []string{"a", "b"}},
		{*d.DomainName, "delete", nil, nil},
	}
	for _, tt := range tests {
		r := e.get(tt.host, "/p?op="+tt.op, "X-Dup", "1", "X-Dup", "2")
		if r.status != 200 {
			t.Errorf("%s: status %d: %s", tt.op, r.status, r.body)
			continue
		}
		head := heads.last()
		_, dup := headLines(head, "X-Dup")
		_, added := headLines(head, "X-New-Header")
		if strings.Join(dup, ",") != strings.Join(tt.dup, ",") || strings.Join(added, ",") != strings.Join(tt.added, ",") {
			t.Errorf("%s: origin got X-Dup %q X-New-Header %q, want %q %q", tt.op, dup, added, tt.dup, tt.added)
		}
		if tt.added != nil && !strings.Contains(head, "\r\nX-New-Header: a\r\n") {
			t.Errorf("%s: added header not re-cased: %q", tt.op, head)
		}
		dup, added = r.header.Values("X-Dup"), r.header.Values("X-New-Header")
		if strings.Join(dup, ",") != strings.Join(tt.dup, ",") || strings.Join(added, ",") != strings.Join(tt.added, ",") || r.header.Get("X-Accel-Redirect") != "" {
			t.Errorf("%s: viewer got X-Dup %q X-New-Header %q, want %q %q", tt.op, dup, added, tt.dup, tt.added)
		}
	}
}

// TestLatin1Headers: header and cookie bytes that are not UTF-8 reach
// functions as ISO-8859-1 text, and go out as received unless changed.
func TestLatin1Headers(t *testing.T) { bothPaths(t, testLatin1Headers) }

func testLatin1Headers(t *testing.T, e *env) {
	o, heads := e.rawOrigin("raw", "HTTP/1.1 200 OK\r\nConnection: close\r\nX-L: caf\xe9\r\nContent-Length: 0\r\n\r\n", false)
	fn := e.function("latin1", `function handler(event) {
  var o = event.context.eventType === 'viewer-request' ? event.request : event.response;
  o.headers['x-seen'] = {value: encodeURIComponent(o.headers['x-l'].value) + ' ' + encodeURIComponent(event.request.cookies.c.value)};
  if (event.request.querystring.set) { o.headers['x-l'] = {value: 'naïve'}; }
  return o;
}`)
	d := e.distribution("latin1", behaviorFns(fn, fn), []types.Origin{o.customOrigin("")})
	tests := []struct{ target, sent string }{
		{"/", "caf\xe9"},
		{"/?set=1", "naïve"},
	}
	for _, tt := range tests {
		r := e.get(*d.DomainName, tt.target, "X-L", "caf\xe9", "Cookie", "c=caf\xe9")
		head := heads.last()
		_, sent := headLines(head, "X-L")
		_, seen := headLines(head, "X-Seen")
		_, cookie := headLines(head, "Cookie")
		if strings.Join(sent, ",") != tt.sent || strings.Join(seen, ",") != "caf%C3%A9 caf%C3%A9" || strings.Join(cookie, ",") != "c=caf\xe9" {
			t.Errorf("%s: origin got X-L %q X-Seen %q Cookie %q", tt.target, sent, seen, cookie)
		}
		if r.header.Get("X-L") != tt.sent || r.header.Get("X-Seen") != "caf%C3%A9 caf%C3%A9" {
			t.Errorf("%s: viewer got X-L %q X-Seen %q", tt.target, r.header.Get("X-L"), r.header.Get("X-Seen"))
		}
	}
}
