package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/store"
	"github.com/edgefn/edgefn/store/bolt"
)

// crashEnv, when set to a database path, turns TestDurabilityUnderKill into
// the child that writes until it is killed.
const crashEnv = "EDGEFN_STORE_CRASH_CHILD"

const (
	batchKeys  = 10
	killAfter  = 150 // acknowledged batches before the parent kills the child
	childLimit = time.Minute
)

func crashLimits() edgefn.Limits {
	l := edgefn.DefaultLimits()
	l.FunctionsPerAccount = 1 << 20
	l.KVSStoreBytes = 1 << 30
	return l
}

func batchKey(i, j int) string { return fmt.Sprintf("b%07d-%02d", i, j) }

// TestDurabilityUnderKill runs a child that storms the store with
// UpdateKeys and CreateFunction, printing each acknowledged write, and
// SIGKILLs it mid-storm. Every acknowledged write must be in the reopened
// database, and no batch may be half applied.
func TestDurabilityUnderKill(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	path := filepath.Join(t.TempDir(), "edgefn.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityUnderKill$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	var (
		storeID string
		batches []int
		fns     []int
		killed  bool
	)
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) != 3 || f[0] != "ack" {
			continue
		}
		switch f[1] {
		case "store":
			storeID = f[2]
		case "batch", "fn":
			n, err := strconv.Atoi(f[2])
			if err != nil {
				t.Fatalf("bad ack %q", lines.Text())
			}
			if f[1] == "batch" {
				batches = append(batches, n)
			} else {
				fns = append(fns, n)
			}
		}
		// Lines already in the pipe after the kill are acknowledged writes
		// too: keep reading to the end.
		if !killed && len(batches) >= killAfter {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !killed || !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child was not killed mid-storm (acks: %d batches, %d functions): %v", len(batches), len(fns), err)
	}
	if storeID == "" || len(batches) < killAfter || len(fns) == 0 {
		t.Fatalf("child acknowledged store %q, %d batches, %d functions", storeID, len(batches), len(fns))
	}

	db, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := store.New(db, crashLimits())
	ctx := t.Context()

	k, err := s.KeyValueStoreByID(ctx, acct, storeID)
	if err != nil {
		t.Fatal(err)
	}
	// Read every item; group them by batch.
	got := map[int]int{} // batch -> keys present
	var items, size int64
	token := ""
	for {
		page, next, err := s.ListKeys(ctx, acct, storeID, token, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page {
			items++
			size += int64(len(it.Key) + len(it.Value))
			var i, j int
			if _, err := fmt.Sscanf(it.Key, "b%07d-%02d", &i, &j); err != nil || it.Value != strconv.Itoa(i) {
				t.Fatalf("unexpected item %q=%q", it.Key, it.Value)
			}
			got[i]++
		}
		if token = next; next == "" {
			break
		}
	}
	for i, n := range got {
		if n != batchKeys {
			t.Errorf("batch %d is half applied: %d of %d keys", i, n, batchKeys)
		}
	}
	for _, i := range batches {
		if got[i] != batchKeys {
			t.Errorf("acknowledged batch %d lost (%d keys)", i, got[i])
		}
	}
	if k.ItemCount != items || k.TotalSize != size {
		t.Errorf("store totals %d items %d bytes, contents %d items %d bytes", k.ItemCount, k.TotalSize, items, size)
	}
	for _, i := range fns {
		if _, err := s.GetFunction(ctx, acct, fmt.Sprint("f", i), edgefn.StageDevelopment); err != nil {
			t.Errorf("acknowledged function f%d lost: %v", i, err)
		}
	}
	// The database is still writable from where it stopped.
	if _, err := s.UpdateKeys(ctx, acct, storeID, k.DataETag, []edgefn.Item{{Key: "after", Value: "restart"}}, nil); err != nil {
		t.Errorf("UpdateKeys after restart: %v", err)
	}
	t.Logf("killed after %d acknowledged batches and %d functions; %d batches on disk", len(batches), len(fns), len(got))
}

// crashChild writes until killed, printing "ack <what> <n>" after each
// acknowledged write.
func crashChild(path string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	db, err := bolt.Open(path)
	if err != nil {
		fail(err)
	}
	s := store.New(db, crashLimits())
	ctx := context.Background()
	k, err := s.CreateKeyValueStore(ctx, acct, "storm", "", false)
	if err != nil {
		fail(err)
	}
	fmt.Println("ack store", k.ID)
	deadline := time.Now().Add(childLimit)
	for i := 0; time.Now().Before(deadline); i++ {
		puts := make([]edgefn.Item, batchKeys)
		for j := range puts {
			puts[j] = edgefn.Item{Key: batchKey(i, j), Value: strconv.Itoa(i)}
		}
		if k, err = s.UpdateKeys(ctx, acct, k.ID, k.DataETag, puts, nil); err != nil {
			fail(err)
		}
		fmt.Println("ack batch", i)
		if _, err := s.CreateFunction(ctx, acct, fmt.Sprint("f", i), cfg, code); err != nil {
			fail(err)
		}
		fmt.Println("ack fn", i)
	}
	os.Exit(0)
}
