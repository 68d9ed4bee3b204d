package suite

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/edgefn/edgefn/event"
)

// viewerIP is the viewer of events written as raw HTTP requests: an address
// reserved for documentation (RFC 5737).
const viewerIP = "192.0.2.10"

// ParseEvent reads an event file: a TestFunction EventObject, or a raw HTTP
// request ("GET /path?q=1 HTTP/1.1", header lines, a blank line), which makes
// the viewer-request event the edge would give a function for it.
func ParseEvent(data []byte) (*event.Event, error) {
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || trimmed[0] == '{' {
		return event.ParseJSON(data)
	}
	req, err := httpEventRequest(data)
	if err != nil {
		return nil, fmt.Errorf("raw HTTP request: %w", err)
	}
	return &event.Event{
		Version: "1.0",
		Context: event.Context{EventType: event.ViewerRequest},
		Viewer:  event.Viewer{IP: viewerIP},
		Request: req,
	}, nil
}

// httpEventRequest is event.request for a raw request, read by the HTTP
// parser the edge uses and built by the edge's own event.WireRequest: query
// parameters, headers and cookies in the order written, header names
// lower-case, repeated ones as multiValue, cookies apart, the body dropped
// (functions never see it). For convenience the version may be left out of
// the request line, and the blank line after the headers.
func httpEventRequest(data []byte) (event.Request, error) {
	data = bytes.TrimLeft(data, "\r\n\t ")
	line, rest, _ := bytes.Cut(data, []byte("\n"))
	parts := strings.Fields(string(line))
	if len(parts) < 2 || len(parts) > 3 || (len(parts) == 3 && !strings.HasPrefix(parts[2], "HTTP/")) {
		return event.Request{}, fmt.Errorf("line 1 %q: want METHOD /path[?query] [HTTP/1.1]", line)
	}
	if !strings.HasPrefix(parts[1], "/") {
		return event.Request{}, fmt.Errorf("line 1: the request target %q must start with /", parts[1])
	}
	if len(parts) == 2 {
		parts = append(parts, "HTTP/1.1")
	}
	// The header block ends at the first blank line, or at the end; its
	// lines go to the parser with CRLF ends, as on the wire, whichever ends
	// the file has.
	var b bytes.Buffer
	b.WriteString(strings.Join(parts, " ") + "\r\n")
	for l := range bytes.Lines(rest) {
		l = bytes.TrimRight(l, "\r\n")
		if len(l) == 0 {
			break
		}
		b.Write(l)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	var h fasthttp.RequestHeader
	if err := h.Read(bufio.NewReaderSize(&b, b.Len()+1)); err != nil {
		return event.Request{}, headerError(err)
	}
	uri, query, hasQuery := strings.Cut(string(h.RequestURI()), "?")
	return event.WireRequest(h.Method(), uri, query, hasQuery, h.RawHeaders(), event.AppendHeaderLines(nil, h.AllInOrder())), nil
}

// headerError says what fasthttp refused, without the buffer dump it
// appends.
func headerError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "error when reading request headers: ")
	if i := strings.Index(msg, ": buffer size="); i >= 0 {
		msg = msg[:i]
	}
	if strings.Contains(msg, "host header") {
		msg += " (the edge answers such a request 400 before any function: add Host: NAME)"
	}
	return fmt.Errorf("%s", msg)
}
