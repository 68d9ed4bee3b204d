package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/edgefn/edgefn/project"
	"github.com/edgefn/edgefn/suite"
	"github.com/edgefn/edgefn/watch"
)

// loadedSuite is a suite's cases and the files they read.
type loadedSuite struct {
	name  string
	cases []*suite.Case
	files []string
}

// loadSuite reads target: a project file, a directory with one, or a
// directory of conformance-style cases ("" is the working directory);
// record allows expectation files that do not exist yet.
func loadSuite(target string, record bool) (*loadedSuite, error) {
	path, err := project.Find(target)
	if err == nil {
		p, err := project.Load(path)
		if err != nil {
			return nil, err
		}
		cases, err := p.Cases(record)
		if err != nil {
			return nil, err
		}
		if len(cases) == 0 {
			return nil, fmt.Errorf("%s: no tests", path)
		}
		return &loadedSuite{name: path, cases: cases, files: p.Files()}, nil
	}
	if !project.IsNotExist(err) || target == "" {
		return nil, err
	}
	cases, err := suite.LoadDir(target)
	if err != nil {
		return nil, err
	}
	var files []string
	err = filepath.WalkDir(target, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	return &loadedSuite{name: target, cases: cases, files: files}, err
}

// runSuite runs a suite once, or on every change with watch; update
// records the results that differ as the expectations (suite.Record).
func runSuite(cmd *cobra.Command, target, junitPath string, watching, update bool) error {
	out := cmd.OutOrStdout()
	colour := isTerminal(out)
	once := func() (*loadedSuite, error) {
		s, err := loadSuite(target, update)
		if err != nil {
			return nil, usageError("%v", err)
		}
		results := suite.Run(cmd.Context(), s.cases)
		if update {
			if err := suite.Record(results); err != nil {
				return s, err
			}
		}
		suite.Report(out, results, colour)
		if err := writeJUnit(junitPath, s.name, results); err != nil {
			return s, err
		}
		return s, suiteExit(results)
	}
	s, err := once()
	if !watching {
		return err
	}
	files := []string{target}
	if s != nil {
		files = s.files
	} else {
		fmt.Fprintln(cmd.ErrOrStderr(), err)
	}
	w, err := watch.Start(files, func(err error) { fmt.Fprintln(cmd.ErrOrStderr(), err) })
	if err != nil {
		return err
	}
	// Only now: a file saved before the watches were in place was missed.
	fmt.Fprintln(out, "watching for changes (Ctrl-C to stop)")
	return w.Run(cmd.Context(), func() []string {
		fmt.Fprintln(out)
		s, err := once()
		if s == nil {
			fmt.Fprintln(cmd.ErrOrStderr(), err)
			return files
		}
		files = s.files
		return files
	})
}

// isTerminal reports whether w is a terminal, where colours help; piped
// output stays plain.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
