package event

// occurrences returns what an entry holds when nothing rewrites it: its
// multiValue when present, else its single value. Small enough to inline, so
// the one-element slice usually stays on the caller's stack.
func occurrences(f *Field) []Value {
	if f.MultiValue != nil {
		return f.MultiValue
	}
	return []Value{{Value: f.Value, Attributes: f.Attributes}}
}

func equalValues(a, b []Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// indexFrom is the entry count from which collector looks names up in a map:
// a query string or Cookie header can carry thousands of names, and a linear
// search per name would make parsing quadratic.
const indexFrom = 16

// collector builds Fields from occurrences read off the wire, folding a
// repeated name into one entry whose value is the first occurrence and whose
// multiValue lists all of them (§2.6).
type collector struct {
	fs    Fields
	index map[string]int
	// room is the capacity fs starts with, from the number of pieces of the
	// input: the usual few entries cost one allocation.
	room int
}

// collect returns a collector for about pieces entries. Beyond indexFrom
// fs grows as it fills: a long run of separators must not make room for
// thousands of entries up front.
func collect(pieces int) collector {
	return collector{room: min(pieces, indexFrom)}
}

func (c *collector) add(name string, v Value) {
	if c.fs == nil {
		c.fs = make(Fields, 0, max(c.room, 1))
	}
	if i, ok := c.find(name); ok {
		f := &c.fs[i]
		if f.MultiValue == nil {
			f.MultiValue = []Value{{Value: f.Value, Attributes: f.Attributes}}
		}
		f.MultiValue = append(f.MultiValue, v)
		return
	}
	c.fs = append(c.fs, Field{Name: name, Value: v.Value, Attributes: v.Attributes})
	switch {
	case c.index != nil:
		c.index[name] = len(c.fs) - 1
	case len(c.fs) == indexFrom:
		c.index = make(map[string]int, 2*indexFrom)
		for i := range c.fs {
			c.index[c.fs[i].Name] = i
		}
	}
}

func (c *collector) find(name string) (int, bool) {
	if c.index != nil {
		i, ok := c.index[name]
		return i, ok
	}
	for i := range c.fs {
		if c.fs[i].Name == name {
			return i, true
		}
	}
	return 0, false
}
