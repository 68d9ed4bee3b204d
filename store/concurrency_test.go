package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/edgefn/edgefn"
)

const racers = 20

// race runs fn from racers goroutines at once and returns how many succeeded;
// every failure must be an *edgefn.Error of kind.
func race(t *testing.T, kind edgefn.ErrorKind, fn func(i int) error) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, racers)
	)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var de *edgefn.Error
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &de) || de.Kind != kind:
			t.Errorf("racer failed with %v, want kind %d", err, kind)
		}
	}
	return ok
}

func TestConcurrentUpdateFunction(t *testing.T) {
	s, _ := newStore(t, nil)
	fn := createFunction(t, s, acct, "fn", cfg)
	won := race(t, edgefn.ErrPreconditionFailed, func(i int) error {
		c := cfg
		c.Comment = fmt.Sprint("racer ", i)
		_, err := s.UpdateFunction(t.Context(), acct, "fn", fn.ETag, c, code)
		return err
	})
	if won != 1 {
		t.Errorf("%d updates succeeded with the same ETag, want 1", won)
	}
}

func TestConcurrentDeleteFunction(t *testing.T) {
	s, _ := newStore(t, nil)
	fn := createFunction(t, s, acct, "fn", cfg)
	// Deletes race each other; the winner removes the function and every
	// loser finds it gone or its ETag stale.
	var mu sync.Mutex
	kinds := map[edgefn.ErrorKind]int{}
	won := 0
	var wg sync.WaitGroup
	for range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.DeleteFunction(t.Context(), acct, "fn", fn.ETag)
			mu.Lock()
			defer mu.Unlock()
			var de *edgefn.Error
			switch {
			case err == nil:
				won++
			case errors.As(err, &de):
				kinds[de.Kind]++
			default:
				t.Errorf("delete: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || kinds[edgefn.ErrNotFound]+kinds[edgefn.ErrPreconditionFailed] != racers-1 {
		t.Errorf("%d deletes won, losers %v", won, kinds)
	}
}

func TestConcurrentUpdateKeys(t *testing.T) {
	s, _ := newStore(t, nil)
	k := createStore(t, s, acct, "store")
	won := race(t, edgefn.ErrPreconditionFailed, func(i int) error {
		_, err := s.UpdateKeys(t.Context(), acct, k.ID, k.DataETag,
			[]edgefn.Item{{Key: "winner", Value: fmt.Sprint(i)}, {Key: fmt.Sprint("k", i), Value: "v"}}, nil)
		return err
	})
	if won != 1 {
		t.Errorf("%d batches succeeded with the same ETag, want 1", won)
	}
	got, err := s.KeyValueStoreByID(t.Context(), acct, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ItemCount != 2 {
		t.Errorf("store holds %d items after one batch of 2", got.ItemCount)
	}
}

func TestConcurrentCreatesRespectQuota(t *testing.T) {
	s, _ := newStore(t, func(l *edgefn.Limits) { l.FunctionsPerAccount = 5; l.KVSPerAccount = 5 })
	won := race(t, edgefn.ErrLimitExceeded, func(i int) error {
		_, err := s.CreateFunction(t.Context(), acct, fmt.Sprint("f", i), cfg, code)
		return err
	})
	if won != 5 {
		t.Errorf("%d functions created under a quota of 5", won)
	}
	won = race(t, edgefn.ErrLimitExceeded, func(i int) error {
		_, err := s.CreateKeyValueStore(t.Context(), acct, fmt.Sprint("s", i), "", false)
		return err
	})
	if won != 5 {
		t.Errorf("%d stores created under a quota of 5", won)
	}
	won = race(t, edgefn.ErrAlreadyExists, func(i int) error {
		_, err := s.CreateFunction(t.Context(), other, "same", cfg, code)
		return err
	})
	if won != 1 {
		t.Errorf("%d functions created with one name", won)
	}
}
