// Package deploy pushes a project to a CloudFront API (AWS itself, or an
// `edgefn serve`): every store created if missing and its items synced by
// diff in UpdateKeys batches with ETags, every function created or updated
// with its store associated, then published. Plan reads only and says what
// Apply will do; a second deploy of an unchanged project plans nothing.
// Distributions are not deployed: they carry settings (certificates,
// caching, logging) a project does not describe, and are associated with
// functions by ARN. With Options.Prune, the functions and stores of the
// account that the project does not name are deleted: the account is the
// project's.
package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"
	kvstypes "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore/types"

	"github.com/edgefn/edgefn/project"
	"github.com/edgefn/edgefn/runtime"
)

// CloudFront is the part of the CloudFront API deploy calls;
// *cloudfront.Client implements it.
type CloudFront interface {
	DescribeFunction(context.Context, *cloudfront.DescribeFunctionInput, ...func(*cloudfront.Options)) (*cloudfront.DescribeFunctionOutput, error)
	GetFunction(context.Context, *cloudfront.GetFunctionInput, ...func(*cloudfront.Options)) (*cloudfront.GetFunctionOutput, error)
	CreateFunction(context.Context, *cloudfront.CreateFunctionInput, ...func(*cloudfront.Options)) (*cloudfront.CreateFunctionOutput, error)
	UpdateFunction(context.Context, *cloudfront.UpdateFunctionInput, ...func(*cloudfront.Options)) (*cloudfront.UpdateFunctionOutput, error)
	PublishFunction(context.Context, *cloudfront.PublishFunctionInput, ...func(*cloudfront.Options)) (*cloudfront.PublishFunctionOutput, error)
	DescribeKeyValueStore(context.Context, *cloudfront.DescribeKeyValueStoreInput, ...func(*cloudfront.Options)) (*cloudfront.DescribeKeyValueStoreOutput, error)
	CreateKeyValueStore(context.Context, *cloudfront.CreateKeyValueStoreInput, ...func(*cloudfront.Options)) (*cloudfront.CreateKeyValueStoreOutput, error)
	// For --prune.
	ListFunctions(context.Context, *cloudfront.ListFunctionsInput, ...func(*cloudfront.Options)) (*cloudfront.ListFunctionsOutput, error)
	DeleteFunction(context.Context, *cloudfront.DeleteFunctionInput, ...func(*cloudfront.Options)) (*cloudfront.DeleteFunctionOutput, error)
	ListKeyValueStores(context.Context, *cloudfront.ListKeyValueStoresInput, ...func(*cloudfront.Options)) (*cloudfront.ListKeyValueStoresOutput, error)
	DeleteKeyValueStore(context.Context, *cloudfront.DeleteKeyValueStoreInput, ...func(*cloudfront.Options)) (*cloudfront.DeleteKeyValueStoreOutput, error)
}

// KeyValueStore is the part of the KeyValueStore data plane deploy calls;
// *cloudfrontkeyvaluestore.Client implements it.
type KeyValueStore interface {
	DescribeKeyValueStore(context.Context, *kvsapi.DescribeKeyValueStoreInput, ...func(*kvsapi.Options)) (*kvsapi.DescribeKeyValueStoreOutput, error)
	ListKeys(context.Context, *kvsapi.ListKeysInput, ...func(*kvsapi.Options)) (*kvsapi.ListKeysOutput, error)
	UpdateKeys(context.Context, *kvsapi.UpdateKeysInput, ...func(*kvsapi.Options)) (*kvsapi.UpdateKeysOutput, error)
}

// Clients are the two APIs a deploy uses.
type Clients struct {
	CloudFront    CloudFront
	KeyValueStore KeyValueStore
}

// Plan is what a deploy will change, store by store and function by
// function, in the order Apply does it: stores, functions, then what
// --prune deletes (functions first: they may hold the stores).
type Plan struct {
	Stores    []StorePlan
	Functions []FunctionPlan
	// Prune are the functions and stores of the account the project does not
	// have, with Options.Prune.
	Prune []PrunePlan
}

// Options change what MakePlan plans.
type Options struct {
	// Prune deletes the functions and stores of the account that the
	// project does not name.
	Prune bool
}

// StorePlan syncs one store.
type StorePlan struct {
	Name   string
	Create bool   // the store does not exist yet
	ARN    string // "" until created
	// Batches are the UpdateKeys calls that make the items the file's;
	// Changed are the keys put that the store holds with another value
	// (the others put are new).
	Batches []Batch
	Changed map[string]bool
	comment string
}

// FunctionPlan brings one function to the project's code and configuration.
type FunctionPlan struct {
	Name    string
	ARN     string // "" until created
	Create  bool   // the function does not exist yet
	Update  bool   // DEVELOPMENT differs from the project
	Publish bool   // LIVE differs from the project
	etag    string
	code    []byte
	config  cftypes.FunctionConfig
	store   string // the store's name, whose ARN Apply fills in
}

// PrunePlan deletes a function or a store the project no longer has.
type PrunePlan struct {
	Kind      string // "function" or "store"
	Name, ARN string
}

// Empty reports whether the deploy changes nothing.
func (p *Plan) Empty() bool {
	for _, s := range p.Stores {
		if s.Create || len(s.Batches) > 0 {
			return false
		}
	}
	for _, f := range p.Functions {
		if f.Create || f.Update || f.Publish {
			return false
		}
	}
	return len(p.Prune) == 0
}

// String is the plan for people: one line per store and function, with its
// ARN when it exists, and under each store the keys put (+ new, ~ changed)
// and deleted (-).
func (p *Plan) String() string {
	var b strings.Builder
	for _, s := range p.Stores {
		puts, dels := 0, 0
		for _, bt := range s.Batches {
			puts, dels = puts+len(bt.Puts), dels+len(bt.Deletes)
		}
		switch {
		case s.Create:
			fmt.Fprintf(&b, "+ store %s: create, put %d keys in %d UpdateKeys batches\n", s.Name, puts, len(s.Batches))
		case len(s.Batches) > 0:
			fmt.Fprintf(&b, "~ store %s: put %d keys, delete %d, in %d UpdateKeys batches (%s)\n", s.Name, puts, dels, len(s.Batches), s.ARN)
		default:
			fmt.Fprintf(&b, "= store %s: unchanged (%s)\n", s.Name, s.ARN)
		}
		for _, bt := range s.Batches {
			for _, it := range bt.Puts {
				mark := "+"
				if s.Changed[it.Key] {
					mark = "~"
				}
				fmt.Fprintf(&b, "    %s %s\n", mark, strconv.Quote(it.Key))
			}
			for _, k := range bt.Deletes {
				fmt.Fprintf(&b, "    - %s\n", strconv.Quote(k))
			}
		}
	}
	for _, f := range p.Functions {
		switch {
		case f.Create:
			fmt.Fprintf(&b, "+ function %s: create, publish\n", f.Name)
		case f.Update:
			fmt.Fprintf(&b, "~ function %s: update, publish (%s)\n", f.Name, f.ARN)
		case f.Publish:
			fmt.Fprintf(&b, "~ function %s: publish (%s)\n", f.Name, f.ARN)
		default:
			fmt.Fprintf(&b, "= function %s: unchanged (%s)\n", f.Name, f.ARN)
		}
	}
	for _, d := range p.Prune {
		fmt.Fprintf(&b, "- %s %s: delete, not in the project (%s)\n", d.Kind, d.Name, d.ARN)
	}
	if p.Empty() {
		b.WriteString("nothing to change\n")
	}
	return b.String()
}

// Created lists the ARNs Apply created, one line each.
func (p *Plan) Created() string {
	var b strings.Builder
	for _, s := range p.Stores {
		if s.Create && s.ARN != "" {
			fmt.Fprintf(&b, "created store %s: %s\n", s.Name, s.ARN)
		}
	}
	for _, f := range p.Functions {
		if f.Create && f.ARN != "" {
			fmt.Fprintf(&b, "created function %s: %s\n", f.Name, f.ARN)
		}
	}
	return b.String()
}

// InputError is a project file deploy cannot use (a function or store file
// that cannot be read, a store file that does not parse): nothing is
// deployed.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// CompileError is a project function that does not compile: nothing is
// deployed. Report shows every error at file:line:column.
type CompileError struct {
	Function string
	Report   string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("function %s does not compile:\n%s", e.Function, e.Report)
}

// MakePlan reads the project's files and what the API holds, and plans.
// Every function is compiled first, so broken code is refused before any
// change.
func MakePlan(ctx context.Context, c Clients, p *project.Project, opts Options) (*Plan, error) {
	engine := runtime.New(runtime.Options{})
	plan := &Plan{}
	arns := map[string]string{}
	for _, st := range p.Stores {
		sp, err := planStore(ctx, c, st)
		if err != nil {
			return nil, fmt.Errorf("store %s: %w", st.Name, err)
		}
		arns[st.Name] = sp.ARN
		plan.Stores = append(plan.Stores, *sp)
	}
	for _, f := range p.Functions {
		if f.Connection() {
			// Refused rather than skipped: a deploy that leaves a function
			// out without a word would look complete.
			return nil, &InputError{fmt.Errorf("function %s: connection functions are not deployed by edgefn deploy (yet): create it with CreateConnectionFunction", f.Name)}
		}
		code, err := os.ReadFile(f.Code)
		if err != nil {
			return nil, &InputError{fmt.Errorf("function %s: %w", f.Name, err)}
		}
		if _, err := engine.Compile(code, f.Runtime); err != nil {
			if ce, ok := errors.AsType[*runtime.CompileError](err); ok {
				return nil, &CompileError{Function: f.Name, Report: ce.Report(f.Code, code)}
			}
			return nil, err
		}
		fp, err := planFunction(ctx, c.CloudFront, f, code, arns[f.KVS])
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
		plan.Functions = append(plan.Functions, *fp)
	}
	if opts.Prune {
		prune, err := planPrune(ctx, c.CloudFront, p)
		if err != nil {
			return nil, fmt.Errorf("prune: %w", err)
		}
		plan.Prune = prune
	}
	return plan, nil
}

func planStore(ctx context.Context, c Clients, st *project.Store) (*StorePlan, error) {
	want, err := ReadItems(st.Data)
	if err != nil {
		return nil, &InputError{err}
	}
	sp := &StorePlan{Name: st.Name, comment: st.Comment, Changed: map[string]bool{}}
	out, err := c.CloudFront.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: &st.Name})
	if _, missing := errors.AsType[*cftypes.EntityNotFound](err); missing {
		sp.Create = true
		sp.Batches = ItemBatches(nil, want)
		return sp, nil
	}
	if err != nil {
		return nil, err
	}
	sp.ARN = aws.ToString(out.KeyValueStore.ARN)
	have, err := listItems(ctx, c.KeyValueStore, sp.ARN)
	if err != nil {
		return nil, err
	}
	sp.Batches = ItemBatches(have, want)
	for k, v := range want {
		if old, ok := have[k]; ok && old != v {
			sp.Changed[k] = true
		}
	}
	return sp, nil
}

// planPrune lists the functions and stores of the account that p does not
// name.
func planPrune(ctx context.Context, c CloudFront, p *project.Project) ([]PrunePlan, error) {
	var out []PrunePlan
	var marker *string
	for {
		page, err := c.ListFunctions(ctx, &cloudfront.ListFunctionsInput{Marker: marker, Stage: cftypes.FunctionStageDevelopment})
		if err != nil {
			return nil, fmt.Errorf("list functions: %w", err)
		}
		l := page.FunctionList
		if l == nil {
			break
		}
		for _, f := range l.Items {
			if name := aws.ToString(f.Name); p.Function(name) == nil {
				out = append(out, PrunePlan{Kind: "function", Name: name, ARN: functionARN(&f)})
			}
		}
		if aws.ToString(l.NextMarker) == "" {
			break
		}
		marker = l.NextMarker
	}
	marker = nil
	for {
		page, err := c.ListKeyValueStores(ctx, &cloudfront.ListKeyValueStoresInput{Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("list key value stores: %w", err)
		}
		l := page.KeyValueStoreList
		if l == nil {
			break
		}
		for _, s := range l.Items {
			if name := aws.ToString(s.Name); p.Store(name) == nil {
				out = append(out, PrunePlan{Kind: "store", Name: name, ARN: aws.ToString(s.ARN)})
			}
		}
		if aws.ToString(l.NextMarker) == "" {
			break
		}
		marker = l.NextMarker
	}
	return out, nil
}

func listItems(ctx context.Context, c KeyValueStore, arn string) (map[string]string, error) {
	have := map[string]string{}
	var token *string
	for {
		out, err := c.ListKeys(ctx, &kvsapi.ListKeysInput{KvsARN: &arn, NextToken: token, MaxResults: aws.Int32(50)})
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		for _, it := range out.Items {
			have[aws.ToString(it.Key)] = aws.ToString(it.Value)
		}
		if aws.ToString(out.NextToken) == "" {
			return have, nil
		}
		token = out.NextToken
	}
}

func planFunction(ctx context.Context, c CloudFront, f *project.Function, code []byte, storeARN string) (*FunctionPlan, error) {
	fp := &FunctionPlan{Name: f.Name, code: code, store: f.KVS, config: cftypes.FunctionConfig{Comment: aws.String(f.Comment), Runtime: cftypes.FunctionRuntime(f.Runtime)}}
	dev, devETag, err := describe(ctx, c, f.Name, cftypes.FunctionStageDevelopment)
	if err != nil {
		return nil, err
	}
	if dev == nil {
		fp.Create, fp.Publish = true, true
		return fp, nil
	}
	fp.etag, fp.ARN = devETag, functionARN(dev.summary)
	fp.Update = !matches(dev, code, f, storeARN)
	live, _, err := describe(ctx, c, f.Name, cftypes.FunctionStageLive)
	if err != nil {
		return nil, err
	}
	fp.Publish = fp.Update || live == nil || !matches(live, code, f, storeARN)
	return fp, nil
}

func functionARN(s *cftypes.FunctionSummary) string {
	if s == nil || s.FunctionMetadata == nil {
		return ""
	}
	return aws.ToString(s.FunctionMetadata.FunctionARN)
}

// stageCopy is one stage of a function as the API returns it.
type stageCopy struct {
	summary *cftypes.FunctionSummary
	code    []byte
}

// describe returns a stage's copy, nil when there is none.
func describe(ctx context.Context, c CloudFront, name string, stage cftypes.FunctionStage) (*stageCopy, string, error) {
	d, err := c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: &name, Stage: stage})
	if _, missing := errors.AsType[*cftypes.NoSuchFunctionExists](err); missing {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	g, err := c.GetFunction(ctx, &cloudfront.GetFunctionInput{Name: &name, Stage: stage})
	if err != nil {
		return nil, "", err
	}
	return &stageCopy{summary: d.FunctionSummary, code: g.FunctionCode}, aws.ToString(d.ETag), nil
}

// matches reports whether a stage holds the project's code and
// configuration. storeARN "" for a new store never matches a function that
// has one.
func matches(s *stageCopy, code []byte, f *project.Function, storeARN string) bool {
	cfg := s.summary.FunctionConfig
	if cfg == nil || !bytes.Equal(s.code, code) || string(cfg.Runtime) != string(f.Runtime) || aws.ToString(cfg.Comment) != f.Comment {
		return false
	}
	var have string
	if a := cfg.KeyValueStoreAssociations; a != nil && len(a.Items) > 0 {
		have = aws.ToString(a.Items[0].KeyValueStoreARN)
	}
	return have == storeARN && (f.KVS == "") == (storeARN == "")
}

// Apply carries out the plan: stores first (their ARNs go into the
// functions' configurations), then functions, then the deletions of
// --prune, functions before stores (a pruned function may hold a pruned
// store). It fills in the ARNs of what it creates.
func Apply(ctx context.Context, c Clients, plan *Plan) error {
	arns := map[string]string{}
	for i := range plan.Stores {
		sp := &plan.Stores[i]
		if err := applyStore(ctx, c, sp); err != nil {
			return fmt.Errorf("store %s: %w", sp.Name, err)
		}
		arns[sp.Name] = sp.ARN
	}
	for i := range plan.Functions {
		fp := &plan.Functions[i]
		if err := applyFunction(ctx, c.CloudFront, fp, arns[fp.store]); err != nil {
			return fmt.Errorf("function %s: %w", fp.Name, err)
		}
	}
	for _, kind := range []string{"function", "store"} {
		for _, d := range plan.Prune {
			if d.Kind != kind {
				continue
			}
			if err := prune(ctx, c.CloudFront, d); err != nil {
				return fmt.Errorf("delete %s %s: %w", d.Kind, d.Name, err)
			}
		}
	}
	return nil
}

// prune deletes a function or a store with its current ETag.
func prune(ctx context.Context, c CloudFront, d PrunePlan) error {
	if d.Kind == "function" {
		out, err := c.DescribeFunction(ctx, &cloudfront.DescribeFunctionInput{Name: &d.Name})
		if err != nil {
			return err
		}
		_, err = c.DeleteFunction(ctx, &cloudfront.DeleteFunctionInput{Name: &d.Name, IfMatch: out.ETag})
		return err
	}
	out, err := c.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: &d.Name})
	if err != nil {
		return err
	}
	_, err = c.DeleteKeyValueStore(ctx, &cloudfront.DeleteKeyValueStoreInput{Name: &d.Name, IfMatch: out.ETag})
	return err
}

// storeReady bounds the wait for a new store to leave PROVISIONING.
const storeReady = 2 * time.Minute

func applyStore(ctx context.Context, c Clients, sp *StorePlan) error {
	if sp.Create {
		out, err := c.CloudFront.CreateKeyValueStore(ctx, &cloudfront.CreateKeyValueStoreInput{Name: &sp.Name, Comment: aws.String(sp.comment)})
		if err != nil {
			return err
		}
		sp.ARN = aws.ToString(out.KeyValueStore.ARN)
	}
	if len(sp.Batches) == 0 {
		return nil
	}
	etag, err := readyETag(ctx, c.KeyValueStore, sp.ARN)
	if err != nil {
		return err
	}
	for _, b := range sp.Batches {
		in := &kvsapi.UpdateKeysInput{KvsARN: &sp.ARN, IfMatch: &etag}
		for _, p := range b.Puts {
			in.Puts = append(in.Puts, kvstypes.PutKeyRequestListItem{Key: aws.String(p.Key), Value: aws.String(p.Value)})
		}
		for _, k := range b.Deletes {
			in.Deletes = append(in.Deletes, kvstypes.DeleteKeyRequestListItem{Key: aws.String(k)})
		}
		out, err := c.KeyValueStore.UpdateKeys(ctx, in)
		if err != nil {
			return fmt.Errorf("update keys: %w", err)
		}
		etag = aws.ToString(out.ETag)
	}
	return nil
}

// readyETag waits for a store to be READY (AWS provisions new ones for a
// few seconds) and returns its data ETag.
func readyETag(ctx context.Context, c KeyValueStore, arn string) (string, error) {
	deadline := time.Now().Add(storeReady)
	for {
		out, err := c.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &arn})
		if err != nil {
			return "", err
		}
		if aws.ToString(out.Status) == "READY" || out.Status == nil {
			return aws.ToString(out.ETag), nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("still %s after %s", aws.ToString(out.Status), storeReady)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func applyFunction(ctx context.Context, c CloudFront, fp *FunctionPlan, storeARN string) error {
	cfg := fp.config
	if storeARN != "" {
		cfg.KeyValueStoreAssociations = &cftypes.KeyValueStoreAssociations{Quantity: aws.Int32(1), Items: []cftypes.KeyValueStoreAssociation{{KeyValueStoreARN: aws.String(storeARN)}}}
	} else {
		cfg.KeyValueStoreAssociations = &cftypes.KeyValueStoreAssociations{Quantity: aws.Int32(0)}
	}
	etag := fp.etag
	switch {
	case fp.Create:
		out, err := c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{Name: &fp.Name, FunctionCode: fp.code, FunctionConfig: &cfg})
		if err != nil {
			return err
		}
		etag, fp.ARN = aws.ToString(out.ETag), functionARN(out.FunctionSummary)
	case fp.Update:
		out, err := c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: &fp.Name, IfMatch: &etag, FunctionCode: fp.code, FunctionConfig: &cfg})
		if err != nil {
			return err
		}
		etag = aws.ToString(out.ETag)
	}
	if !fp.Publish {
		return nil
	}
	_, err := c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: &fp.Name, IfMatch: &etag})
	return err
}
