package goja

import "fmt"

// Approximate costs, in bytes, of what a script allocates. They follow the
// sizes of goja's structures on 64-bit platforms closely enough to bound a
// script's memory; they are not exact.
const (
	objectAllocCost   = 256 // an Object, its implementation and its property map
	propertyAllocCost = 64  // a new own property: its name and map entry
	valueAllocCost    = 16  // an array element (an interface value)
)

// AllocationLimitError is the uncatchable error a script gets when what it
// allocates goes past the limit set with SetAllocationLimit.
type AllocationLimitError struct {
	baseUncatchableException
	Limit int64
}

func (e *AllocationLimitError) Error() string {
	return fmt.Sprintf("allocation limit of %d bytes exceeded", e.Limit)
}

// SetAllocationLimit bounds what scripts may allocate from now on to n bytes,
// counted at the places where a script can grow memory without bound: object,
// array and function creation, new properties, array growth, string
// concatenation, strings built or returned by native functions, and
// ArrayBuffer storage. Nothing is credited back when memory becomes garbage,
// so the limit bounds what one run allocates in total (an embedder sets it at
// the start of each run). Past the limit the running script is stopped with
// an uncatchable *AllocationLimitError; allocations that would go past it in
// one step are refused before they are made. n <= 0 removes the limit.
func (r *Runtime) SetAllocationLimit(n int64) {
	r.allocLimit, r.allocUsed = max(n, 0), 0
}

// chargeAlloc counts n bytes allocated by the running script.
func (r *Runtime) chargeAlloc(n int) {
	r.allocUsed += int64(n)
	if r.allocUsed > r.allocLimit && r.allocLimit > 0 {
		r.allocLimitExceeded()
	}
}

// checkAlloc refuses, before it is made, an allocation of n bytes that the
// budget cannot cover; what is finally allocated is charged elsewhere.
func (r *Runtime) checkAlloc(n int) {
	if r.allocLimit > 0 && r.allocUsed+int64(n) > r.allocLimit {
		r.allocLimitExceeded()
	}
}

func (r *Runtime) allocLimitExceeded() {
	ex := &AllocationLimitError{Limit: r.allocLimit}
	ex.stack = r.vm.captureStack(nil, 0)
	panic(ex)
}

// stringAllocSize is what a string of s's kind and length n occupies.
func stringAllocSize(s String, n int) int {
	if _, u := devirtualizeString(s); u != nil {
		return 2 * n
	}
	return n
}

// concatAllocSize is what the concatenation of a and b occupies.
func concatAllocSize(a, b String) int {
	n := a.Length() + b.Length()
	if _, u := devirtualizeString(a); u != nil {
		return 2 * n
	}
	if _, u := devirtualizeString(b); u != nil {
		return 2 * n
	}
	return n
}

// allocSize is what the string built so far occupies.
func (b *StringBuilder) allocSize() int {
	if b.ascii() {
		return b.asciiBuilder.Len()
	}
	return 2 * len(b.unicodeBuilder.buf)
}
