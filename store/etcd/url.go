package etcd

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultPrefix is where edgefn keeps its keys when a URL names no prefix.
const DefaultPrefix = "edgefn/"

// defaultPort is etcd's client port.
const defaultPort = "2379"

// ParseURL reads etcd://host1:2379,host2:2379[/prefix], the form of serve's
// --store flag. A host without a port gets 2379. The prefix always ends in
// "/", so that deployments "a" and "ab" cannot see each other's keys.
func ParseURL(s string) (endpoints []string, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "etcd://")
	if !ok {
		return nil, "", fmt.Errorf("%q: want etcd://host:port[,host:port...][/prefix]", s)
	}
	hosts, path, _ := strings.Cut(rest, "/")
	for h := range strings.SplitSeq(hosts, ",") {
		if h == "" {
			return nil, "", fmt.Errorf("%q: empty host", s)
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), defaultPort
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || host == "" || strings.ContainsAny(host, "[]") {
			return nil, "", fmt.Errorf("%q: bad host %q", s, h)
		}
		endpoints = append(endpoints, net.JoinHostPort(host, port))
	}
	prefix = strings.Trim(path, "/")
	if prefix == "" {
		return endpoints, DefaultPrefix, nil
	}
	return endpoints, prefix + "/", nil
}
