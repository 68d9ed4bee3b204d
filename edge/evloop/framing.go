//go:build linux

package evloop

import (
	"bytes"
	"errors"
	"io"

	"github.com/valyala/fasthttp"
)

// errNoData is what a source returns when the bytes received so far run out
// before the parser has a whole message: wait for more and parse again.
var errNoData = errors.New("evloop: message incomplete")

// source feeds a parser the bytes received on a connection, from the start
// of the message; eof says the peer has sent all it will.
type source struct {
	b   []byte
	pos int
	eof bool
	// hungry records that the parser asked for more than there was.
	hungry bool
}

func (s *source) reset(b []byte, eof bool) { *s = source{b: b, eof: eof} }

func (s *source) Read(p []byte) (int, error) {
	if s.pos == len(s.b) {
		if s.eof {
			return 0, io.EOF
		}
		s.hungry = true
		return 0, errNoData
	}
	n := copy(p, s.b[s.pos:])
	s.pos += n
	return n, nil
}

// incomplete tells whether err, from a parse of src, only means that the
// message has not all arrived. fasthttp wraps read errors with %w, except in
// its chunk parser (ErrBrokenChunk hides them): there, the source having run
// dry says it.
func incomplete(err error, src *source) bool {
	if errors.Is(err, errNoData) {
		return true
	}
	if src.hungry && errors.Is(err, io.EOF) {
		// fasthttp's word for "only CRLFs so far".
		return true
	}
	var broken fasthttp.ErrBrokenChunk
	return src.hungry && errors.As(err, &broken)
}

// framing tells, cheaply and without parsing, when the bytes of a message
// are worth handing to the parser: once its head has ended (or its first
// line, once, so a malformed one is refused early), and then once the body's
// declared length or its last chunk is there. A message is so parsed a few
// times at most, however it is split, instead of once per arrival. It may
// say "ready" too early (the parser then asks for more), never too late.
type framing struct {
	scanned  int  // bytes searched for the head's end
	lineSeen bool // the first line ended and was parsed once
	headEnd  int  // >0: the head ends here
	need     int  // parse again once this many bytes are there
	chunked  bool // the body is chunked: chunks finds its end
	identity bool // the body ends with the connection
	chunks   chunkScan
}

func (f *framing) reset() { *f = framing{} }

// ready says whether b, the message's bytes so far, should be parsed; limit is
// the head's limit, past which the parser must be asked (to refuse it).
func (f *framing) ready(b []byte, eof bool, limit int) bool {
	if eof {
		return true
	}
	if f.headEnd == 0 {
		if i := headEnd(b, f.scanned); i > 0 {
			f.headEnd = i
		} else {
			f.scanned = max(0, len(b)-3)
			if !f.lineSeen && bytes.IndexByte(b, '\n') >= 0 {
				f.lineSeen = true
				return true
			}
			return len(b) >= limit
		}
	}
	switch {
	case f.chunked:
		return f.chunks.done(b, f.headEnd)
	case f.identity:
		return false
	}
	return len(b) >= f.need
}

// headEnd returns the end of a head in b (after its empty line), searching
// from from, or 0.
func headEnd(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return 0
}

// chunkScan follows a chunked body's framing, each byte once, to tell when
// its last chunk and trailer section may be there. It is lenient: the parser
// judges the bytes; the scan only must not wait for ones that will not come.
type chunkScan struct {
	pos      int // absolute, in the message
	state    uint8
	size     int64
	sizeDone bool // past the hex digits (an extension, or CR)
	lineLen  int  // trailer line length so far
}

const (
	csSize = iota
	csData
	csDataEnd
	csTrailer
)

// done scans b (the whole message, body from start) on from where it stopped.
func (c *chunkScan) done(b []byte, start int) bool {
	if c.pos < start {
		c.pos = start
	}
	for c.pos < len(b) {
		ch := b[c.pos]
		switch c.state {
		case csSize:
			c.pos++
			switch v := unhex(ch); {
			case ch == '\n':
				if c.size == 0 {
					c.state, c.lineLen = csTrailer, 0
				} else {
					c.state = csData
				}
				c.sizeDone = false
			case v >= 0 && !c.sizeDone:
				if c.size > 1<<40 {
					return true // absurd: let the parser refuse it
				}
				c.size = c.size<<4 | int64(v)
			default:
				c.sizeDone = true
			}
		case csData:
			n := min(c.size, int64(len(b)-c.pos))
			c.pos += int(n)
			c.size -= n
			if c.size == 0 {
				c.state = csDataEnd
			}
		case csDataEnd:
			c.pos++
			if ch == '\n' {
				c.state, c.size = csSize, 0
			}
		case csTrailer:
			c.pos++
			switch ch {
			case '\n':
				if c.lineLen == 0 {
					return true
				}
				c.lineLen = 0
			case '\r':
			default:
				c.lineLen++
			}
		}
	}
	return false
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
