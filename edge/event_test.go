package edge

import (
	"bufio"
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/event"
)

// readRequest parses a viewer's request head (lines without the final
// CRLF CRLF).
func readRequest(t *testing.T, head string) *fasthttp.Request {
	t.Helper()
	var req fasthttp.Request
	if err := req.Read(bufio.NewReader(strings.NewReader(head + "\r\n\r\n"))); err != nil {
		t.Fatal(err)
	}
	return &req
}

func TestEventRequest(t *testing.T) {
	long := strings.Repeat("Long-", 20) + "Name"
	// More headers than eventRequest's buffer on the stack holds (16).
	many, manyFields := "GET / HTTP/1.1\r\nHost: d.example", event.Fields{{Name: "host", Value: "d.example"}}
	for i := range 20 {
		many += fmt.Sprintf("\r\nX-H%d: %d", i, i)
		manyFields = append(manyFields, event.Field{Name: fmt.Sprintf("x-h%d", i), Value: strconv.Itoa(i)})
	}
	tests := []struct {
		name          string
		head          string
		headers       event.Fields
		cookies       event.Fields
		method, query string
	}{
		{
			name:    "names lower-cased, repeats folded, hidden left out",
			head:    "GET /p?a=1&b=2&a=3 HTTP/1.1\r\nHost: d.example\r\nX-Multi: one\r\nConnection: keep-alive\r\nx-MULTI: two\r\nX-Amz-Cf-Id: forged",
			method:  "GET",
			query:   "a=1&b=2&a=3",
			headers: event.Fields{{Name: "host", Value: "d.example"}, {Name: "x-multi", Value: "one", MultiValue: []event.Value{{Value: "one"}, {Value: "two"}}}},
		},
		{
			name:    "cookies apart, over several lines",
			head:    "POST / HTTP/1.1\r\nHost: d.example\r\nCookie: a=1; b=2\r\nAccept: */*\r\nCookie: a=3",
			method:  "POST",
			headers: event.Fields{{Name: "host", Value: "d.example"}, {Name: "accept", Value: "*/*"}},
			cookies: event.Fields{{Name: "a", Value: "1", MultiValue: []event.Value{{Value: "1"}, {Value: "3"}}}, {Name: "b", Value: "2"}},
		},
		{
			name:    "ISO-8859-1 value transcoded, UTF-8 one kept",
			head:    "GET / HTTP/1.1\r\nHost: d.example\r\nX-Latin: caf\xe9\r\nX-Utf8: caf\xc3\xa9",
			method:  "GET",
			headers: event.Fields{{Name: "host", Value: "d.example"}, {Name: "x-latin", Value: "café"}, {Name: "x-utf8", Value: "café"}},
		},
		{
			name:    "more headers than the stack's buffer",
			head:    many,
			method:  "GET",
			headers: manyFields,
		},
		{
			name:    "a name longer than the buffer",
			head:    "GET / HTTP/1.1\r\nHost: d.example\r\n" + long + ": v",
			method:  "GET",
			headers: event.Fields{{Name: "host", Value: "d.example"}, {Name: strings.ToLower(long), Value: "v"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := readRequest(t, tt.head)
			got := eventRequest(&req.Header, "/p", tt.query, tt.query != "")
			if got.Method != tt.method {
				t.Errorf("method %q, want %q", got.Method, tt.method)
			}
			if !reflect.DeepEqual(got.Headers, tt.headers) {
				t.Errorf("headers %#v, want %#v", got.Headers, tt.headers)
			}
			if !reflect.DeepEqual(got.Cookies, tt.cookies) {
				t.Errorf("cookies %#v, want %#v", got.Cookies, tt.cookies)
			}
			if want := event.ParseQuery(tt.query); !reflect.DeepEqual(got.Querystring, want) {
				t.Errorf("querystring %#v, want %#v", got.Querystring, want)
			}
			// The event owns its text: the viewer's buffers are reused for
			// the connection's next request.
			req.Reset()
			if !reflect.DeepEqual(got.Headers, tt.headers) || got.Method != tt.method {
				t.Errorf("after the request's reset: method %q, headers %#v", got.Method, got.Headers)
			}
		})
	}
}

func TestWriteRequestHeaders(t *testing.T) {
	const head = "GET / HTTP/1.1\r\nHost: d.example\r\nX-Latin: caf\xe9\r\nX-Multi: 1\r\nX-Multi: 2\r\nCookie: a=1;b=2\r\nAccept: */*"
	tests := []struct {
		name string
		edit func(r *event.Request)
		want []string // header lines sent, in order
	}{
		{
			name: "untouched: values byte for byte, cookies as sent",
			edit: func(*event.Request) {},
			want: []string{"X-Latin: caf\xe9", "X-Multi: 1", "X-Multi: 2", "Accept: */*", "Cookie: a=1;b=2"},
		},
		{
			name: "added and changed: names re-cased, values UTF-8",
			edit: func(r *event.Request) {
				r.Headers[3].Value = "text/html"
				r.Headers = append(r.Headers, event.Field{Name: "x-new_name.v2-a!#$%&'*+-.^_`|~z", Value: "ü"}, event.Field{Name: "x-", Value: "1"})
			},
			want: []string{"X-Latin: caf\xe9", "X-Multi: 1", "X-Multi: 2", "Accept: text/html", "X-New_name.v2-A!#$%&'*+-.^_`|~z: \xc3\xbc", "X-: 1", "Cookie: a=1;b=2"},
		},
		{
			name: "value change replaces the first occurrence; deleted and reordered",
			edit: func(r *event.Request) {
				r.Headers = event.Fields{r.Headers[3], {Name: "x-multi", Value: "9", MultiValue: r.Headers[2].MultiValue}}
			},
			want: []string{"Accept: */*", "X-Multi: 9", "X-Multi: 2", "Cookie: a=1;b=2"},
		},
		{
			name: "cookies changed",
			edit: func(r *event.Request) { r.Cookies = append(r.Cookies, event.Field{Name: "c", Value: "3"}) },
			want: []string{"X-Latin: caf\xe9", "X-Multi: 1", "X-Multi: 2", "Accept: */*", "Cookie: a=1; b=2; c=3"},
		},
		{
			name: "cookies deleted",
			edit: func(r *event.Request) { r.Cookies = nil },
			want: []string{"X-Latin: caf\xe9", "X-Multi: 1", "X-Multi: 2", "Accept: */*"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			viewer := readRequest(t, head)
			orig := eventRequest(&viewer.Header, "/", "", false)
			out := orig
			out.Headers = append(event.Fields(nil), orig.Headers...)
			out.Cookies = append(event.Fields(nil), orig.Cookies...)
			tt.edit(&out)
			var sent fasthttp.Request
			writeRequestHeaders(&sent.Header, &viewer.Header, &orig, &out, originFilter{})
			var got []string
			for _, line := range strings.Split(string(sent.Header.Header()), "\r\n")[1:] {
				if line != "" && !strings.HasPrefix(line, "Host:") {
					got = append(got, line)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sent\n%q\nwant\n%q", got, tt.want)
			}
			// Every name goes out as §2.6 re-cases it.
			for _, f := range out.Headers {
				if name := event.CanonicalHeaderName(f.Name); f.Name != "host" && sent.Header.Peek(name) == nil {
					t.Errorf("no header %q sent for %q", name, f.Name)
				}
			}
		})
	}
}

// TestViewerIP: event.viewer.ip is written as net.IP writes it: IPv4
// viewers of a dual-stack listener without the ::ffff: prefix, no zone.
func TestViewerIP(t *testing.T) {
	for _, tc := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 1}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7").To4(), Port: 1}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 1}, "2001:db8::1"},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 1, Zone: "eth0"}, "fe80::1"},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, "0.0.0.0"},
	} {
		var ctx fasthttp.RequestCtx
		ctx.Init(&fasthttp.Request{}, tc.addr, nil)
		x := &exchange{ctx: &ctx}
		if got := x.viewerIP(); got != tc.want {
			t.Errorf("%v: viewer ip %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestEventResponse builds event.response from an origin's response with
// more headers than eventResponse's buffer on the stack holds (16), in the
// origin's order, Set-Cookie set apart and the headers CloudFront hides
// left out.
func TestEventResponse(t *testing.T) {
	var resp fasthttp.Response
	resp.SetStatusCode(201)
	want := event.Fields{}
	for i := range 20 {
		resp.Header.Add(fmt.Sprintf("X-H%d", i), strconv.Itoa(i))
		want = append(want, event.Field{Name: fmt.Sprintf("x-h%d", i), Value: strconv.Itoa(i)})
	}
	resp.Header.Add("Set-Cookie", "a=1; Path=/")
	resp.Header.Add("Connection", "keep-alive")
	got := eventResponse(&resp)
	if got.StatusCode != 201 || got.StatusDescription != "Created" {
		t.Errorf("status %d %q, want 201 Created", got.StatusCode, got.StatusDescription)
	}
	var headers event.Fields
	for _, f := range got.Headers {
		if strings.HasPrefix(f.Name, "x-h") {
			headers = append(headers, f)
		} else if f.Name == "connection" || f.Name == "set-cookie" {
			t.Errorf("header %q is in the event's headers", f.Name)
		}
	}
	if !reflect.DeepEqual(headers, want) {
		t.Errorf("headers %#v, want %#v", headers, want)
	}
	if len(got.Cookies) != 1 || got.Cookies[0].Name != "a" || got.Cookies[0].Value != "1" {
		t.Errorf("cookies %#v, want a=1", got.Cookies)
	}
}
