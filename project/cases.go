package project

import (
	"fmt"
	"os"

	"github.com/edgefn/edgefn/suite"
)

// Cases are the project's tests as suite cases: each runs its function's
// file and runtime, with the function's store seeded from its data file.
// With record (`edgefn test --update`), expect and logs files that do not
// exist yet are no error: recording writes them.
func (p *Project) Cases(record bool) ([]*suite.Case, error) {
	cases := make([]*suite.Case, 0, len(p.Tests))
	for _, t := range p.Tests {
		f := p.Function(t.Function)
		c := &suite.Case{Name: t.Name, File: f.Code, Runtime: f.Runtime, Kind: f.Kind, Event: t.Event, Ignore: t.Ignore, ExpectFile: t.Expect, LogsFile: t.Logs}
		if s := p.Store(f.KVS); s != nil {
			c.KVS = s.Data
		}
		expect, logs := t.Expect, t.Logs
		if record {
			expect, logs = existing(expect), existing(logs)
		}
		if expect != "" || logs != "" {
			exp, err := suite.ReadExpectation(expect, logs)
			if err != nil {
				return nil, fmt.Errorf("tests %s: %w", t.Name, err)
			}
			c.Expect = exp
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// existing is path when the file exists, "" otherwise.
func existing(path string) string {
	if _, err := os.Stat(path); err != nil {
		return ""
	}
	return path
}
