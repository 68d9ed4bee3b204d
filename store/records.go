package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/edgefn/edgefn"
)

// The stored forms. ETags are not stored: they are the ModRev of the key.

// functionRecord is one copy of a function (fd/ or fl/).
type functionRecord struct {
	ID       string         `json:"id,omitempty"` // connection functions
	Comment  string         `json:"comment"`
	Runtime  edgefn.Runtime `json:"runtime"`
	Stores   []string       `json:"stores,omitempty"` // KeyValueStore ARNs
	Code     []byte         `json:"code"`
	Created  time.Time      `json:"created"`
	Modified time.Time      `json:"modified"`
	// Source is, in a LIVE copy, the ModRev of the DEVELOPMENT copy that was
	// published: the DEVELOPMENT copy is UNPUBLISHED while its ModRev differs.
	Source int64 `json:"source,omitempty"`
}

// function builds the copy of stage that r is, written at modRev. A LIVE
// copy's ETag is the one the DEVELOPMENT copy had when it was published, as
// on AWS, where scripts pass one to calls that expect the other.
func (r *functionRecord) function(account, name string, stage edgefn.Stage, modRev int64) *edgefn.Function {
	if stage == edgefn.StageLive {
		modRev = r.Source
	}
	return &edgefn.Function{
		Account: account,
		ID:      r.ID,
		Name:    name,
		Stage:   stage,
		Config: edgefn.FunctionConfig{
			Comment:           r.Comment,
			Runtime:           r.Runtime,
			KeyValueStoreARNs: slices.Clone(r.Stores),
		},
		Code:         r.Code,
		ETag:         etag(spaceDev, modRev),
		Created:      r.Created,
		LastModified: r.Modified,
	}
}

// storeRecord is the resource of a KeyValueStore (k/…/m).
type storeRecord struct {
	Name          string    `json:"name"`
	Comment       string    `json:"comment"`
	Status        string    `json:"status"`
	FailureReason string    `json:"failure,omitempty"`
	Created       time.Time `json:"created"`
}

// statsRecord totals the items of a store (k/…/s). It is written by every
// change of the items, which makes it the key that guards them. Its Modified
// is the store's LastModified: when the contents last changed (creation,
// import, UpdateKeys); a comment change moves only the resource ETag.
type statsRecord struct {
	Items    int64     `json:"items"`
	Size     int64     `json:"size"` // key bytes + value bytes
	Modified time.Time `json:"modified"`
}

// setResource copies the resource fields of a store into k.
func (r *storeRecord) setResource(k *edgefn.KeyValueStore, modRev int64) {
	k.Name = r.Name
	k.Comment = r.Comment
	k.Status = r.Status
	k.FailureReason = r.FailureReason
	k.Created = r.Created
	k.ETag = etag(spaceStore, modRev)
}

// setData copies the content totals of a store into k.
func (r *statsRecord) setData(k *edgefn.KeyValueStore, modRev int64) {
	k.ItemCount = r.Items
	k.TotalSize = r.Size
	k.LastModified = r.Modified
	k.DataETag = etag(spaceData, modRev)
}

// distributionRecord is a distribution (d/…). The parsed configuration is
// what the store checks and the edge serves; Raw is the document the API
// wrote (as the client sent it, with CloudFront's defaults), which is what
// GetDistributionConfig returns. Its tags are
// kept under dt/.
type distributionRecord struct {
	Domain   string                    `json:"domain"`
	Config   edgefn.DistributionConfig `json:"config"`
	Raw      []byte                    `json:"raw"`
	Modified time.Time                 `json:"modified"`
}

func (r *distributionRecord) distribution(account, id string, modRev int64) *edgefn.Distribution {
	return &edgefn.Distribution{
		Account:      account,
		ID:           id,
		DomainName:   r.Domain,
		Status:       edgefn.DistributionDeployed,
		ETag:         etag(spaceDist, modRev),
		LastModified: r.Modified,
		Config:       r.Config,
		RawConfig:    r.Raw,
	}
}

// users is a sorted set of references to a resource: "<function>/<STAGE>"
// for a store, distribution ids for a function.
type users []string

func (u users) has(ref string) bool { _, ok := slices.BinarySearch(u, ref); return ok }

func (u users) add(ref string) users {
	i, ok := slices.BinarySearch(u, ref)
	if ok {
		return u
	}
	return slices.Insert(u, i, ref)
}

func (u users) remove(ref string) users {
	i, ok := slices.BinarySearch(u, ref)
	if !ok {
		return u
	}
	return slices.Delete(u, i, i+1)
}

// getJSON decodes the value of key into v.
func getJSON(tx Tx, key string, v any) (modRev int64, ok bool, err error) {
	kv, ok, err := tx.Get(key)
	if err != nil || !ok {
		return 0, ok, err
	}
	if err := jsonValue(kv, v); err != nil {
		return 0, false, err
	}
	return kv.ModRev, true, nil
}

func jsonValue(kv KV, v any) error {
	if err := json.Unmarshal(kv.Value, v); err != nil {
		return fmt.Errorf("decode %q: %w", kv.Key, err)
	}
	return nil
}

func putJSON(tx Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %q: %w", key, err)
	}
	return tx.Put(key, b)
}

// load reads the record at key; missing is the error when there is none, or
// when the id it is under is not well-formed (valid false), which is not
// looked up.
func load[R any](tx Tx, key string, valid bool, missing error) (*R, int64, error) {
	if !valid {
		return nil, 0, missing
	}
	var rec R
	modRev, ok, err := getJSON(tx, key, &rec)
	if err != nil {
		return nil, 0, err
	}
	if !ok {
		return nil, 0, missing
	}
	return &rec, modRev, nil
}

// current takes what load returned and checks ifMatch against the record's
// ETag (in space, for errors about res).
func current[R any](rec *R, modRev int64, err error, res edgefn.Resource, space etagSpace, ifMatch string) (*R, error) {
	if err != nil {
		return nil, err
	}
	if err := checkIfMatch(res, ifMatch, etag(space, modRev)); err != nil {
		return nil, err
	}
	return rec, nil
}

// getUsers reads a users set; a missing key is the empty set.
func getUsers(tx Tx, key string) (users, error) {
	var u users
	_, _, err := getJSON(tx, key, &u)
	return u, err
}

// putUsers writes a users set, deleting the key when the set is empty.
func putUsers(tx Tx, key string, u users) error {
	if len(u) == 0 {
		return tx.Delete(key)
	}
	return putJSON(tx, key, u)
}

// getCount reads a resource counter; reading it makes concurrent creates of
// one account conflict, so a quota cannot be overrun.
func getCount(tx Tx, account, kind string) (int, error) {
	kv, ok, err := tx.Get(countKey(account, kind))
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.Atoi(string(kv.Value))
	if err != nil {
		return 0, fmt.Errorf("decode count %s/%s: %w", account, kind, err)
	}
	return n, nil
}

func putCount(tx Tx, account, kind string, n int) error {
	if n <= 0 {
		return tx.Delete(countKey(account, kind))
	}
	return tx.Put(countKey(account, kind), strconv.AppendInt(nil, int64(n), 10))
}

// page is the part of all after the entry whose id is marker ("": from the
// start), at most max entries, and the id to ask for the next page from
// ("" when there is none).
func page[T any](all []T, id func(T) string, marker string, max int, res edgefn.Resource) ([]T, string, error) {
	if marker != "" {
		i := slices.IndexFunc(all, func(v T) bool { return id(v) == marker })
		if i < 0 {
			return nil, "", edgefn.Errorf(edgefn.ErrInvalidArgument, res, "The marker %q is not valid.", marker)
		}
		all = all[i+1:]
	}
	if len(all) <= max {
		return all, "", nil
	}
	return all[:max], id(all[max-1]), nil
}
