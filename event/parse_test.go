package event

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Event
	}{
		{
			"viewer-request with every part",
			`{
				"version": "1.0",
				"context": {
					"distributionDomainName": "d111111abcdef8.cloudfront.net",
					"endpoint": "cg.example",
					"distributionId": "EDFDVBD6EXAMPLE",
					"eventType": "viewer-request",
					"requestId": "req-1"
				},
				"viewer": {"ip": "2001:db8::1"},
				"request": {
					"method": "GET",
					"uri": "/index.html",
					"querystring": {"ID": {"value": "42"}, "NoValue": {"value": ""}, "mv": {"value": "v1", "multiValue": [{"value": "v1"}, {"value": "v2,v3"}]}},
					"headers": {"user-agent": {"value": "curl"}, "host": {"value": "www.example.com"}, "accept": {"value": "a, b"}},
					"cookies": {"id": {"value": "CookieIdValue"}}
				}
			}`,
			&Event{
				Version: "1.0",
				Context: Context{
					DistributionDomainName: "d111111abcdef8.cloudfront.net",
					Endpoint:               "cg.example",
					DistributionID:         "EDFDVBD6EXAMPLE",
					EventType:              ViewerRequest,
					RequestID:              "req-1",
				},
				Viewer: Viewer{IP: "2001:db8::1"},
				Request: Request{
					Method: "GET",
					URI:    "/index.html",
					Querystring: Fields{
						{Name: "ID", Value: "42"},
						{Name: "NoValue"},
						{Name: "mv", Value: "v1", MultiValue: []Value{{Value: "v1"}, {Value: "v2,v3"}}},
					},
					// Document order, not sorted.
					Headers:  Fields{{Name: "user-agent", Value: "curl"}, {Name: "host", Value: "www.example.com"}, {Name: "accept", Value: "a, b"}},
					Cookies:  Fields{{Name: "id", Value: "CookieIdValue"}},
					HasQuery: true,
				},
			},
		},
		{
			"minimal: defaults filled in",
			`{"request": {"method": "GET", "uri": "/"}}`,
			&Event{
				Version: "1.0",
				Context: Context{EventType: ViewerRequest},
				Request: Request{Method: "GET", URI: "/", HasQuery: true},
			},
		},
		{
			"viewer-response with response cookie attributes",
			`{
				"context": {"eventType": "viewer-response"},
				"request": {"method": "GET", "uri": "/"},
				"response": {
					"statusCode": 200,
					"statusDescription": "OK",
					"headers": {"server": {"value": "nginx"}},
					"cookies": {"id": {"value": "a3fWa", "attributes": "Expires=Wed, 21 Oct 2015 07:28:00 GMT", "multiValue": [{"value": "a3fWa", "attributes": "Expires=Wed, 21 Oct 2015 07:28:00 GMT"}, {"value": "b", "attributes": "Path=/"}]}},
					"body": {"encoding": "text", "data": "never seen"}
				}
			}`,
			&Event{
				Version: "1.0",
				Context: Context{EventType: ViewerResponse},
				Request: Request{Method: "GET", URI: "/", HasQuery: true},
				Response: &Response{
					StatusCode:        200,
					StatusDescription: "OK",
					Headers:           Fields{{Name: "server", Value: "nginx"}},
					Cookies: Fields{{
						Name: "id", Value: "a3fWa", Attributes: "Expires=Wed, 21 Oct 2015 07:28:00 GMT",
						MultiValue: []Value{{Value: "a3fWa", Attributes: "Expires=Wed, 21 Oct 2015 07:28:00 GMT"}, {Value: "b", Attributes: "Path=/"}},
					}},
				},
			},
		},
		{
			"unknown keys, misspelt multivalue, request attributes and nulls ignored",
			`{
				"version": "1.0", "extra": {"deep": [1, {"x": [null]}]},
				"context": null, "viewer": {"ip": null, "port": 5},
				"request": {
					"method": "GET", "uri": "/", "body": "x",
					"headers": {"a": {"value": "1", "multivalue": [{"value": "2"}]}, "gone": null},
					"cookies": {"c": {"value": "v", "attributes": "Path=/"}},
					"querystring": null
				},
				"response": {"statusCode": 200}
			}`,
			&Event{
				Version: "1.0",
				Context: Context{EventType: ViewerRequest},
				Request: Request{
					Method:   "GET",
					URI:      "/",
					Headers:  Fields{{Name: "a", Value: "1"}},
					Cookies:  Fields{{Name: "c", Value: "v"}},
					HasQuery: true,
				},
			},
		},
		{
			"repeated key keeps its first position and last value",
			`{"request": {"uri": "/", "headers": {"a": {"value": "1"}, "b": {"value": "2"}, "a": {"value": "3"}}}}`,
			&Event{
				Version: "1.0",
				Context: Context{EventType: ViewerRequest},
				Request: Request{URI: "/", Headers: Fields{{Name: "a", Value: "3"}, {Name: "b", Value: "2"}}, HasQuery: true},
			},
		},
		{
			"empty multiValue stays present, integral float status",
			`{"context": {"eventType": "viewer-response"}, "request": {}, "response": {"statusCode": 2.0e2, "headers": {"v": {"value": "x", "multiValue": []}}}}`,
			&Event{
				Version:  "1.0",
				Context:  Context{EventType: ViewerResponse},
				Request:  Request{HasQuery: true},
				Response: &Response{StatusCode: 200, Headers: Fields{{Name: "v", Value: "x", MultiValue: []Value{}}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJSON([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got.Ignored = nil // TestParseIgnored's subject
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseJSON\n got: %+v\nwant: %+v", got, tt.want)
				if got.Response != nil && tt.want.Response != nil {
					t.Errorf("response\n got: %+v\nwant: %+v", *got.Response, *tt.want.Response)
				}
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", ``, "malformed JSON: unexpected EOF"},
		{"truncated", `{"request": {"uri": "/"`, "malformed JSON: unexpected EOF"},
		{"syntax", `{"request": {"uri": "/",}}`, "malformed JSON at byte"},
		{"trailing data", `{"request": {}} {}`, "more data after the event object"},
		{"not an object", `[]`, "the event: expected an object, got an array"},
		{"null", `null`, "the event must be a JSON object"},
		{"version type", `{"version": 1, "request": {}}`, "version: expected a string, got a number"},
		{"context type", `{"context": "x", "request": {}}`, "context: expected an object, got a string"},
		{"eventType type", `{"context": {"eventType": true}, "request": {}}`, "context.eventType: expected a string, got a boolean"},
		{"eventType value", `{"context": {"eventType": "origin-request"}, "request": {}}`, `context.eventType: "origin-request" is neither`},
		{"viewer ip", `{"viewer": {"ip": 1}, "request": {}}`, "viewer.ip: expected a string, got a number"},
		{"missing request", `{"version": "1.0"}`, "request: missing"},
		{"request type", `{"request": []}`, "request: expected an object, got an array"},
		{"uri type", `{"request": {"uri": {}}}`, "request.uri: expected a string, got an object"},
		{"querystring as string", `{"request": {"querystring": "a=1"}}`, "request.querystring: expected an object, got a string"},
		{"header entry type", `{"request": {"headers": {"host": "x"}}}`, `request.headers["host"]: expected an object, got a string`},
		{"header value type", `{"request": {"headers": {"host": {"value": 1}}}}`, `request.headers["host"].value: expected a string, got a number`},
		{"multiValue type", `{"request": {"cookies": {"a": {"multiValue": {}}}}}`, `request.cookies["a"].multiValue: expected an array, got an object`},
		{"multiValue item type", `{"request": {"querystring": {"a": {"multiValue": [{"value": "1"}, "2"]}}}}`, `request.querystring["a"].multiValue[1]: expected an object, got a string`},
		{"multiValue null item", `{"request": {"querystring": {"a": {"multiValue": [null]}}}}`, `request.querystring["a"].multiValue[0]: expected an object, got null`},
		{"missing response", `{"context": {"eventType": "viewer-response"}, "request": {}}`, "response: missing"},
		{"statusCode string", `{"context": {"eventType": "viewer-response"}, "request": {}, "response": {"statusCode": "200"}}`, "response.statusCode: expected an integer, got a string"},
		{"statusCode fraction", `{"context": {"eventType": "viewer-response"}, "request": {}, "response": {"statusCode": 200.5}}`, "response.statusCode: expected an integer, got 200.5"},
		{"statusCode huge", `{"context": {"eventType": "viewer-response"}, "request": {}, "response": {"statusCode": 1e300}}`, "response.statusCode: expected an integer, got 1e300"},
		{"cookie attributes type", `{"context": {"eventType": "viewer-response"}, "request": {}, "response": {"cookies": {"a": {"attributes": 5}}}}`, `response.cookies["a"].attributes: expected a string, got a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseJSON([]byte(tt.in))
			if err == nil {
				t.Fatalf("no error; parsed %+v", ev)
			}
			if !strings.HasPrefix(err.Error(), "invalid event object: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestParseJSONEventRoundTrip renders parsed events back with Event.JSON and
// parses them again.
func TestParseJSONEventRoundTrip(t *testing.T) {
	for _, in := range []string{
		`{"version":"1.0","context":{"distributionId":"E1","eventType":"viewer-request","requestId":"r"},"viewer":{"ip":"192.0.2.1"},"request":{"method":"GET","uri":"/a","querystring":{"q":{"value":"%20","multiValue":[{"value":"%20"},{"value":"+"}]}},"headers":{"host":{"value":"h"}},"cookies":{"c":{"value":"1"}}}}`,
		`{"version":"1.0","context":{"eventType":"viewer-response"},"viewer":{},"request":{"method":"GET","uri":"/","querystring":{},"headers":{},"cookies":{}},"response":{"statusCode":304,"statusDescription":"Not Modified","headers":{"etag":{"value":"\"x\""}},"cookies":{"id":{"value":"1","attributes":"Secure"}}}}`,
	} {
		ev, err := ParseJSON([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		out, err := ev.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != in {
			t.Errorf("Event.JSON\n got: %s\nwant: %s", out, in)
		}
		again, err := ParseJSON(out)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, ev) {
			t.Errorf("second parse differs\n got: %+v\nwant: %+v", again, ev)
		}
	}
}

func TestParseIgnored(t *testing.T) {
	tests := []struct {
		name, doc string
		ignored   []string
	}{
		{"none", `{"request":{"method":"GET","uri":"/","headers":{"host":{"value":"a"}}}}`, nil},
		{"aws-samples multivalue", `{"request":{"method":"GET","uri":"/","headers":{"accept":{"value":"a","multivalue":[{"value":"a"}]}}}}`,
			[]string{`request.headers["accept"].multivalue`}},
		{"top level and nested", `{"extra":1,"context":{"eventtype":"x"},"viewer":{"ip":"1.2.3.4","port":1},"request":{"method":"GET","uri":"/","body":{}}}`,
			[]string{"extra", "context.eventtype", "viewer.port", "request.body"}},
		{"response of a viewer-request event", `{"request":{"method":"GET","uri":"/"},"response":{"statusCode":200}}`, []string{"response"}},
		{"request cookie attributes", `{"request":{"method":"GET","uri":"/","cookies":{"a":{"value":"1","attributes":"Secure"}}}}`,
			[]string{`request.cookies["a"].attributes`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseJSON([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(ev.Ignored) != fmt.Sprint(tt.ignored) {
				t.Errorf("ignored %q, want %q", ev.Ignored, tt.ignored)
			}
		})
	}
}

func TestIgnoredWarning(t *testing.T) {
	tests := []struct{ path, want string }{
		{`request.headers["accept"].multivalue`, `did you mean "multiValue"?`},
		{"context.eventtype", `did you mean "eventType"?`},
		{"request.body", "the event object has no such field"},
	}
	for _, tt := range tests {
		if got := IgnoredWarning(tt.path); !strings.Contains(got, tt.want) || !strings.Contains(got, tt.path) {
			t.Errorf("IgnoredWarning(%s) = %q, want it to name the path and say %q", tt.path, got, tt.want)
		}
	}
}
