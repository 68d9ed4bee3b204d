package project

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/suite"
)

// FileNames are the names Find looks for, in order.
var FileNames = []string{"edgefn.yaml", "edgefn.yml", "edgefn.json"}

// file is the project file as written (see edgefn.schema.json).
type file struct {
	Origin    string                  `yaml:"origin"`
	Aliases   []string                `yaml:"aliases"`
	Runtime   edgefn.Runtime          `yaml:"runtime"`
	Functions map[string]fileFunction `yaml:"functions"`
	Stores    map[string]fileStore    `yaml:"stores"`
	Behaviors []fileBehavior          `yaml:"behaviors"`
	Tests     []fileTest              `yaml:"tests"`
}

type fileFunction struct {
	Code    string         `yaml:"code"`
	Runtime edgefn.Runtime `yaml:"runtime"`
	Kind    suite.Kind     `yaml:"kind"`
	Comment string         `yaml:"comment"`
	KVS     string         `yaml:"kvs"`
}

type fileStore struct {
	Data    string `yaml:"data"`
	Comment string `yaml:"comment"`
}

type fileBehavior struct {
	Path           string `yaml:"path"`
	ViewerRequest  string `yaml:"viewer-request"`
	ViewerResponse string `yaml:"viewer-response"`
}

type fileTest struct {
	Name     string   `yaml:"name"`
	Function string   `yaml:"function"`
	Event    string   `yaml:"event"`
	Expect   string   `yaml:"expect"`
	Logs     string   `yaml:"logs"`
	Ignore   []string `yaml:"ignore"`
}

// Find returns the project file at path: path itself when it is a file, the
// first of FileNames in it when it is a directory ("" means ".").
func Find(path string) (string, error) {
	if path == "" {
		path = "."
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return path, nil
	}
	for _, name := range FileNames {
		candidate := filepath.Join(path, name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("%s: no %s: %w", path, strings.Join(FileNames, ", "), fs.ErrNotExist)
}

// Load reads and checks the project file at path. YAML and JSON are read
// alike (JSON is YAML); unknown keys are errors, so a misspelt key is not
// silently ignored.
func Load(path string) (*Project, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, true))
	}
	p := &Project{Path: path, Dir: filepath.Dir(path), Aliases: f.Aliases}
	switch {
	case strings.Contains(f.Origin, "://"):
		p.Origin = f.Origin
	case f.Origin != "":
		p.OriginDir = p.resolve(f.Origin)
	}
	if f.Runtime == "" {
		f.Runtime = edgefn.RuntimeJS2
	}
	for _, name := range slices.Sorted(maps.Keys(f.Functions)) {
		ff := f.Functions[name]
		if ff.Code == "" {
			return nil, fmt.Errorf("%s: functions.%s: code (the function's file) is required", path, name)
		}
		rt := ff.Runtime
		switch {
		case rt == "" && ff.Kind == suite.KindConnection:
			rt = edgefn.RuntimeJS2 // their only runtime, whatever viewer functions use
		case rt == "":
			rt = f.Runtime
		}
		p.Functions = append(p.Functions, &Function{Name: name, Code: p.resolve(ff.Code), Runtime: rt, Kind: ff.Kind, Comment: ff.Comment, KVS: ff.KVS})
	}
	for _, name := range slices.Sorted(maps.Keys(f.Stores)) {
		fs := f.Stores[name]
		if fs.Data == "" {
			return nil, fmt.Errorf(`%s: stores.%s: data (an import file; {"data": []} for an empty store) is required`, path, name)
		}
		p.Stores = append(p.Stores, &Store{Name: name, Data: p.resolve(fs.Data), Comment: fs.Comment})
	}
	p.Default.PathPattern = "*"
	for _, b := range f.Behaviors {
		nb := Behavior{PathPattern: b.Path, ViewerRequest: b.ViewerRequest, ViewerResponse: b.ViewerResponse}
		if b.Path == "*" || b.Path == "/*" {
			nb.PathPattern = "*"
			p.Default = nb
			continue
		}
		if b.Path == "" {
			return nil, fmt.Errorf("%s: every behavior needs a path (\"*\" for the default one)", path)
		}
		p.Behaviors = append(p.Behaviors, nb)
	}
	for i, t := range f.Tests {
		if t.Function == "" || t.Event == "" {
			return nil, fmt.Errorf("%s: tests[%d]: function and event are required", path, i)
		}
		if t.Name == "" {
			t.Name = fmt.Sprintf("%s/%s", t.Function, strings.TrimSuffix(filepath.Base(t.Event), filepath.Ext(t.Event)))
		}
		p.Tests = append(p.Tests, Test{Name: t.Name, Function: t.Function, Event: p.resolve(t.Event), Expect: p.resolve(t.Expect), Logs: p.resolve(t.Logs), Ignore: t.Ignore})
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// IsNotExist reports whether Find found no project file.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
