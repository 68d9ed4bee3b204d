package kvsimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unicode/utf8"

	"github.com/edgefn/edgefn"
)

// entry is one element of the file's "data" array; pointers tell a missing member
// from an empty one.
type entry struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

// Parse reads an import file, {"data":[{"key":"k1","value":"v1"},...]}, and returns
// its items in file order. The file must be UTF-8 JSON of at most
// limits.KVSImportBytes bytes, every key 1..KVSKeyBytes bytes, every value at most
// KVSValueBytes bytes, keys unique, and keys plus values within KVSStoreBytes.
// Errors about the file are *edgefn.Error whose message says what is wrong and
// where, fit to be reported as the store's failure reason.
func Parse(r io.Reader, limits edgefn.Limits) ([]edgefn.Item, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.KVSImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	if int64(len(data)) > limits.KVSImportBytes {
		return nil, tooLarge("The import file is larger than the limit of %d bytes", limits.KVSImportBytes)
	}
	// Editors on some systems write a byte order mark; it is not content.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return nil, invalid("The import file is not valid UTF-8")
	}
	var doc struct {
		Data *[]entry `json:"data"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonError(err)
	}
	if doc.Data == nil {
		return nil, invalid(`The import file has no "data" array`)
	}
	items := make([]edgefn.Item, 0, len(*doc.Data))
	seen := make(map[string]int, len(*doc.Data))
	var total int64
	for i, e := range *doc.Data {
		switch {
		case e.Key == nil:
			return nil, invalid(`The import file's data[%d] has no "key"`, i)
		case e.Value == nil:
			return nil, invalid(`The import file's data[%d] has no "value"`, i)
		case *e.Key == "":
			return nil, invalid("The import file's data[%d] has an empty key", i)
		case len(*e.Key) > limits.KVSKeyBytes:
			return nil, invalid("The import file's data[%d] has a key of %d bytes; the limit is %d", i, len(*e.Key), limits.KVSKeyBytes)
		case len(*e.Value) > limits.KVSValueBytes:
			return nil, invalid("The import file's data[%d] (key %q) has a value of %d bytes; the limit is %d", i, *e.Key, len(*e.Value), limits.KVSValueBytes)
		}
		if first, dup := seen[*e.Key]; dup {
			return nil, invalid("The import file has the key %q twice (data[%d] and data[%d])", *e.Key, first, i)
		}
		seen[*e.Key] = i
		total += int64(len(*e.Key) + len(*e.Value))
		items = append(items, edgefn.Item{Key: *e.Key, Value: *e.Value})
	}
	if total > limits.KVSStoreBytes {
		return nil, tooLarge("The import file's keys and values total %d bytes; a store holds at most %d", total, limits.KVSStoreBytes)
	}
	return items, nil
}

// jsonError turns a decoding error into a reason that names the place in the file.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return invalid("The import file is not valid JSON: %v (at byte %d)", syntax, syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the document"
		}
		return invalid("The import file is not in the expected format: %s must be a JSON %s, not %s (at byte %d)", field, jsonKind(typ.Type), typ.Value, typ.Offset)
	}
	return invalid("The import file is not valid JSON: %v", err)
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		return "array"
	case reflect.String:
		return "string"
	}
	return "object"
}

func tooLarge(format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceKeyValueStore, format, args...)
}
