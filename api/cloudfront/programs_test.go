package cloudfront

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"

	"github.com/edgefn/edgefn"
)

func TestProgramCacheEviction(t *testing.T) {
	tests := []struct {
		name string
		ops  []string // "+k" adds k, "?k" reads k
		kept []string
	}{
		{"under the bound", []string{"+a", "+b"}, []string{"a", "b"}},
		{"oldest goes", []string{"+a", "+b", "+c"}, []string{"b", "c"}},
		{"a read keeps an entry", []string{"+a", "+b", "?a", "+c"}, []string{"a", "c"}},
		{"adding again keeps an entry", []string{"+a", "+b", "+a", "+c"}, []string{"a", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newProgramCache(2)
			for _, op := range tt.ops {
				if op[0] == '+' {
					c.add(op[1:], compiled{})
				} else {
					c.get(op[1:])
				}
			}
			var kept []string
			for _, k := range []string{"a", "b", "c"} {
				if _, ok := c.get(k); ok {
					kept = append(kept, k)
				}
			}
			if !slices.Equal(kept, tt.kept) {
				t.Errorf("kept %v; want %v", kept, tt.kept)
			}
		})
	}
}

// countingEngine counts compilations.
type countingEngine struct {
	Engine
	n atomic.Int32
}

func (c *countingEngine) Compile(code []byte, rt edgefn.Runtime) (Program, error) {
	c.n.Add(1)
	return c.Engine.Compile(code, rt)
}

// TestCompileOnce: a version of a function compiles once, whether it loads or
// not, however often it is tested and published.
func TestCompileOnce(t *testing.T) {
	var eng *countingEngine
	e := newEnv(t, func(c *Config) {
		eng = &countingEngine{Engine: c.Engine}
		c.Engine = eng
	})
	ctx := context.Background()
	c := e.cf
	test := func(name string, etag *string) {
		t.Helper()
		must(c.TestFunction(ctx, &cloudfront.TestFunctionInput{Name: aws.String(name), IfMatch: etag, EventObject: []byte(testEvent)}))(t)
	}
	ok := createFn(t, c, "ok", codeV1).ETag
	bad := createFn(t, c, "bad", codeExport).ETag
	steps := []struct {
		name string
		do   func()
		want int32 // compilations so far
	}{
		{"create compiles nothing", func() {}, 0},
		{"first test", func() { test("ok", ok) }, 1},
		{"second test", func() { test("ok", ok) }, 1},
		{"publish after test", func() {
			must(c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("ok"), IfMatch: ok}))(t)
		}, 1},
		{"refused code, twice", func() { test("bad", bad); test("bad", bad) }, 2},
		{"a new version", func() {
			upd := must(c.UpdateFunction(ctx, &cloudfront.UpdateFunctionInput{Name: aws.String("ok"), IfMatch: ok, FunctionCode: []byte(codeV2), FunctionConfig: fnConfig("")}))(t)
			test("ok", upd.ETag)
		}, 3},
	}
	for _, s := range steps {
		s.do()
		if got := eng.n.Load(); got != s.want {
			t.Fatalf("after %s: %d compilations; want %d", s.name, got, s.want)
		}
	}
}
