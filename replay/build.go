package replay

import (
	"github.com/edgefn/edgefn/event"
)

// Event rebuilds the viewer-request event CloudFront gave the function for rec.
// As at the edge, the Cookie header becomes request.cookies, not a header.
func Event(rec Record) *event.Event {
	ev := &event.Event{
		Version: "1.0",
		Context: event.Context{EventType: event.ViewerRequest},
		Viewer:  event.Viewer{IP: rec.ClientIP},
		Request: event.Request{
			Method:   rec.Method,
			URI:      rec.URI,
			RawQuery: rec.Query,
			HasQuery: rec.Query != "",
		},
	}
	ev.Request.Querystring = event.ParseQuery(rec.Query)
	var h event.Fields
	add := func(name, v string) {
		if v != "" {
			h = append(h, event.Field{Name: name, Value: v})
		}
	}
	add("host", rec.Host)
	add("user-agent", rec.UserAgent)
	add("referer", rec.Referer)
	ev.Request.Headers = h
	if rec.Cookie != "" {
		ev.Request.Cookies = event.ParseCookieHeader([]string{rec.Cookie})
	}
	return ev
}
