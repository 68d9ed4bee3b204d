package store

import (
	"encoding/base32"
	"encoding/binary"
)

// etagSpace keeps the ETags of different versioned things apart: the same
// revision gives a different ETag in each space, so a store's resource ETag
// is never taken for its data ETag, even when one commit wrote both. A
// function's two copies share spaceDev: LIVE carries the ETag of the
// DEVELOPMENT copy it was published from.
type etagSpace uint64

const (
	spaceDev etagSpace = iota + 1
	_                  // LIVE copies had a space of their own; the values stay put
	spaceStore
	spaceData
)

var etagEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// etag derives an ETag from the revision that wrote a resource (never from the
// clock). It looks like AWS's ("E" and 13 upper-case characters) and scrambles
// the revision so that clients do not read an order into it.
func etag(space etagSpace, rev int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(rev)*0x9E3779B97F4A7C15+uint64(space)*0xC2B2AE3D27D4EB4F)
	return "E" + etagEncoding.EncodeToString(b[:])
}
