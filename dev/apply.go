package dev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/deploy"
	"github.com/edgefn/edgefn/project"
	"github.com/edgefn/edgefn/runtime"
)

// Account is the account the development store holds everything in.
const Account = "000000000000"

// originID names the project's one origin.
const originID = "origin"

// Problem is a file the project could not take in. Report is for people:
// file:line:column and a code frame for code that does not compile. The
// last good version of what the file defines stays in place; when there is
// none, Closed says the behaviors that use it fail closed.
type Problem struct {
	Report string
	Closed bool
}

// String is the report with what it means for the requests served.
func (p Problem) String() string {
	if p.Closed {
		return p.Report + "(no version of it has loaded: the behaviors that use it answer 503, as for a function that throws, until it does)"
	}
	return p.Report + "(the last version that loaded keeps serving)"
}

// apply brings the store to the project: functions compiled, updated and
// published, stores synced item by item, the distribution's behaviors set.
// A function that does not compile, or a store file that does not parse, is
// a Problem and keeps its previous version; anything else is an error.
func (s *Server) apply(ctx context.Context, p *project.Project) ([]Problem, error) {
	var problems []Problem
	storeARNs := map[string]string{}
	for _, st := range p.Stores {
		arn, problem, err := s.syncStore(ctx, st)
		if err != nil {
			return problems, fmt.Errorf("store %s: %w", st.Name, err)
		}
		if problem != nil {
			problems = append(problems, *problem)
		}
		if arn != "" {
			storeARNs[st.Name] = arn
		}
	}
	live := map[string]string{} // function name → ARN, for those with a LIVE copy
	for _, f := range p.Functions {
		if f.Connection() {
			continue // runs in a TLS handshake: dev's listener has none; tests run it
		}
		problem, err := s.syncFunction(ctx, f, storeARNs[f.KVS])
		if err != nil {
			return problems, fmt.Errorf("function %s: %w", f.Name, err)
		}
		if problem != nil {
			problems = append(problems, *problem)
		}
		if _, err := s.store.GetFunction(ctx, Account, f.Name, edgefn.StageLive); err == nil {
			live[f.Name] = edgefn.FunctionARN(Account, f.Name)
		}
	}
	return problems, s.syncDistribution(ctx, p, live)
}

// syncFunction makes the function's LIVE copy the project's code and
// configuration, when the code compiles. Code that does not compile, or a
// file that cannot be read, leaves the last version that loaded in place;
// when none ever loaded, the LIVE copy is a stand-in that throws the
// problem's message, so that the function's behaviors fail closed (an
// authorization function that did not load must not let requests through)
// and every request's log line says why.
func (s *Server) syncFunction(ctx context.Context, f *project.Function, storeARN string) (*Problem, error) {
	cfg := edgefn.FunctionConfig{Comment: f.Comment, Runtime: f.Runtime}
	if storeARN != "" {
		cfg.KeyValueStoreARNs = []string{storeARN}
	}
	code, problem, err := s.load(f)
	if err != nil {
		return nil, err
	}
	if problem != nil {
		if _, err := s.store.GetFunction(ctx, Account, f.Name, edgefn.StageLive); err == nil && !s.standIns[f.Name] {
			return problem, nil
		} else if !isNotFound(err) && err != nil {
			return nil, err
		}
		problem.Closed = true
		s.standIns[f.Name] = true
		return problem, s.publish(ctx, f.Name, cfg, standIn(f.Name, problem.Report))
	}
	delete(s.standIns, f.Name)
	if err := s.publish(ctx, f.Name, cfg, code); err != nil {
		return nil, err
	}
	s.out.serving(f.Name, f.Code, code)
	return nil, nil
}

// load reads and compiles a function's code: a file that cannot be read or
// code that does not compile is a Problem.
func (s *Server) load(f *project.Function) ([]byte, *Problem, error) {
	code, err := os.ReadFile(f.Code)
	if err != nil {
		return nil, &Problem{Report: err.Error() + "\n"}, nil
	}
	if _, err := s.engine.Compile(code, f.Runtime); err != nil {
		if ce, ok := errors.AsType[*runtime.CompileError](err); ok {
			return nil, &Problem{Report: ce.Report(f.Code, code)}, nil
		}
		return nil, nil, err
	}
	return code, nil, nil
}

// standIn is the code that stands in for a function that never loaded: it
// throws the first line of the problem's report, in either runtime.
func standIn(name, report string) []byte {
	first, _, _ := strings.Cut(report, "\n")
	msg, _ := json.Marshal("edgefn dev: " + name + " did not load: " + first)
	return []byte("function handler(event) {\n\tthrow new Error(" + string(msg) + ");\n}\n")
}

// publish makes the function's DEVELOPMENT and LIVE copies code and cfg,
// creating it on first sight.
func (s *Server) publish(ctx context.Context, name string, cfg edgefn.FunctionConfig, code []byte) error {
	cur, err := s.store.GetFunction(ctx, Account, name, edgefn.StageDevelopment)
	var fn *edgefn.Function
	switch {
	case isNotFound(err):
		fn, err = s.store.CreateFunction(ctx, Account, name, cfg, code)
	case err != nil:
		return err
	case bytes.Equal(cur.Code, code) && reflect.DeepEqual(normal(cur.Config), normal(cfg)) && cur.Status != edgefn.StatusUnpublished:
		return nil
	default:
		fn, err = s.store.UpdateFunction(ctx, Account, name, cur.ETag, cfg, code)
	}
	if err != nil {
		return err
	}
	_, err = s.store.PublishFunction(ctx, Account, name, fn.ETag)
	return err
}

// normal makes configurations comparable: no stores is nil.
func normal(c edgefn.FunctionConfig) edgefn.FunctionConfig {
	if len(c.KeyValueStoreARNs) == 0 {
		c.KeyValueStoreARNs = nil
	}
	return c
}

// syncStore creates the store on first sight and makes its items the
// file's, in UpdateKeys batches; it returns the store's ARN ("" when the
// store does not exist yet because its file does not parse).
func (s *Server) syncStore(ctx context.Context, st *project.Store) (string, *Problem, error) {
	want, problem := readItems(st.Data)
	k, err := s.store.GetKeyValueStore(ctx, Account, st.Name)
	if isNotFound(err) {
		if problem != nil {
			return "", problem, nil
		}
		// A new store is seeded as an import: one commit however many items.
		if k, err = s.store.CreateKeyValueStore(ctx, Account, st.Name, st.Comment, true); err != nil {
			return "", nil, err
		}
		items := make([]edgefn.Item, 0, len(want))
		for key, v := range want {
			items = append(items, edgefn.Item{Key: key, Value: v})
		}
		if k, err = s.store.CompleteImport(ctx, Account, k.ID, items, ""); err != nil {
			return "", nil, err
		}
		if k.Status != edgefn.KVSReady {
			return "", &Problem{Report: st.Data + ": " + k.FailureReason + "\n"}, nil
		}
		return k.ARN(), nil, nil
	}
	if err != nil {
		return "", nil, err
	}
	if problem != nil {
		return k.ARN(), problem, nil
	}
	have, err := s.items(ctx, k.ID)
	if err != nil {
		return "", nil, err
	}
	etag := k.DataETag
	for _, b := range deploy.ItemBatches(have, want) {
		if k, err = s.store.UpdateKeys(ctx, Account, k.ID, etag, b.Puts, b.Deletes); err != nil {
			return "", nil, err
		}
		etag = k.DataETag
	}
	return k.ARN(), nil, nil
}

func readItems(path string) (map[string]string, *Problem) {
	m, err := deploy.ReadItems(path)
	if err != nil {
		return nil, &Problem{Report: err.Error() + "\n"}
	}
	return m, nil
}

// items reads every item of a store.
func (s *Server) items(ctx context.Context, id string) (map[string]string, error) {
	m := map[string]string{}
	token := ""
	for {
		page, next, err := s.store.ListKeys(ctx, Account, id, token, 50)
		if err != nil {
			return nil, err
		}
		for _, it := range page {
			m[it.Key] = it.Value
		}
		if next == "" {
			return m, nil
		}
		token = next
	}
}

// syncDistribution points the distribution at the origin with the
// project's behaviors and the LIVE copies of their functions.
func (s *Server) syncDistribution(ctx context.Context, p *project.Project, live map[string]string) error {
	origin, err := s.origin(p)
	if err != nil {
		return err
	}
	behavior := func(b project.Behavior) edgefn.CacheBehavior {
		cb := edgefn.CacheBehavior{TargetOriginID: originID, ViewerProtocolPolicy: edgefn.ViewerAllowAll, AllowedMethods: edgefn.MethodsAll}
		if b.PathPattern != "*" {
			cb.PathPattern = b.PathPattern
		}
		for _, a := range []struct{ event, fn string }{{"viewer-request", b.ViewerRequest}, {"viewer-response", b.ViewerResponse}} {
			if arn := live[a.fn]; arn != "" {
				cb.FunctionAssociations = append(cb.FunctionAssociations, edgefn.FunctionAssociation{EventType: a.event, FunctionARN: arn})
			}
		}
		return cb
	}
	cfg := edgefn.DistributionConfig{
		CallerReference:      "edgefn-dev",
		Comment:              "edgefn dev",
		Enabled:              true,
		Aliases:              aliases(p.Aliases),
		Origins:              []edgefn.Origin{origin},
		DefaultCacheBehavior: behavior(p.Default),
	}
	for _, b := range p.Behaviors {
		cfg.CacheBehaviors = append(cfg.CacheBehaviors, behavior(b))
	}
	if s.dist == nil {
		s.dist, err = s.store.CreateDistribution(ctx, Account, cfg, nil, nil)
		return err
	}
	if reflect.DeepEqual(s.dist.Config, cfg) {
		return nil
	}
	s.dist, err = s.store.UpdateDistribution(ctx, Account, s.dist.ID, s.dist.ETag, cfg, nil)
	return err
}

// aliases are the hosts the distribution answers to: localhost,
// 127.0.0.1 and the project's own (the host match ignores the port).
func aliases(project []string) []string {
	out := []string{"localhost", "127.0.0.1"}
	for _, a := range project {
		if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, a) }) {
			out = append(out, a)
		}
	}
	return out
}

// origin is the distribution's origin: --origin over the project's; a
// directory is served as the S3 bucket "site" from a link to it.
func (s *Server) origin(p *project.Project) (edgefn.Origin, error) {
	raw, dir := p.Origin, p.OriginDir
	if s.cfg.Origin != "" {
		raw, dir = s.cfg.Origin, ""
		if !strings.Contains(s.cfg.Origin, "://") {
			raw, dir = "", s.cfg.Origin
		}
	}
	switch {
	case dir != "":
		if err := s.linkSite(dir); err != nil {
			return edgefn.Origin{}, err
		}
		return edgefn.Origin{ID: originID, DomainName: siteBucket + ".s3.amazonaws.com"}, nil
	case raw != "":
		return customOrigin(raw)
	}
	return edgefn.Origin{}, errors.New("no origin: give --origin URL or DIR, or origin: in the project file")
}

// customOrigin is the custom origin of an http:// or https:// URL; its path
// becomes the OriginPath.
func customOrigin(raw string) (edgefn.Origin, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return edgefn.Origin{}, fmt.Errorf("origin %q: want http://HOST[:PORT][/PATH] or https://...", raw)
	}
	c := &edgefn.CustomOrigin{HTTPPort: 80, HTTPSPort: 443, ProtocolPolicy: edgefn.OriginHTTPOnly}
	port := 0
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return edgefn.Origin{}, fmt.Errorf("origin %q: bad port", raw)
		}
	}
	if u.Scheme == "https" {
		c.ProtocolPolicy = edgefn.OriginHTTPSOnly
		if port != 0 {
			c.HTTPSPort = port
		}
	} else if port != 0 {
		c.HTTPPort = port
	}
	return edgefn.Origin{ID: originID, DomainName: u.Hostname(), OriginPath: strings.TrimSuffix(u.Path, "/"), Custom: c}, nil
}

func isNotFound(err error) bool {
	e, ok := errors.AsType[*edgefn.Error](err)
	return ok && e.Kind == edgefn.ErrNotFound
}
