package replay

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
)

// jsonReader reads standard logging v2 JSON: one object a line whose keys are
// the field names of the standard log.
type jsonReader struct {
	name string
	sc   *bufio.Scanner
	line int
}

func (r *jsonReader) next() (rec Record, bad *Malformed, ok bool) {
	for r.sc.Scan() {
		r.line++
		line := strings.TrimSpace(r.sc.Text())
		if line == "" {
			continue
		}
		src := fmt.Sprintf("%s:%d", r.name, r.line)
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return rec, &Malformed{Source: src, Line: clip(line), Reason: err.Error()}, true
		}
		get := func(name string) string {
			switch v := m[name].(type) {
			case string:
				if v == "-" {
					return ""
				}
				return v
			case nil:
				return ""
			default:
				return fmt.Sprint(v)
			}
		}
		rec, err := buildRecord(src, get)
		if err != nil {
			return rec, &Malformed{Source: src, Line: clip(line), Reason: err.Error()}, true
		}
		return rec, nil, true
	}
	return rec, nil, false
}
