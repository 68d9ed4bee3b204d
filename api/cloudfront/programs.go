package cloudfront

import (
	"container/list"
	"errors"
	"sync"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/runtime"
)

// programCacheSize bounds the compiled programs kept for TestFunction and
// PublishFunction: a few per function being worked on.
const programCacheSize = 256

// compile returns fn's compiled code. Programs are cached by account, name and
// ETag: an ETag names one version of the function's code and runtime (a LIVE
// copy carries the ETag of the DEVELOPMENT version it was published from), so
// a cached program can never be stale. Code the runtime refuses
// is cached too (as its *runtime.CompileError), so testing a broken function
// again does not compile it again.
func (h *Handler) compile(fn *edgefn.Function) (Program, error) {
	key := fn.Account + "/" + fn.Name + "/" + fn.ETag
	compile := func() (Program, error) { return h.engine.Compile(fn.Code, fn.Config.Runtime) }
	if fn.ID != "" { // a connection function
		key = fn.Account + "/connection-function/" + fn.ID + "/" + fn.ETag
		compile = func() (Program, error) { return h.engine.CompileConnection(fn.Code) }
	}
	if c, ok := h.programs.get(key); ok {
		return c.prog, c.err
	}
	prog, err := compile()
	var ce *runtime.CompileError
	if err == nil || errors.As(err, &ce) {
		h.programs.add(key, compiled{prog: prog, err: err})
	}
	return prog, err
}

// compiled is the outcome of compiling one version.
type compiled struct {
	prog Program
	err  error
}

// programCache is a least-recently-used map of compiled programs.
type programCache struct {
	mu      sync.Mutex
	max     int
	order   *list.List // of *cacheEntry, most recent first
	entries map[string]*list.Element
}

type cacheEntry struct {
	key string
	compiled
}

func newProgramCache(max int) *programCache {
	return &programCache{max: max, order: list.New(), entries: make(map[string]*list.Element)}
}

func (c *programCache) get(key string) (compiled, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return compiled{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).compiled, true
}

func (c *programCache) add(key string, v compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok { // compiled twice concurrently: keep one
		c.order.MoveToFront(el)
		return
	}
	c.entries[key] = c.order.PushFront(&cacheEntry{key: key, compiled: v})
	if c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.entries, oldest.Value.(*cacheEntry).key)
	}
}
