// Package watch tells when files change, for the commands that reload on
// save (`edgefn dev`, `edgefn test --watch`). It watches the files'
// directories, not the files: editors often save by writing a new file and
// renaming it over the old one, which a watch on the old file would miss.
package watch

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Debounce is how long a burst of events must be quiet before the change is
// handled: an editor's save is several events (write, chmod, rename), and
// the reload should run once, on the finished file.
const Debounce = 40 * time.Millisecond

// Run calls changed after files change, once per burst, until ctx ends;
// changed returns the files to watch from then on (a project file that
// changed may name others). errs receives the watcher's own errors.
func Run(ctx context.Context, files []string, changed func() []string, errs func(error)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer w.Close()
	watched := map[string]bool{} // files, cleaned absolute paths
	dirs := map[string]bool{}
	set := func(files []string) {
		clear(watched)
		for _, f := range files {
			abs, err := filepath.Abs(f)
			if err != nil {
				errs(err)
				continue
			}
			watched[abs] = true
			dir := filepath.Dir(abs)
			if dirs[dir] {
				continue
			}
			if err := w.Add(dir); err != nil {
				errs(fmt.Errorf("watch %s: %w", dir, err))
				continue
			}
			dirs[dir] = true
		}
	}
	set(files)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if abs, err := filepath.Abs(ev.Name); err == nil && watched[abs] && !ev.Has(fsnotify.Chmod) {
				timer.Reset(Debounce)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			errs(err)
		case <-timer.C:
			set(changed())
		}
	}
}
