package runtime

import (
	"regexp"

	"github.com/dop251/goja"
)

// CloudFront's engine words common errors differently from goja; users compare
// these texts with what the AWS console shows them (spec §1.7, §5.3).
var errorTexts = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`^Cannot read property '(.*)' of (undefined|null)( or null)?$`), `cannot get property "$1" of $2`},
	{regexp.MustCompile(`^Cannot set property '(.*)' of (undefined|null)$`), `cannot set property "$1" of $2`},
	{regexp.MustCompile(`^([\w$]+) is not defined$`), `"$1" is not defined`},
}

func njsMessage(msg string) string {
	for _, t := range errorTexts {
		if t.re.MatchString(msg) {
			return t.re.ReplaceAllString(msg, t.repl)
		}
	}
	return msg
}

// describe renders a thrown value as "Name: message", like the reference engine.
func (r *realm) describe(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "Error: undefined"
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return "Uncaught exception: " + v.String()
	}
	name, msg := obj.Get("name"), obj.Get("message")
	if name == nil || goja.IsUndefined(name) || msg == nil {
		return "Uncaught exception: " + safeString(v)
	}
	if m := njsMessage(msg.String()); m != "" {
		return name.String() + ": " + m
	}
	return name.String()
}

// safeString converts without running user toString code that may throw.
func safeString(v goja.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "[object]"
		}
	}()
	return v.String()
}
