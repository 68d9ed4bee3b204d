package event

import (
	"encoding/json"
	"reflect"
	"testing"
)

// jsonEqual compares two JSON documents as values, the way consumers of
// FunctionOutput must (§2.9).
func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("bad test JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

func TestOutputJSON(t *testing.T) {
	qs := "b=2&a=1"
	tests := []struct {
		name string
		out  Output
		want string
	}{
		{
			// The generated redirect AWS publishes as a TestResult sample (§5.2),
			// byte for byte: the fixed key order is that sample's.
			"aws redirect sample",
			Output{Response: &Response{
				StatusCode:        302,
				StatusDescription: "Found",
				Headers: Fields{
					{Name: "cloudfront-functions", Value: "generated-by-CloudFront-Functions"},
					{Name: "location", Value: "https://aws.amazon.com/cloudfront/"},
				},
			}},
			`{"response":{"headers":{"cloudfront-functions":{"value":"generated-by-CloudFront-Functions"},"location":{"value":"https://aws.amazon.com/cloudfront/"}},"statusDescription":"Found","cookies":{},"statusCode":302}}`,
		},
		{
			"request with empty collections",
			Output{Request: &Request{Method: "GET", URI: "/index.html"}},
			`{"request":{"headers":{},"method":"GET","querystring":{},"uri":"/index.html","cookies":{}}}`,
		},
		{
			"request with entries and multiValue",
			Output{Request: &Request{
				Method:      "POST",
				URI:         "/a",
				Querystring: Fields{{Name: "q", Value: "1", MultiValue: []Value{{Value: "1"}, {Value: "2"}}}},
				Headers:     Fields{{Name: "x-new", Value: "v"}, {Name: "host", Value: "example.com"}},
				Cookies:     Fields{{Name: "s", Value: "t", Attributes: "dropped on requests"}},
			}},
			`{"request":{"headers":{"x-new":{"value":"v"},"host":{"value":"example.com"}},"method":"POST","querystring":{"q":{"value":"1","multiValue":[{"value":"1"},{"value":"2"}]}},"uri":"/a","cookies":{"s":{"value":"t"}}}}`,
		},
		{
			"querystring assigned as a string",
			Output{Request: &Request{Method: "GET", URI: "/", QuerystringString: &qs}},
			`{"request":{"headers":{},"method":"GET","querystring":"b=2&a=1","uri":"/","cookies":{}}}`,
		},
		{
			"response cookies keep attributes, body when set",
			Output{Response: &Response{
				StatusCode: 200,
				Cookies: Fields{
					{Name: "id", Value: "a", Attributes: "Secure; Path=/", MultiValue: []Value{{Value: "a", Attributes: "Secure; Path=/"}, {Value: "b"}}},
				},
				Body: &Body{Encoding: EncodingBase64, Data: "aGk="},
			}},
			`{"response":{"headers":{},"cookies":{"id":{"value":"a","attributes":"Secure; Path=/","multiValue":[{"value":"a","attributes":"Secure; Path=/"},{"value":"b"}]}},"statusCode":200,"body":{"encoding":"base64","data":"aGk="}}}`,
		},
		{
			"strings escaped like JSON.stringify",
			Output{Response: &Response{StatusCode: 200, Headers: Fields{{Name: "x", Value: "\"q\" \\ <&> \n\t\r\b\f\x01\x1f\x7f\u2028 é \xff"}}}},
			`{"response":{"headers":{"x":{"value":"\"q\" \\ <&> \n\t\r\b\f\u0001\u001f` + "\x7f\u2028" + ` é ` + "\ufffd" + `"}},"cookies":{},"statusCode":200}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.out.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON()\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestOutputJSONNeedsExactlyOne(t *testing.T) {
	for _, out := range []Output{{}, {Request: &Request{}, Response: &Response{}}} {
		if _, err := out.JSON(); err == nil {
			t.Errorf("JSON() of %+v: no error", out)
		}
	}
}

// TestOutputJSONRoundTrip passes the request of a parsed event, untouched, to
// the output, as a function returning event.request does.
func TestOutputJSONRoundTrip(t *testing.T) {
	ev, err := ParseJSON([]byte(`{
		"version": "1.0",
		"context": {"eventType": "viewer-request", "distributionId": "E123"},
		"viewer": {"ip": "198.51.100.7"},
		"request": {
			"method": "GET",
			"uri": "/docs/",
			"querystring": {"lang": {"value": "en"}, "tag": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}},
			"headers": {"host": {"value": "www.example.com"}, "accept": {"value": "text/html", "multivalue": [{"value": "x"}], "extra": 1}},
			"cookies": {"session": {"value": "abc"}}
		}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&Output{Request: &ev.Request}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	// The misspelt multivalue and the unknown key do not survive (§2.9).
	jsonEqual(t, got, []byte(`{"request": {
		"headers": {"host": {"value": "www.example.com"}, "accept": {"value": "text/html"}},
		"method": "GET",
		"querystring": {"lang": {"value": "en"}, "tag": {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}},
		"uri": "/docs/",
		"cookies": {"session": {"value": "abc"}}
	}}`))
}

// TestOutputJSONParsesAWSSample reads AWS's published FunctionOutput sample
// (§5.2) semantically and compares it with what edgefn renders for the same
// generated response.
func TestOutputJSONParsesAWSSample(t *testing.T) {
	sample := []byte(`{"response":{"headers":{"cloudfront-functions":{"value":"generated-by-CloudFront-Functions"},"location":{"value":"https://aws.amazon.com/cloudfront/"}},"statusDescription":"Found","cookies":{},"statusCode":302}}`)
	var parsed struct {
		Response struct {
			Headers           map[string]struct{ Value string }
			StatusDescription string
			Cookies           map[string]any
			StatusCode        int
		}
	}
	if err := json.Unmarshal(sample, &parsed); err != nil {
		t.Fatal(err)
	}
	r := parsed.Response
	if r.StatusCode != 302 || r.StatusDescription != "Found" || len(r.Cookies) != 0 ||
		r.Headers["location"].Value != "https://aws.amazon.com/cloudfront/" {
		t.Fatalf("sample parsed as %+v", r)
	}
	out := Output{Response: &Response{StatusCode: r.StatusCode, StatusDescription: r.StatusDescription, Headers: Fields{
		{Name: "location", Value: r.Headers["location"].Value},
		{Name: "cloudfront-functions", Value: r.Headers["cloudfront-functions"].Value},
	}}}
	got, err := out.JSON()
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, got, sample)
	if err := Validate(&Event{Context: Context{EventType: ViewerRequest}, Request: Request{Method: "GET", URI: "/"}}, &out); err != nil {
		t.Errorf("the sample fails validation: %v", err)
	}
}

func TestEventJSON(t *testing.T) {
	tests := []struct {
		name string
		ev   Event
		want string
	}{
		{
			"viewer-request",
			Event{
				Version: "1.0",
				Context: Context{DistributionID: "E1", EventType: ViewerRequest},
				Viewer:  Viewer{IP: "192.0.2.1"},
				Request: Request{Method: "GET", URI: "/", Headers: Fields{{Name: "host", Value: "a.example"}}},
			},
			`{"version":"1.0","context":{"distributionId":"E1","eventType":"viewer-request"},"viewer":{"ip":"192.0.2.1"},"request":{"method":"GET","uri":"/","querystring":{},"headers":{"host":{"value":"a.example"}},"cookies":{}}}`,
		},
		{
			"viewer-response without the body",
			Event{
				Version:  "1.0",
				Context:  Context{EventType: ViewerResponse},
				Request:  Request{Method: "GET", URI: "/"},
				Response: &Response{StatusCode: 200, StatusDescription: "OK", Cookies: Fields{{Name: "id", Value: "1", Attributes: "Secure"}}, Body: &Body{Encoding: EncodingText, Data: "x"}},
			},
			`{"version":"1.0","context":{"eventType":"viewer-response"},"viewer":{},"request":{"method":"GET","uri":"/","querystring":{},"headers":{},"cookies":{}},"response":{"statusCode":200,"statusDescription":"OK","headers":{},"cookies":{"id":{"value":"1","attributes":"Secure"}}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ev.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON()\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestEventJSONErrors(t *testing.T) {
	for _, ev := range []Event{
		{Context: Context{EventType: ViewerResponse}},
		{Context: Context{EventType: "origin-request"}},
	} {
		if _, err := ev.JSON(); err == nil {
			t.Errorf("JSON() of %+v: no error", ev)
		}
	}
}

func BenchmarkOutputJSON(b *testing.B) {
	out := &Output{Response: &Response{
		StatusCode:        200,
		StatusDescription: "OK",
		Headers: Fields{
			{Name: "content-type", Value: "text/html; charset=utf-8"},
			{Name: "content-length", Value: "5120"},
			{Name: "cache-control", Value: "public, max-age=3600"},
			{Name: "etag", Value: `"5d8c72a5edda8d6a"`},
			{Name: "strict-transport-security", Value: "max-age=63072000; includeSubDomains; preload"},
			{Name: "x-content-type-options", Value: "nosniff"},
			{Name: "vary", Value: "Accept-Encoding", MultiValue: []Value{{Value: "Accept-Encoding"}, {Value: "Origin"}}},
		},
		Cookies: Fields{
			{Name: "session", Value: "3f9a1c", Attributes: "Path=/; Secure; HttpOnly; SameSite=Lax"},
		},
	}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := out.JSON(); err != nil {
			b.Fatal(err)
		}
	}
}
