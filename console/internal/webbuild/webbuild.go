// Package webbuild bundles the console's front-end (console/web/src, with the
// npm packages pinned by console/web/package-lock.json) into the one script
// the console embeds, with esbuild's Go API: the same inputs give the same
// bytes, so the committed bundle can be checked against a fresh build.
package webbuild

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Build bundles webDir/src/main.js and returns the minified script.
func Build(webDir string) ([]byte, error) {
	abs, err := filepath.Abs(webDir)
	if err != nil {
		return nil, fmt.Errorf("webbuild: %w", err)
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:       []string{filepath.Join(abs, "src", "main.js")},
		AbsWorkingDir:     abs,
		Bundle:            true,
		Format:            api.FormatIIFE,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		LegalComments:     api.LegalCommentsEndOfFile,
		Charset:           api.CharsetUTF8,
		Write:             false,
		LogLevel:          api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := make([]string, 0, len(res.Errors))
		for _, m := range res.Errors {
			where := ""
			if m.Location != nil {
				where = fmt.Sprintf("%s:%d: ", m.Location.File, m.Location.Line)
			}
			msgs = append(msgs, where+m.Text)
		}
		return nil, fmt.Errorf("webbuild: %s (did `npm ci` run in %s?)", strings.Join(msgs, "; "), webDir)
	}
	if len(res.OutputFiles) != 1 {
		return nil, errors.New("webbuild: esbuild wrote no single output")
	}
	return res.OutputFiles[0].Contents, nil
}
