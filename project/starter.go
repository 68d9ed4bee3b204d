package project

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed starter
var starter embed.FS

// WriteStarter writes the starter project into dir (a function with a
// KeyValueStore, two tests, a directory origin) and returns the files
// written. It writes nothing if any of them exists already.
func WriteStarter(dir string) ([]string, error) {
	var names []string
	err := fs.WalkDir(starter, "starter", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var written []string
	for _, name := range names {
		dst := filepath.Join(dir, filepath.FromSlash(name[len("starter/"):]))
		if _, err := os.Stat(dst); err == nil {
			return nil, fmt.Errorf("%s exists already: init writes into a directory without a project", dst)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		written = append(written, dst)
	}
	for i, name := range names {
		data, err := starter.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(written[i]), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(written[i], data, 0o644); err != nil {
			return nil, err
		}
	}
	return written, nil
}
