package runtime

import (
	"strings"

	"github.com/dop251/goja"
)

// console offers log() only, like CloudFront. Lines are kept for the run's
// result, up to the log limit (AWS truncates a run's logs at 10 KB).
func (r *realm) console() *goja.Object {
	c := r.vm.NewObject()
	_ = c.Set("log", r.consoleLog)
	return c
}

func (r *realm) consoleLog(call goja.FunctionCall) goja.Value {
	inv := r.inv
	if inv == nil || inv.logBytes >= r.e.opts.LogLimit {
		return goja.Undefined()
	}
	parts := make([]string, len(call.Arguments))
	for i, a := range call.Arguments {
		parts[i] = r.logString(a)
	}
	// Several arguments are documented as unsupported; the reference engine
	// joins them with spaces, and so do we.
	line := strings.Join(parts, " ")
	if room := r.e.opts.LogLimit - inv.logBytes; len(line) > room {
		line = line[:room]
	}
	inv.logBytes += len(line)
	inv.logs = append(inv.logs, line)
	return goja.Undefined()
}

// logString prints strings as they are and other values as JSON where possible.
func (r *realm) logString(v goja.Value) string {
	if _, ok := v.(*goja.Object); !ok || goja.IsNull(v) {
		return safeString(v)
	}
	if v.(*goja.Object).ClassName() == "Error" {
		return r.describe(v)
	}
	if _, isFn := goja.AssertFunction(v); !isFn {
		if s, err := r.jsonStringify(goja.Undefined(), v); err == nil && !goja.IsUndefined(s) {
			return s.String()
		}
	}
	return safeString(v)
}
