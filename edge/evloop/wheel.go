//go:build linux

package evloop

// wheel is a loop's timer wheel: each connection has at most one deadline,
// in ticks of the loop's clock, kept in the slot of its tick in an intrusive
// list, so that setting, moving and cancelling one costs a few pointer moves
// and no allocation. A deadline further away than the wheel is round stays in
// its slot until its round comes.
type wheel struct {
	slots []*conn
	now   int64
	due   []*conn // scratch of advance
}

const wheelSlots = 1024

func newWheel() *wheel { return &wheel{slots: make([]*conn, wheelSlots)} }

// set gives c the deadline at (a tick later than now), replacing its own.
func (w *wheel) set(c *conn, at int64) {
	if c.tslot >= 0 {
		if c.tat == at {
			return
		}
		w.cancel(c)
	}
	if at <= w.now {
		at = w.now + 1
	}
	i := int(at % wheelSlots)
	c.tat, c.tslot = at, int32(i)
	c.tprev, c.tnext = nil, w.slots[i]
	if c.tnext != nil {
		c.tnext.tprev = c
	}
	w.slots[i] = c
}

func (w *wheel) cancel(c *conn) {
	if c.tslot < 0 {
		return
	}
	if c.tprev != nil {
		c.tprev.tnext = c.tnext
	} else {
		w.slots[c.tslot] = c.tnext
	}
	if c.tnext != nil {
		c.tnext.tprev = c.tprev
	}
	c.tprev, c.tnext, c.tslot = nil, nil, -1
}

// advance moves the clock n ticks on and calls fire for every connection
// whose deadline has come, after taking them all off the wheel: a fire may
// close other connections, due ones included (fire must check).
func (w *wheel) advance(n int64, fire func(*conn)) {
	if n > wheelSlots {
		// A stalled loop: one round sees every slot.
		w.now += n - wheelSlots
		n = wheelSlots
	}
	for ; n > 0; n-- {
		w.now++
		i := int(w.now % wheelSlots)
		w.due = w.due[:0]
		for c := w.slots[i]; c != nil; c = c.tnext {
			if c.tat <= w.now {
				w.due = append(w.due, c)
			}
		}
		for _, c := range w.due {
			w.cancel(c)
		}
		for _, c := range w.due {
			fire(c)
		}
	}
}
