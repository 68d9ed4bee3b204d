package jsval

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/dop251/goja"
)

// TypeOf returns the JavaScript typeof of v.
func TypeOf(v goja.Value) string {
	switch v := v.(type) {
	case nil:
		return "undefined"
	case *goja.Object:
		if _, ok := goja.AssertFunction(v); ok {
			return "function"
		}
		return "object"
	case *goja.Symbol:
		return "symbol"
	}
	switch {
	case goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "object"
	case goja.IsString(v):
		return "string"
	case goja.IsNumber(v):
		return "number"
	case goja.IsBigInt(v):
		return "bigint"
	}
	return "boolean"
}

// Received renders v as the tail of Node's ERR_INVALID_ARG_TYPE messages.
func Received(v goja.Value) string {
	if IsUndefined(v) {
		return " Received undefined"
	}
	if goja.IsNull(v) {
		return " Received null"
	}
	if obj, ok := v.(*goja.Object); ok {
		if _, fn := goja.AssertFunction(obj); fn {
			if name := obj.Get("name"); name != nil && name.String() != "" {
				return " Received function " + name.String()
			}
			return " Received function "
		}
		if ctor, ok := obj.Get("constructor").(*goja.Object); ok {
			if name := ctor.Get("name"); name != nil && name.String() != "" {
				return " Received an instance of " + name.String()
			}
		}
		return " Received " + obj.String()
	}
	if goja.IsString(v) {
		return " Received type string (" + shortString(v.String()) + ")"
	}
	s := Inspect(v)
	if r := []rune(s); len(r) > 28 {
		s = string(r[:25]) + "..."
	}
	return " Received type " + TypeOf(v) + " (" + s + ")"
}

// shortString quotes a string as Node's type errors do: cut after 25
// characters, in single quotes unless it holds one, else as JSON.
func shortString(s string) string {
	if r := []rune(s); len(r) > 28 {
		s = string(r[:25]) + "..."
	}
	if !strings.Contains(s, "'") {
		return "'" + s + "'"
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// ReceivedNumber renders v as the tail of Node's ERR_OUT_OF_RANGE messages:
// large integers get digit separators.
func ReceivedNumber(v goja.Value) string {
	if goja.IsNumber(v) {
		f := v.ToFloat()
		if f == math.Trunc(f) && math.Abs(f) > 1<<32 && !math.IsInf(f, 0) {
			return " Received " + separate(v.String())
		}
	}
	return " Received " + Inspect(v)
}

// separate groups the digits of an integer literal in threes with '_'.
func separate(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('_')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// Inspect renders a primitive the way Node's util.inspect does.
func Inspect(v goja.Value) string {
	switch {
	case goja.IsString(v):
		return quote(v.String())
	case goja.IsNumber(v):
		if f := v.ToFloat(); f == 0 && math.Signbit(f) {
			return "-0"
		}
	}
	if IsUndefined(v) {
		return "undefined"
	}
	return v.String()
}

func quote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 {
		if strings.IndexByte(s, '"') < 0 {
			q = '"'
		} else if strings.IndexByte(s, '`') < 0 {
			q = '`'
		}
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7F:
			b.WriteString(`\x`)
			b.WriteByte("0123456789ABCDEF"[r>>4])
			b.WriteByte("0123456789ABCDEF"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}
