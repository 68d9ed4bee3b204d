package bolt

import (
	"encoding/binary"
	"errors"

	"github.com/edgefn/edgefn/store"
)

// A log entry is the changes of one revision, each as
//
//	flag byte (0 put, 1 delete) | uvarint key length | key [| uvarint value length | value]
//
// A hand-rolled form: values are opaque bytes and the log is on every
// commit's path.
const (
	opPut    = 0
	opDelete = 1
)

var errCorruptLog = errors.New("bolt: corrupt change log entry")

func encodeChanges(changes []store.Change) []byte {
	n := 0
	for _, c := range changes {
		n += 1 + 2*binary.MaxVarintLen64 + len(c.Key) + len(c.Value)
	}
	b := make([]byte, 0, n)
	for _, c := range changes {
		if c.Deleted {
			b = append(b, opDelete)
			b = binary.AppendUvarint(b, uint64(len(c.Key)))
			b = append(b, c.Key...)
			continue
		}
		b = append(b, opPut)
		b = binary.AppendUvarint(b, uint64(len(c.Key)))
		b = append(b, c.Key...)
		b = binary.AppendUvarint(b, uint64(len(c.Value)))
		b = append(b, c.Value...)
	}
	return b
}

// decodeChanges copies the changes out of b, which bbolt owns.
func decodeChanges(b []byte) ([]store.Change, error) {
	var changes []store.Change
	field := func() ([]byte, error) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > uint64(len(b)-w) {
			return nil, errCorruptLog
		}
		f := append([]byte{}, b[w:w+int(n)]...)
		b = b[w+int(n):]
		return f, nil
	}
	for len(b) > 0 {
		op := b[0]
		b = b[1:]
		key, err := field()
		if err != nil {
			return nil, err
		}
		c := store.Change{Key: string(key)}
		switch op {
		case opDelete:
			c.Deleted = true
		case opPut:
			if c.Value, err = field(); err != nil {
				return nil, err
			}
		default:
			return nil, errCorruptLog
		}
		changes = append(changes, c)
	}
	return changes, nil
}
