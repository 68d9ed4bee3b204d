package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
)

// Snapshot is what the edge serves, at one revision: every LIVE function,
// every store with its items and every distribution, of all accounts. Apply
// moves it forward with the batches of Follow.
type Snapshot struct {
	Rev       int64
	Functions map[string]*edgefn.Function // LIVE copies by function ARN
	Stores    map[string]*StoreContents   // by store ARN
	// Distributions by distribution ARN, without RawConfig: the edge acts on
	// the parsed configuration only.
	Distributions map[string]*edgefn.Distribution
	// CachePolicies are the accounts' own policies by CachePolicyKey (the
	// managed ones are edgefn.ManagedCachePolicies).
	CachePolicies map[string]*edgefn.CachePolicy
	// OriginRequestPolicies are the accounts' own origin request policies,
	// by CachePolicyKey too.
	OriginRequestPolicies map[string]*edgefn.OriginRequestPolicy
	// ResponseHeadersPolicies are the accounts' own response headers
	// policies, by CachePolicyKey too.
	ResponseHeadersPolicies map[string]*edgefn.ResponseHeadersPolicy
	// Invalidations are by distribution ARN, oldest first.
	Invalidations map[string][]*edgefn.Invalidation
}

// CachePolicyKey is the key of a policy in Snapshot.CachePolicies,
// Snapshot.OriginRequestPolicies and Snapshot.ResponseHeadersPolicies.
func CachePolicyKey(account, id string) string { return account + "/" + id }

// StoreContents is a store and its items.
type StoreContents struct {
	Store *edgefn.KeyValueStore
	Items map[string]string
}

// EventKind says what an Event changed.
type EventKind int

const (
	// EventFunctionPut: the LIVE copy Function was published.
	EventFunctionPut EventKind = iota + 1
	// EventFunctionDeleted: the function Account/Name was deleted.
	EventFunctionDeleted
	// EventStorePut: the resource fields of Store changed (Name, Comment,
	// Status, FailureReason, Created, ETag); its content fields are zero.
	EventStorePut
	// EventStoreDataPut: the content totals of Store changed (ItemCount,
	// TotalSize, LastModified, DataETag); only Account and ID are also set.
	EventStoreDataPut
	// EventStoreDeleted: the store Account/StoreID was deleted with its items.
	EventStoreDeleted
	// EventItemPut: Item was put in the store Account/StoreID.
	EventItemPut
	// EventItemDeleted: Item.Key was deleted from the store Account/StoreID.
	EventItemDeleted
	// EventDistributionPut: Distribution was created or updated.
	EventDistributionPut
	// EventDistributionDeleted: the distribution Account/DistributionID was deleted.
	EventDistributionDeleted
	// EventCachePolicyPut: CachePolicy was created or updated.
	EventCachePolicyPut
	// EventCachePolicyDeleted: the policy Account/PolicyID was deleted.
	EventCachePolicyDeleted
	// EventInvalidationCreated: Invalidation was created.
	EventInvalidationCreated
	// EventOriginRequestPolicyPut: OriginRequestPolicy was created or updated.
	EventOriginRequestPolicyPut
	// EventOriginRequestPolicyDeleted: the policy Account/PolicyID was deleted.
	EventOriginRequestPolicyDeleted
	// EventResponseHeadersPolicyPut: ResponseHeadersPolicy was created or updated.
	EventResponseHeadersPolicyPut
	// EventResponseHeadersPolicyDeleted: the policy Account/PolicyID was deleted.
	EventResponseHeadersPolicyDeleted
)

// Event is one decoded change.
type Event struct {
	Kind    EventKind
	Account string
	Name    string // function events
	StoreID string // store and item events
	// DistributionID is set for distribution events.
	DistributionID string
	// PolicyID is set for policy events.
	PolicyID            string
	Function            *edgefn.Function
	CachePolicy         *edgefn.CachePolicy
	OriginRequestPolicy *edgefn.OriginRequestPolicy
	// ResponseHeadersPolicy is set for EventResponseHeadersPolicyPut.
	ResponseHeadersPolicy *edgefn.ResponseHeadersPolicy
	Invalidation          *edgefn.Invalidation
	Store                 *edgefn.KeyValueStore
	Item                  edgefn.Item
	Distribution          *edgefn.Distribution
}

// Batch is the events of one revision, to be applied together. A batch may
// have no events (the revision changed nothing the edge serves); applying it
// still advances the follower's revision.
type Batch struct {
	Rev    int64
	Events []Event
}

// Snapshot reads the replicated state at the current revision. Function
// Status is left empty: it is a management view the edge has no use for.
func (s *Store) Snapshot(ctx context.Context) (*Snapshot, error) {
	snap := &Snapshot{
		Functions:               map[string]*edgefn.Function{},
		Stores:                  map[string]*StoreContents{},
		Distributions:           map[string]*edgefn.Distribution{},
		CachePolicies:           map[string]*edgefn.CachePolicy{},
		OriginRequestPolicies:   map[string]*edgefn.OriginRequestPolicy{},
		ResponseHeadersPolicies: map[string]*edgefn.ResponseHeadersPolicy{},
		Invalidations:           map[string][]*edgefn.Invalidation{},
	}
	err := s.view(ctx, "snapshot", func(tx Tx) error {
		snap.Rev = tx.Rev()
		err := tx.Range(prefixLive, "", 0, func(kv KV) error {
			fn, err := decodeLive(kv.Key, kv.Value, kv.ModRev)
			if err != nil {
				return err
			}
			snap.Functions[edgefn.FunctionARN(fn.Account, fn.Name)] = fn
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Range(prefixDist, "", 0, func(kv KV) error {
			d, err := decodeDistribution(kv.Key, kv.Value, kv.ModRev)
			if err != nil {
				return err
			}
			snap.Distributions[edgefn.DistributionARN(d.Account, d.ID)] = d
			return nil
		})
		if err != nil {
			return err
		}
		if err := snapshotPolicies(tx, cachePolicies, snap.CachePolicies); err != nil {
			return err
		}
		if err := snapshotPolicies(tx, originRequestPolicies, snap.OriginRequestPolicies); err != nil {
			return err
		}
		if err := snapshotPolicies(tx, responseHeadersPolicies, snap.ResponseHeadersPolicies); err != nil {
			return err
		}
		err = tx.Range(prefixInval, "", 0, func(kv KV) error {
			inv, err := decodeInvalidation(kv.Key, kv.Value, kv.ModRev)
			if err != nil {
				return err
			}
			arn := edgefn.DistributionARN(inv.Account, inv.DistributionID)
			snap.Invalidations[arn] = append(snap.Invalidations[arn], inv)
			return nil
		})
		if err != nil {
			return err
		}
		for _, invs := range snap.Invalidations {
			slices.SortFunc(invs, func(a, b *edgefn.Invalidation) int { return cmp.Compare(a.Rev, b.Rev) })
		}
		return tx.Range(prefixStore, "", 0, func(kv KV) error {
			p, ok := parseStoreKey(kv.Key)
			if !ok {
				return nil
			}
			sc := snap.contents(p.account, p.id)
			switch p.kind {
			case suffixMeta:
				var r storeRecord
				if err := jsonValue(kv, &r); err != nil {
					return err
				}
				r.setResource(sc.Store, kv.ModRev)
			case suffixStats:
				var r statsRecord
				if err := jsonValue(kv, &r); err != nil {
					return err
				}
				r.setData(sc.Store, kv.ModRev)
			default:
				sc.Items[p.item] = string(kv.Value)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// contents returns the entry of a store, adding an empty one if needed.
func (snap *Snapshot) contents(account, id string) *StoreContents {
	arn := edgefn.KeyValueStoreARN(account, id)
	sc := snap.Stores[arn]
	if sc == nil {
		sc = &StoreContents{Store: &edgefn.KeyValueStore{Account: account, ID: id}, Items: map[string]string{}}
		snap.Stores[arn] = sc
	}
	return sc
}

// Apply applies a batch of Follow to the snapshot; afterwards it equals a
// Snapshot taken at b.Rev.
func (snap *Snapshot) Apply(b Batch) {
	for _, e := range b.Events {
		switch e.Kind {
		case EventFunctionPut:
			snap.Functions[edgefn.FunctionARN(e.Account, e.Name)] = e.Function
		case EventFunctionDeleted:
			delete(snap.Functions, edgefn.FunctionARN(e.Account, e.Name))
		case EventStorePut:
			k := snap.contents(e.Account, e.StoreID).Store
			k.Name, k.Comment, k.Status, k.FailureReason = e.Store.Name, e.Store.Comment, e.Store.Status, e.Store.FailureReason
			k.Created, k.ETag = e.Store.Created, e.Store.ETag
		case EventStoreDataPut:
			k := snap.contents(e.Account, e.StoreID).Store
			k.ItemCount, k.TotalSize, k.LastModified, k.DataETag = e.Store.ItemCount, e.Store.TotalSize, e.Store.LastModified, e.Store.DataETag
		case EventStoreDeleted:
			delete(snap.Stores, edgefn.KeyValueStoreARN(e.Account, e.StoreID))
		case EventItemPut:
			snap.contents(e.Account, e.StoreID).Items[e.Item.Key] = e.Item.Value
		case EventItemDeleted:
			if sc := snap.Stores[edgefn.KeyValueStoreARN(e.Account, e.StoreID)]; sc != nil {
				delete(sc.Items, e.Item.Key)
			}
		case EventDistributionPut:
			snap.Distributions[edgefn.DistributionARN(e.Account, e.DistributionID)] = e.Distribution
		case EventDistributionDeleted:
			arn := edgefn.DistributionARN(e.Account, e.DistributionID)
			delete(snap.Distributions, arn)
			delete(snap.Invalidations, arn)
		case EventCachePolicyPut:
			snap.CachePolicies[CachePolicyKey(e.Account, e.PolicyID)] = e.CachePolicy
		case EventCachePolicyDeleted:
			delete(snap.CachePolicies, CachePolicyKey(e.Account, e.PolicyID))
		case EventOriginRequestPolicyPut:
			snap.OriginRequestPolicies[CachePolicyKey(e.Account, e.PolicyID)] = e.OriginRequestPolicy
		case EventOriginRequestPolicyDeleted:
			delete(snap.OriginRequestPolicies, CachePolicyKey(e.Account, e.PolicyID))
		case EventResponseHeadersPolicyPut:
			snap.ResponseHeadersPolicies[CachePolicyKey(e.Account, e.PolicyID)] = e.ResponseHeadersPolicy
		case EventResponseHeadersPolicyDeleted:
			delete(snap.ResponseHeadersPolicies, CachePolicyKey(e.Account, e.PolicyID))
		case EventInvalidationCreated:
			arn := edgefn.DistributionARN(e.Account, e.DistributionID)
			snap.Invalidations[arn] = append(snap.Invalidations[arn], e.Invalidation)
		}
	}
	snap.Rev = b.Rev
}

// Follow sends a Batch for every revision after fromRev, in order, then
// follows live. Drain the channel or cancel ctx. The channel closes when ctx
// ends or the feed breaks; Follow
// again from the last revision received, and on ErrCompacted take a new
// Snapshot.
func (s *Store) Follow(ctx context.Context, fromRev int64) (<-chan Batch, error) {
	commits, err := s.b.Watch(ctx, fromRev)
	if err != nil {
		return nil, fmt.Errorf("store: follow from %d: %w", fromRev, err)
	}
	out := make(chan Batch)
	go func() {
		defer close(out)
		for c := range commits {
			b := Batch{Rev: c.Rev, Events: s.decode(c)}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// decode turns a commit into events. Keys of other prefixes (indexes,
// counters, DEVELOPMENT copies) are not replicated. A record that does not
// decode is logged and skipped rather than stalling every follower.
func (s *Store) decode(c Commit) []Event {
	// Deleting a store deletes its items in the same commit; the store's
	// deletion says it all.
	gone := map[string]bool{}
	for _, ch := range c.Changes {
		if p, ok := parseStoreKey(ch.Key); ok && ch.Deleted && p.kind == suffixMeta {
			gone[p.account+"/"+p.id] = true
		}
	}
	var events []Event
	for _, ch := range c.Changes {
		e, ok, err := decodeChange(ch, c.Rev, gone)
		if err != nil {
			s.log.Error("store: follow: undecodable change skipped", "rev", c.Rev, "key", ch.Key, "err", err)
			continue
		}
		if ok {
			events = append(events, e)
		}
	}
	return events
}

// keyed are the replicated kinds with a prefix of their own: put decodes a
// written record into its event, deleted names a deleted one (nil: a
// deletion the edge learns otherwise).
var keyed = []struct {
	prefix  string
	put     func(key string, value []byte, rev int64) (Event, error)
	deleted func(account, id string) *Event
}{
	{prefixLive, putEvent(decodeLive, func(fn *edgefn.Function) Event {
		return Event{Kind: EventFunctionPut, Account: fn.Account, Name: fn.Name, Function: fn}
	}), func(account, name string) *Event {
		return &Event{Kind: EventFunctionDeleted, Account: account, Name: name}
	}},
	{prefixDist, putEvent(decodeDistribution, func(d *edgefn.Distribution) Event {
		return Event{Kind: EventDistributionPut, Account: d.Account, DistributionID: d.ID, Distribution: d}
	}), func(account, id string) *Event {
		return &Event{Kind: EventDistributionDeleted, Account: account, DistributionID: id}
	}},
	{prefixPolicy, putEvent(cachePolicies.decode, func(p *edgefn.CachePolicy) Event {
		return Event{Kind: EventCachePolicyPut, Account: p.Account, PolicyID: p.ID, CachePolicy: p}
	}), func(account, id string) *Event {
		return &Event{Kind: EventCachePolicyDeleted, Account: account, PolicyID: id}
	}},
	{prefixORP, putEvent(originRequestPolicies.decode, func(p *edgefn.OriginRequestPolicy) Event {
		return Event{Kind: EventOriginRequestPolicyPut, Account: p.Account, PolicyID: p.ID, OriginRequestPolicy: p}
	}), func(account, id string) *Event {
		return &Event{Kind: EventOriginRequestPolicyDeleted, Account: account, PolicyID: id}
	}},
	{prefixRHP, putEvent(responseHeadersPolicies.decode, func(p *edgefn.ResponseHeadersPolicy) Event {
		return Event{Kind: EventResponseHeadersPolicyPut, Account: p.Account, PolicyID: p.ID, ResponseHeadersPolicy: p}
	}), func(account, id string) *Event {
		return &Event{Kind: EventResponseHeadersPolicyDeleted, Account: account, PolicyID: id}
	}},
	// Invalidations are deleted only with their distribution, whose
	// deletion says it all.
	{prefixInval, putEvent(decodeInvalidation, func(inv *edgefn.Invalidation) Event {
		return Event{Kind: EventInvalidationCreated, Account: inv.Account, DistributionID: inv.DistributionID, Invalidation: inv}
	}), func(string, string) *Event { return nil }},
}

// putEvent makes the put of a keyed kind from its decoder and its event.
func putEvent[T any](decode func(key string, value []byte, rev int64) (T, error), event func(T) Event) func(string, []byte, int64) (Event, error) {
	return func(key string, value []byte, rev int64) (Event, error) {
		v, err := decode(key, value, rev)
		if err != nil {
			return Event{}, err
		}
		return event(v), nil
	}
}

func decodeChange(ch Change, rev int64, gone map[string]bool) (Event, bool, error) {
	for _, k := range keyed {
		rest, ok := strings.CutPrefix(ch.Key, k.prefix)
		if !ok {
			continue
		}
		if ch.Deleted {
			account, id, _ := splitAccount(rest)
			e := k.deleted(account, id)
			if e == nil {
				return Event{}, false, nil
			}
			return *e, true, nil
		}
		e, err := k.put(ch.Key, ch.Value, rev)
		return e, err == nil, err
	}
	p, ok := parseStoreKey(ch.Key)
	if !ok {
		return Event{}, false, nil
	}
	e := Event{Account: p.account, StoreID: p.id}
	switch {
	case p.kind == suffixMeta && ch.Deleted:
		e.Kind = EventStoreDeleted
	case p.kind == suffixMeta:
		var r storeRecord
		if err := json.Unmarshal(ch.Value, &r); err != nil {
			return Event{}, false, err
		}
		e.Kind, e.Store = EventStorePut, &edgefn.KeyValueStore{Account: p.account, ID: p.id}
		r.setResource(e.Store, rev)
	case p.kind == suffixStats && ch.Deleted:
		return Event{}, false, nil
	case p.kind == suffixStats:
		var r statsRecord
		if err := json.Unmarshal(ch.Value, &r); err != nil {
			return Event{}, false, err
		}
		e.Kind, e.Store = EventStoreDataPut, &edgefn.KeyValueStore{Account: p.account, ID: p.id}
		r.setData(e.Store, rev)
	case ch.Deleted:
		if gone[p.account+"/"+p.id] {
			return Event{}, false, nil
		}
		e.Kind, e.Item = EventItemDeleted, edgefn.Item{Key: p.item}
	default:
		e.Kind, e.Item = EventItemPut, edgefn.Item{Key: p.item, Value: string(ch.Value)}
	}
	return e, true, nil
}

// decodeRecord decodes the record stored at key, under prefix, into rec and
// returns the key's account and what follows it.
func decodeRecord(key, prefix string, value []byte, rec any) (account, rest string, err error) {
	account, rest, ok := splitAccount(strings.TrimPrefix(key, prefix))
	if !ok {
		return "", "", fmt.Errorf("malformed key %q", key)
	}
	if err := json.Unmarshal(value, rec); err != nil {
		return "", "", fmt.Errorf("decode %q: %w", key, err)
	}
	return account, rest, nil
}

// decodeLive decodes a LIVE copy stored at key.
func decodeLive(key string, value []byte, modRev int64) (*edgefn.Function, error) {
	var r functionRecord
	account, name, err := decodeRecord(key, prefixLive, value, &r)
	if err != nil {
		return nil, err
	}
	return r.function(account, name, edgefn.StageLive, modRev), nil
}

// decodeDistribution decodes a distribution stored at key, leaving out its
// configuration document.
func decodeDistribution(key string, value []byte, modRev int64) (*edgefn.Distribution, error) {
	var r distributionRecord
	account, id, err := decodeRecord(key, prefixDist, value, &r)
	if err != nil {
		return nil, err
	}
	r.Raw = nil
	return r.distribution(account, id, modRev), nil
}

// decode decodes a policy of the kind stored at key.
func (k *policyKind[C]) decode(key string, value []byte, modRev int64) (*edgefn.Policy[C], error) {
	var r policyRecord[C]
	account, id, err := decodeRecord(key, k.prefix, value, &r)
	if err != nil {
		return nil, err
	}
	return r.policy(k, account, id, modRev), nil
}

// snapshotPolicies reads every policy of the kind into m.
func snapshotPolicies[C any](tx Tx, k *policyKind[C], m map[string]*edgefn.Policy[C]) error {
	return tx.Range(k.prefix, "", 0, func(kv KV) error {
		p, err := k.decode(kv.Key, kv.Value, kv.ModRev)
		if err != nil {
			return err
		}
		m[CachePolicyKey(p.Account, p.ID)] = p
		return nil
	})
}

// decodeInvalidation decodes an invalidation stored at key
// (<account>/<distribution>/<id> under its prefix).
func decodeInvalidation(key string, value []byte, modRev int64) (*edgefn.Invalidation, error) {
	var r invalidationRecord
	account, rest, err := decodeRecord(key, prefixInval, value, &r)
	if err != nil {
		return nil, err
	}
	dist, id, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("malformed key %q", key)
	}
	return r.invalidation(account, dist, id, modRev), nil
}
