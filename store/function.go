package store

import (
	"context"
	"slices"
	"strings"

	"github.com/edgefn/edgefn"
)

const defaultListFunctions = 100

// family is a kind of function: viewer functions (CloudFront Functions) and
// connection functions share the DEVELOPMENT/LIVE lifecycle, the ETags and the
// KeyValueStore associations, under their own keys, counter and error resource.
type family struct {
	dev, live, users, ids string // key prefixes (ids: "" when not addressed by id)
	count                 string
	res                   edgefn.Resource
	noun                  string // in messages
	ref                   string // marks the family's copies among a store's users
	tags                  string // key prefix of the tags ("": the family has none)
}

var (
	viewerFunctions = family{dev: prefixDev, live: prefixLive, users: prefixFuncUsers,
		count: countFunctions, res: edgefn.ResourceFunction, noun: "function", tags: prefixFuncTags}
	connectionFunctions = family{dev: prefixConnDev, live: prefixConnLive, users: prefixConnUsers, ids: prefixConnID,
		count: countConnFunctions, res: edgefn.ResourceConnectionFunction, noun: "connection function", ref: "connection-function:"}
)

func (f family) key(account, name string, stage edgefn.Stage) string {
	if stage == edgefn.StageLive {
		return f.live + account + "/" + name
	}
	return f.dev + account + "/" + name
}

func (f family) usersKey(account, name string) string { return f.users + account + "/" + name }

func (f family) tagsKey(account, name string) string { return f.tags + account + "/" + name }

func (f family) idKey(account, id string) string { return f.ids + account + "/" + id }

func (f family) errNotFound(name string) error {
	return edgefn.Errorf(edgefn.ErrNotFound, f.res, "The %s %s does not exist.", f.noun, name)
}

func errNoFunction(name string) error { return viewerFunctions.errNotFound(name) }

// CreateFunction creates the DEVELOPMENT copy of a function (UNPUBLISHED),
// with its tags.
func (s *Store) CreateFunction(ctx context.Context, account, name string, cfg edgefn.FunctionConfig, code []byte, tags ...edgefn.Tag) (*edgefn.Function, error) {
	return s.createFunction(ctx, viewerFunctions, account, name, "", cfg, code, tags)
}

func (s *Store) createFunction(ctx context.Context, f family, account, name, id string, cfg edgefn.FunctionConfig, code []byte, tags []edgefn.Tag) (*edgefn.Function, error) {
	if err := s.checkFunction(f, account, name, cfg, code); err != nil {
		return nil, err
	}
	if err := checkTags(f.res, tags); err != nil {
		return nil, err
	}
	now := s.clock()
	rec := &functionRecord{
		ID:       id,
		Comment:  cfg.Comment,
		Runtime:  cfg.Runtime,
		Stores:   slices.Clone(cfg.KeyValueStoreARNs),
		Code:     slices.Clone(code),
		Created:  now,
		Modified: now,
	}
	rev, err := s.update(ctx, "create "+f.noun, func(tx Tx) error {
		key := f.key(account, name, edgefn.StageDevelopment)
		if _, ok, err := tx.Get(key); err != nil {
			return err
		} else if ok {
			return edgefn.Errorf(edgefn.ErrAlreadyExists, f.res, "A %s with the name %s already exists.", f.noun, name)
		}
		n, err := getCount(tx, account, f.count)
		if err != nil {
			return err
		}
		if n >= s.limits.FunctionsPerAccount {
			return edgefn.Errorf(edgefn.ErrLimitExceeded, f.res,
				"You have reached the maximum number of %ss (%d) for this account.", f.noun, s.limits.FunctionsPerAccount)
		}
		if err := s.associate(tx, f, account, name, edgefn.StageDevelopment, nil, rec.Stores); err != nil {
			return err
		}
		if err := putCount(tx, account, f.count, n+1); err != nil {
			return err
		}
		if f.tags != "" {
			if err := putTags(tx, f.tagsKey(account, name), tags); err != nil {
				return err
			}
		}
		if id != "" {
			if err := tx.Put(f.idKey(account, id), []byte(name)); err != nil {
				return err
			}
		}
		return putJSON(tx, key, rec)
	})
	if err != nil {
		return nil, err
	}
	fn := rec.function(account, name, edgefn.StageDevelopment, rev)
	fn.Status = edgefn.StatusUnpublished
	return fn, nil
}

// GetFunction returns one stage's copy ("" is DEVELOPMENT, as when the API's
// Stage parameter is omitted).
func (s *Store) GetFunction(ctx context.Context, account, name string, stage edgefn.Stage) (*edgefn.Function, error) {
	return s.getFunction(ctx, viewerFunctions, account, name, stage)
}

func (s *Store) getFunction(ctx context.Context, f family, account, name string, stage edgefn.Stage) (*edgefn.Function, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	stage, err := defaultStage(f, stage)
	if err != nil {
		return nil, err
	}
	var fn *edgefn.Function
	err = s.view(ctx, "get "+f.noun, func(tx Tx) error {
		var rec functionRecord
		modRev, ok, err := getJSON(tx, f.key(account, name, stage), &rec)
		if err != nil {
			return err
		}
		if !ok {
			return f.errNotFound(name)
		}
		fn = rec.function(account, name, stage, modRev)
		fn.Status, err = functionStatus(tx, f, account, name, stage, modRev)
		return err
	})
	return fn, err
}

// ListFunctions lists the account's functions by name, without their code.
// Without a stage filter it lists every copy, DEVELOPMENT before LIVE, as
// AWS does ("all functions", the stage being an optional filter). A marker is
// the NextMarker of the previous page: a name, or "<name>/DEVELOPMENT" when a
// page ended between a function's two copies. max <= 0 means 100.
func (s *Store) ListFunctions(ctx context.Context, account string, stage edgefn.Stage, marker string, max int) ([]*edgefn.Function, string, error) {
	return s.listFunctions(ctx, viewerFunctions, account, stage, marker, max)
}

func (s *Store) listFunctions(ctx context.Context, f family, account string, stage edgefn.Stage, marker string, max int) ([]*edgefn.Function, string, error) {
	if err := checkAccount(account); err != nil {
		return nil, "", err
	}
	if stage != "" && !stage.Valid() {
		return nil, "", errBadStage(f, stage)
	}
	after, err := parseFunctionMarker(f, marker)
	if err != nil {
		return nil, "", err
	}
	if max <= 0 {
		max = defaultListFunctions
	}
	var fns []*edgefn.Function
	err = s.view(ctx, "list "+f.noun+"s", func(tx Tx) error {
		var copies []*edgefn.Function
		for _, st := range []edgefn.Stage{edgefn.StageDevelopment, edgefn.StageLive} {
			if stage != "" && st != stage {
				continue
			}
			got, err := listStage(tx, f, account, st, after, max+1)
			if err != nil {
				return err
			}
			copies = append(copies, got...)
		}
		slices.SortFunc(copies, func(a, b *edgefn.Function) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return strings.Compare(string(a.Stage), string(b.Stage)) // DEVELOPMENT < LIVE
		})
		fns = copies[:min(len(copies), max+1)]
		for _, fn := range fns {
			var err error
			if fn.Status, err = functionStatus(tx, f, account, fn.Name, fn.Stage, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if len(fns) <= max {
		return fns, "", nil
	}
	fns = fns[:max]
	last := fns[max-1]
	next := last.Name
	if stage == "" && last.Stage == edgefn.StageDevelopment {
		next += "/" + string(edgefn.StageDevelopment)
	}
	return fns, next, nil
}

// functionMarker is a position in the (name, stage) order of ListFunctions.
type functionMarker struct {
	name  string
	stage edgefn.Stage // "" is after both copies of name
}

func parseFunctionMarker(f family, m string) (functionMarker, error) {
	if m == "" {
		return functionMarker{}, nil
	}
	name, stage, _ := strings.Cut(m, "/")
	if !namePattern.MatchString(name) || (stage != "" && stage != string(edgefn.StageDevelopment)) {
		return functionMarker{}, edgefn.Errorf(edgefn.ErrInvalidArgument, f.res, "The marker %q is not valid.", m)
	}
	return functionMarker{name: name, stage: edgefn.Stage(stage)}, nil
}

// listStage reads up to limit copies of one stage after the marker. Keys under
// a stage prefix end with the name, so key order is name order.
func listStage(tx Tx, f family, account string, stage edgefn.Stage, after functionMarker, limit int) ([]*edgefn.Function, error) {
	prefix := f.key(account, "", stage)
	var fns []*edgefn.Function
	add := func(kv KV) error {
		var rec functionRecord
		if err := jsonValue(kv, &rec); err != nil {
			return err
		}
		rec.Code = nil
		fns = append(fns, rec.function(account, strings.TrimPrefix(kv.Key, prefix), stage, kv.ModRev))
		return nil
	}
	// A marker that stopped at a DEVELOPMENT copy still owes its LIVE copy.
	if after.stage == edgefn.StageDevelopment && stage == edgefn.StageLive {
		kv, ok, err := tx.Get(prefix + after.name)
		if err != nil {
			return nil, err
		}
		if ok {
			if err := add(kv); err != nil {
				return nil, err
			}
		}
	}
	start := ""
	if after.name != "" {
		start = prefix + after.name
	}
	err := tx.Range(prefix, start, limit, add)
	return fns, err
}

// UpdateFunction replaces the DEVELOPMENT copy's code and configuration.
// ifMatch must be its current ETag.
func (s *Store) UpdateFunction(ctx context.Context, account, name, ifMatch string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error) {
	return s.updateFunction(ctx, viewerFunctions, account, name, ifMatch, cfg, code)
}

func (s *Store) updateFunction(ctx context.Context, f family, account, name, ifMatch string, cfg edgefn.FunctionConfig, code []byte) (*edgefn.Function, error) {
	if err := s.checkFunction(f, account, name, cfg, code); err != nil {
		return nil, err
	}
	if err := requireIfMatch(f.res, ifMatch); err != nil {
		return nil, err
	}
	var rec *functionRecord
	rev, err := s.update(ctx, "update "+f.noun, func(tx Tx) error {
		key := f.key(account, name, edgefn.StageDevelopment)
		dev, err := s.loadDev(tx, f, account, name, ifMatch)
		if err != nil {
			return err
		}
		if err := s.associate(tx, f, account, name, edgefn.StageDevelopment, dev.Stores, cfg.KeyValueStoreARNs); err != nil {
			return err
		}
		rec = &functionRecord{
			ID:       dev.ID,
			Comment:  cfg.Comment,
			Runtime:  cfg.Runtime,
			Stores:   slices.Clone(cfg.KeyValueStoreARNs),
			Code:     slices.Clone(code),
			Created:  dev.Created,
			Modified: s.clock(),
		}
		return putJSON(tx, key, rec)
	})
	if err != nil {
		return nil, err
	}
	fn := rec.function(account, name, edgefn.StageDevelopment, rev)
	fn.Status = edgefn.StatusUnpublished
	return fn, nil
}

// PublishFunction copies the DEVELOPMENT copy to LIVE and returns the LIVE
// copy, whose ETag is then the DEVELOPMENT copy's. The DEVELOPMENT ETag does
// not change: publishing leaves that copy as it was.
func (s *Store) PublishFunction(ctx context.Context, account, name, ifMatch string) (*edgefn.Function, error) {
	return s.publishFunction(ctx, viewerFunctions, account, name, ifMatch)
}

func (s *Store) publishFunction(ctx context.Context, f family, account, name, ifMatch string) (*edgefn.Function, error) {
	if err := checkAccount(account); err != nil {
		return nil, err
	}
	if err := requireIfMatch(f.res, ifMatch); err != nil {
		return nil, err
	}
	var (
		live   *functionRecord
		status edgefn.FunctionStatus
	)
	_, err := s.update(ctx, "publish "+f.noun, func(tx Tx) error {
		dev, err := s.loadDev(tx, f, account, name, ifMatch)
		if err != nil {
			return err
		}
		liveKey := f.key(account, name, edgefn.StageLive)
		var old functionRecord
		if _, _, err := getJSON(tx, liveKey, &old); err != nil {
			return err
		}
		if err := s.associate(tx, f, account, name, edgefn.StageLive, old.Stores, dev.Stores); err != nil {
			return err
		}
		live = &dev.functionRecord
		live.Modified = s.clock()
		live.Source = dev.modRev
		if status, err = functionStatus(tx, f, account, name, edgefn.StageLive, 0); err != nil {
			return err
		}
		return putJSON(tx, liveKey, live)
	})
	if err != nil {
		return nil, err
	}
	fn := live.function(account, name, edgefn.StageLive, 0)
	fn.Status = status
	return fn, nil
}

// DeleteFunction deletes both copies. It fails with ErrInUse while a
// distribution uses the function.
func (s *Store) DeleteFunction(ctx context.Context, account, name, ifMatch string) error {
	return s.deleteFunction(ctx, viewerFunctions, account, name, ifMatch)
}

func (s *Store) deleteFunction(ctx context.Context, f family, account, name, ifMatch string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	if err := requireIfMatch(f.res, ifMatch); err != nil {
		return err
	}
	_, err := s.update(ctx, "delete "+f.noun, func(tx Tx) error {
		dev, err := s.loadDev(tx, f, account, name, ifMatch)
		if err != nil {
			return err
		}
		dists, err := getUsers(tx, f.usersKey(account, name))
		if err != nil {
			return err
		}
		if len(dists) > 0 {
			return edgefn.Errorf(edgefn.ErrInUse, f.res,
				"The %s %s is in use by %d distribution(s).", f.noun, name, len(dists))
		}
		var live functionRecord
		if _, _, err := getJSON(tx, f.key(account, name, edgefn.StageLive), &live); err != nil {
			return err
		}
		if err := s.associate(tx, f, account, name, edgefn.StageDevelopment, dev.Stores, nil); err != nil {
			return err
		}
		if err := s.associate(tx, f, account, name, edgefn.StageLive, live.Stores, nil); err != nil {
			return err
		}
		n, err := getCount(tx, account, f.count)
		if err != nil {
			return err
		}
		if err := putCount(tx, account, f.count, n-1); err != nil {
			return err
		}
		if dev.ID != "" {
			if err := tx.Delete(f.idKey(account, dev.ID)); err != nil {
				return err
			}
		}
		if err := tx.Delete(f.key(account, name, edgefn.StageLive)); err != nil {
			return err
		}
		if f.tags != "" {
			if err := tx.Delete(f.tagsKey(account, name)); err != nil {
				return err
			}
		}
		return tx.Delete(f.key(account, name, edgefn.StageDevelopment))
	})
	return err
}

// devCopy is a DEVELOPMENT record with the revision that wrote it.
type devCopy struct {
	functionRecord
	modRev int64
}

// loadDev reads the DEVELOPMENT copy and checks ifMatch against its ETag.
func (s *Store) loadDev(tx Tx, f family, account, name, ifMatch string) (*devCopy, error) {
	var dev devCopy
	modRev, ok, err := getJSON(tx, f.key(account, name, edgefn.StageDevelopment), &dev.functionRecord)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, f.errNotFound(name)
	}
	if err := checkIfMatch(f.res, ifMatch, etag(spaceDev, modRev)); err != nil {
		return nil, err
	}
	dev.modRev = modRev
	return &dev, nil
}

// functionStatus derives the Status of a copy: LIVE is DEPLOYED while a
// distribution uses it, else UNASSOCIATED; DEVELOPMENT shares LIVE's status
// when it is what LIVE was published from, else it is UNPUBLISHED. devRev is
// the DEVELOPMENT copy's ModRev when known (0: read it).
func functionStatus(tx Tx, f family, account, name string, stage edgefn.Stage, devRev int64) (edgefn.FunctionStatus, error) {
	dists, err := getUsers(tx, f.usersKey(account, name))
	if err != nil {
		return "", err
	}
	published := edgefn.StatusUnassociated
	if len(dists) > 0 {
		published = edgefn.StatusDeployed
	}
	if stage == edgefn.StageLive {
		return published, nil
	}
	if devRev == 0 {
		kv, ok, err := tx.Get(f.key(account, name, edgefn.StageDevelopment))
		if err != nil || !ok {
			return edgefn.StatusUnpublished, err
		}
		devRev = kv.ModRev
	}
	var live functionRecord
	_, ok, err := getJSON(tx, f.key(account, name, edgefn.StageLive), &live)
	if err != nil {
		return "", err
	}
	if !ok || live.Source != devRev {
		return edgefn.StatusUnpublished, nil
	}
	return published, nil
}

// checkFunction validates what Create and Update take, before any read.
func (s *Store) checkFunction(f family, account, name string, cfg edgefn.FunctionConfig, code []byte) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	if err := checkName(f.res, name); err != nil {
		return err
	}
	if err := checkComment(f.res, cfg.Comment); err != nil {
		return err
	}
	if !cfg.Runtime.Valid() {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res, "The runtime %q is not valid.", cfg.Runtime)
	}
	if len(code) == 0 {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res, "The %s code is empty.", f.noun)
	}
	if len(code) > s.limits.FunctionCodeBytes {
		return edgefn.Errorf(edgefn.ErrTooLarge, f.res,
			"The %s code is %d bytes; the maximum is %d bytes.", f.noun, len(code), s.limits.FunctionCodeBytes)
	}
	if len(cfg.KeyValueStoreARNs) > s.limits.KVSPerFunction {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res,
			"A %s can be associated with at most %d key value store(s).", f.noun, s.limits.KVSPerFunction)
	}
	for i, arn := range cfg.KeyValueStoreARNs {
		if _, ok := parseStoreARN(account, arn); !ok {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res,
				"The key value store ARN %q is not valid for this account.", arn)
		}
		if slices.Contains(cfg.KeyValueStoreARNs[:i], arn) {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res,
				"The key value store ARN %s is listed twice.", arn)
		}
	}
	return nil
}

func defaultStage(f family, stage edgefn.Stage) (edgefn.Stage, error) {
	if stage == "" {
		return edgefn.StageDevelopment, nil
	}
	if !stage.Valid() {
		return "", errBadStage(f, stage)
	}
	return stage, nil
}

func errBadStage(f family, stage edgefn.Stage) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, f.res, "The stage %q is not valid: use DEVELOPMENT or LIVE.", stage)
}
