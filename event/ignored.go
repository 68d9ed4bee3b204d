package event

import (
	"fmt"
	"strings"
)

// memberNames are the keys an event object has, at any depth.
var memberNames = []string{
	"version", "context", "viewer", "request", "response",
	"distributionDomainName", "endpoint", "distributionId", "eventType", "requestId", "ip",
	"method", "uri", "querystring", "headers", "cookies",
	"statusCode", "statusDescription", "value", "multiValue", "attributes",
}

// IgnoredWarning is the line that tells a user a member of their event was
// skipped, naming the member meant when only its case differs (events copied
// from aws-samples spell multiValue "multivalue").
func IgnoredWarning(path string) string {
	key := path[strings.LastIndexByte(path, '.')+1:]
	for _, name := range memberNames {
		if strings.EqualFold(key, name) && key != name {
			return fmt.Sprintf("event field %s is ignored: keys are case-sensitive, did you mean %q?", path, name)
		}
	}
	return fmt.Sprintf("event field %s is ignored: the event object has no such field", path)
}

// Warnings are the IgnoredWarning lines of the members parsing skipped.
func (e *Event) Warnings() []string {
	var ws []string
	for _, path := range e.Ignored {
		ws = append(ws, IgnoredWarning(path))
	}
	return ws
}
