package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEtcdOptions: the --etcd-* flags that cannot work are refused at start
// (usage errors, exit status 2) rather than at the first connection.
func TestEtcdOptions(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		cfg   etcdConfig
		opts  int
		usage bool
	}{
		{"nothing", etcdConfig{}, 0, false},
		{"a user", etcdConfig{user: "root", password: "pw"}, 1, false},
		{"a password alone", etcdConfig{password: "pw"}, 0, true},
		{"a CA file without certificates", etcdConfig{ca: notPEM}, 0, true},
		{"a missing CA file", etcdConfig{ca: filepath.Join(dir, "missing.pem")}, 0, true},
		{"a client certificate without its key", etcdConfig{cert: notPEM}, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := tt.cfg.options()
			if tt.usage {
				if exitCode(err) != 2 {
					t.Fatalf("options() = %v, want a usage error", err)
				}
				return
			}
			if err != nil || len(opts) != tt.opts {
				t.Fatalf("options() = %d options, %v; want %d", len(opts), err, tt.opts)
			}
		})
	}
}
