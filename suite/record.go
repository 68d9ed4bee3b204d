package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Record is snapshot testing's update mode (`edgefn test --update`): the
// actual result of each case that ran and did not pass, or had no
// expectation, becomes its expectation, written to the case's ExpectFile
// (the FunctionOutput, or {"error": message} for a run that failed) and
// LogsFile (the logs). Logs are written beside the output when the case's
// expectation held them there. Cases whose function does not compile are
// left alone: a compile error is never what one means to record. A recorded
// case passes; Recorded names its file. A case with nowhere to write gets a
// warning.
func Record(results []*Result) error {
	for _, r := range results {
		c := r.Case
		if r.Err != nil || r.Compile != nil || (c.Expect != nil && len(r.Diffs) == 0) {
			continue
		}
		if c.ExpectFile == "" && c.LogsFile == "" {
			r.Warnings = append(r.Warnings, "not recorded: the test names no expect file")
			continue
		}
		logsInline := c.LogsFile == "" && (c.ExpectFile != "" && c.Expect != nil && c.Expect.Logs != nil)
		if c.ExpectFile != "" {
			doc, err := expectationDoc(&r.TestResult, logsInline)
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			if err := os.WriteFile(c.ExpectFile, doc, 0o644); err != nil {
				return err
			}
		}
		if c.LogsFile != "" {
			logs, err := indentJSON(r.TestResult.FunctionExecutionLogs)
			if err != nil {
				return err
			}
			if err := os.WriteFile(c.LogsFile, logs, 0o644); err != nil {
				return err
			}
		}
		r.Diffs, r.Recorded = nil, strings.TrimSpace(c.ExpectFile+" "+c.LogsFile)
	}
	return nil
}

// expectationDoc is the expected-result document for what a run gave (see
// ParseExpectation): the FunctionOutput as the runtime wrote it (its key
// order kept), or the error, with the logs when logs is set.
func expectationDoc(res *TestResult, logs bool) ([]byte, error) {
	doc := []byte(res.FunctionOutput)
	if res.FunctionErrorMessage != "" {
		msg, err := marshal(res.FunctionErrorMessage)
		if err != nil {
			return nil, err
		}
		doc = []byte(`{"error":` + string(msg) + `}`)
	}
	if logs {
		l, err := marshal(res.FunctionExecutionLogs)
		if err != nil {
			return nil, err
		}
		doc = append(bytes.TrimSuffix(bytes.TrimSpace(doc), []byte("}")), []byte(`,"logs":`+string(l)+`}`)...)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, doc, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// marshal is v as JSON with & < > as written.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func indentJSON(v any) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
