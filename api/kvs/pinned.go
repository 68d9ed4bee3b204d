package kvs

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// PinTransport returns an option for an http.Transport (it fits
// awshttp.BuildableClient.WithTransportOptions) that makes it connect to
// endpoint's host and port whatever host a request names. The KeyValueStore
// SDKs send requests to "<account>.<endpoint host>", which cannot resolve when
// the endpoint is an IP address or a plain name like localhost; pinned, an
// endpoint such as http://127.0.0.1:8080 works for both planes. TLS still
// verifies the certificate against the account-prefixed name.
func PinTransport(endpoint string) (func(*http.Transport), error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
		return nil, fmt.Errorf("endpoint %q: want http://host[:port] or https://host[:port]", endpoint)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	addr := net.JoinHostPort(u.Hostname(), port)
	return func(t *http.Transport) {
		var d net.Dialer
		t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}
		// A proxy would be dialled at addr too; the endpoint is always direct.
		t.Proxy = nil
	}, nil
}

// PinnedHTTPClient returns an HTTP client whose transport PinTransport pinned
// to endpoint, for SDK clients in tests and tools.
func PinnedHTTPClient(endpoint string) (*http.Client, error) {
	pin, err := PinTransport(endpoint)
	if err != nil {
		return nil, err
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	pin(t)
	return &http.Client{Transport: t}, nil
}
