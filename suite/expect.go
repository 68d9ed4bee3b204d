package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// ParseExpectation reads an expected-result document, the form of the
// repository's conformance cases: the FunctionOutput object itself
// ({"request": ...} or {"response": ...}; a connection function's
// {"decision": "allow"|"deny"}, with "customLogData" when it logs some), or
// {"error": "<substring>"}, either with "logs": [...] beside it.
func ParseExpectation(data []byte) (*Expectation, error) {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("want a JSON object: %w", err)
	}
	if doc == nil {
		return nil, fmt.Errorf("want a JSON object, got null")
	}
	exp := &Expectation{}
	output := map[string]any{}
	for key, raw := range doc {
		var err error
		switch key {
		case "request", "response", "customLogData":
			var v any
			err = json.Unmarshal(raw, &v)
			output[key] = v
		case "decision":
			var d string
			if err = json.Unmarshal(raw, &d); err == nil && d != "allow" && d != "deny" {
				err = fmt.Errorf(`want "allow" or "deny", got %q`, d)
			}
			output[key] = d
		case "error":
			exp.Error = new(string)
			err = json.Unmarshal(raw, exp.Error)
		case "logs":
			exp.Logs = []string{}
			err = json.Unmarshal(raw, &exp.Logs)
		default:
			err = fmt.Errorf(`unknown member (want "request" or "response", "decision", "error", "logs")`)
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", key, err)
		}
	}
	_, isConn := output["decision"]
	_, hasCustom := output["customLogData"]
	_, isReq := output["request"]
	_, isResp := output["response"]
	switch {
	case isConn && (isReq || isResp):
		return nil, fmt.Errorf(`a connection function's output is "decision", not "request" or "response"`)
	case hasCustom && !isConn:
		return nil, fmt.Errorf(`"customLogData" goes with a connection function's "decision"`)
	case isReq && isResp:
		return nil, fmt.Errorf(`an output is "request" or "response", not both`)
	}
	if len(output) > 0 {
		if exp.Error != nil {
			return nil, fmt.Errorf(`"error" expects the run to fail: it cannot come with an output`)
		}
		exp.Output = output
	}
	return exp, nil
}

// ReadExpectation reads an expected-result file (see ParseExpectation); a
// logs file, when given, sets the expected logs (an array of strings).
func ReadExpectation(path, logsPath string) (*Expectation, error) {
	exp := &Expectation{}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if exp, err = ParseExpectation(data); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if logsPath != "" {
		data, err := os.ReadFile(logsPath)
		if err != nil {
			return nil, err
		}
		exp.Logs = []string{}
		if err := json.Unmarshal(data, &exp.Logs); err != nil {
			return nil, fmt.Errorf("%s: want an array of strings: %w", logsPath, err)
		}
	}
	return exp, nil
}
