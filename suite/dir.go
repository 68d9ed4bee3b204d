package suite

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
)

// caseSpec is a case directory's case.json; every key is optional.
type caseSpec struct {
	Runtime edgefn.Runtime `json:"runtime"`
	Kind    Kind           `json:"kind"`
	KVSID   string         `json:"kvsId"`
	Ignore  []string       `json:"ignore"`
}

// LoadDir finds the cases under dir, laid out as the repository's
// conformance cases: every directory holding a function.js is one function,
// with an optional case.json ({"runtime", "kind": "connection" for a
// connection function, "kvsId", "ignore"}) and kvs.json,
// and one case per event.json (or event.http, a raw request), each with its
// expected.json and logs.json beside it; NAME.event.json, NAME.expected.json
// and NAME.logs.json make the case NAME of that function.
func LoadDir(dir string) ([]*Case, error) {
	var cases []*Case
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != dir && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		found, err := loadCaseDir(dir, path)
		cases = append(cases, found...)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("%s: no cases (a directory with function.js and event.json)", dir)
	}
	return cases, nil
}

func loadCaseDir(root, dir string) ([]*Case, error) {
	fn := filepath.Join(dir, "function.js")
	if _, err := os.Stat(fn); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	spec := caseSpec{Runtime: edgefn.RuntimeJS2}
	if data, err := os.ReadFile(filepath.Join(dir, "case.json")); err == nil {
		if err := json.Unmarshal(data, &spec); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "case.json"), err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	kvs := filepath.Join(dir, "kvs.json")
	if _, err := os.Stat(kvs); err != nil {
		kvs = ""
	}
	events, err := filepath.Glob(filepath.Join(dir, "*event.*"))
	if err != nil {
		return nil, err
	}
	slices.Sort(events)
	rel, _ := filepath.Rel(root, dir)
	var cases []*Case
	for _, ev := range events {
		base := filepath.Base(ev)
		ext := filepath.Ext(base)
		prefix := strings.TrimSuffix(base, "event"+ext) // "" or "NAME."
		if (ext != ".json" && ext != ".http") || (prefix != "" && !strings.HasSuffix(prefix, ".")) {
			continue
		}
		name := filepath.ToSlash(rel)
		if prefix != "" {
			name = strings.TrimPrefix(name+"/"+strings.TrimSuffix(prefix, "."), "./")
		}
		expectFile := filepath.Join(dir, prefix+"expected.json")
		expected, logs := optional(expectFile), optional(filepath.Join(dir, prefix+"logs.json"))
		c := &Case{Name: name, File: fn, Runtime: spec.Runtime, Kind: spec.Kind, Event: ev, KVS: kvs, KVSID: spec.KVSID, Ignore: spec.Ignore, ExpectFile: expectFile, LogsFile: logs}
		if expected != "" || logs != "" {
			if c.Expect, err = ReadExpectation(expected, logs); err != nil {
				return nil, err
			}
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// optional is path when the file exists, "" otherwise.
func optional(path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}
