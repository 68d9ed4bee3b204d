package project

import (
	"fmt"

	"github.com/edgefn/edgefn/suite"
)

// Cases are the project's tests as suite cases: each runs its function's
// file and runtime, with the function's store seeded from its data file.
func (p *Project) Cases() ([]*suite.Case, error) {
	cases := make([]*suite.Case, 0, len(p.Tests))
	for _, t := range p.Tests {
		f := p.Function(t.Function)
		c := &suite.Case{Name: t.Name, File: f.Code, Runtime: f.Runtime, Event: t.Event, Ignore: t.Ignore, ExpectFile: t.Expect, LogsFile: t.Logs}
		if s := p.Store(f.KVS); s != nil {
			c.KVS = s.Data
		}
		if t.Expect != "" || t.Logs != "" {
			exp, err := suite.ReadExpectation(t.Expect, t.Logs)
			if err != nil {
				return nil, fmt.Errorf("tests %s: %w", t.Name, err)
			}
			c.Expect = exp
		}
		cases = append(cases, c)
	}
	return cases, nil
}
