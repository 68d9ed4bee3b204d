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

// Watcher watches files through their directories.
type Watcher struct {
	w       *fsnotify.Watcher
	errs    func(error)
	watched map[string]bool // files, cleaned absolute paths
	dirs    map[string]bool
}

// Start watches files: a change made once it has returned is seen (a
// message such as "watching for changes" belongs after it). errs receives
// the watcher's own errors.
func Start(files []string, errs func(error)) (*Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	x := &Watcher{w: w, errs: errs, watched: map[string]bool{}, dirs: map[string]bool{}}
	x.set(files)
	return x, nil
}

// set makes files the ones watched.
func (x *Watcher) set(files []string) {
	clear(x.watched)
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			x.errs(err)
			continue
		}
		x.watched[abs] = true
		dir := filepath.Dir(abs)
		if x.dirs[dir] {
			continue
		}
		if err := x.w.Add(dir); err != nil {
			x.errs(fmt.Errorf("watch %s: %w", dir, err))
			continue
		}
		x.dirs[dir] = true
	}
}

// Run calls changed after the files change, once per burst, until ctx
// ends, then stops watching; changed returns the files to watch from then
// on (a project file that changed may name others).
func (x *Watcher) Run(ctx context.Context, changed func() []string) error {
	defer x.w.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-x.w.Events:
			if !ok {
				return nil
			}
			if abs, err := filepath.Abs(ev.Name); err == nil && x.watched[abs] && !ev.Has(fsnotify.Chmod) {
				timer.Reset(Debounce)
			}
		case err, ok := <-x.w.Errors:
			if !ok {
				return nil
			}
			x.errs(err)
		case <-timer.C:
			x.set(changed())
		}
	}
}
