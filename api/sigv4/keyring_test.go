package sigv4

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewKeyring(t *testing.T) {
	good := Credential{AccessKeyID: "AKID1", SecretAccessKey: "s", AccountID: "000000000001"}
	with := func(edit func(*Credential)) Credential {
		c := good
		edit(&c)
		return c
	}
	tests := []struct {
		name    string
		creds   []Credential
		wantErr string
	}{
		{"one", []Credential{good}, ""},
		{"two", []Credential{good, with(func(c *Credential) { c.AccessKeyID = "AKID2" })}, ""},
		{"none", nil, "at least one"},
		{"empty key id", []Credential{with(func(c *Credential) { c.AccessKeyID = "" })}, "empty access key id"},
		{"slash in key id", []Credential{with(func(c *Credential) { c.AccessKeyID = "AK/ID" })}, "contains"},
		{"space in key id", []Credential{with(func(c *Credential) { c.AccessKeyID = "AK ID" })}, "contains"},
		{"empty secret", []Credential{with(func(c *Credential) { c.SecretAccessKey = "" })}, "empty secret"},
		{"empty account", []Credential{with(func(c *Credential) { c.AccountID = "" })}, "not 12 digits"},
		{"short account", []Credential{with(func(c *Credential) { c.AccountID = "12345678901" })}, "not 12 digits"},
		{"letter in account", []Credential{with(func(c *Credential) { c.AccountID = "12345678901a" })}, "not 12 digits"},
		{"duplicate key id", []Credential{good, with(func(c *Credential) { c.SecretAccessKey = "other" })}, "duplicate access key id AKID1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKeyring(tt.creds...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range tt.creds {
					if got, ok := k.Lookup(c.AccessKeyID); !ok || got != c {
						t.Errorf("Lookup(%s) = %+v, %v", c.AccessKeyID, got, ok)
					}
				}
				if _, ok := k.Lookup("AKIDMISSING"); ok {
					t.Error("Lookup of an unknown key succeeded")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadKeyring(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"valid", `[
			{"accessKeyId": "AKID1", "secretAccessKey": "s1", "accountId": "111111111111"},
			{"accessKeyId": "AKID2", "secretAccessKey": "s2", "accountId": "222222222222"}
		]`, ""},
		{"not json", `accessKeyId = AKID1`, "parse keyring"},
		{"object instead of list", `{"accessKeyId": "AKID1"}`, "parse keyring"},
		{"misspelt field", `[{"accessKey": "AKID1", "secretAccessKey": "s1", "accountId": "111111111111"}]`, "unknown field"},
		{"trailing data", `[] []`, "data after"},
		{"invalid entry", `[{"accessKeyId": "AKID1", "secretAccessKey": "s1", "accountId": "1"}]`, "not 12 digits"},
		{"empty list", `[]`, "at least one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			k, err := LoadKeyring(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Credential{AccessKeyID: "AKID2", SecretAccessKey: "s2", AccountID: "222222222222"}
			if got, ok := k.Lookup("AKID2"); !ok || got != want {
				t.Errorf("Lookup = %+v, %v", got, ok)
			}
		})
	}
	if _, err := LoadKeyring(filepath.Join(t.TempDir(), "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error = %v", err)
	}
}

func TestCredentialFormattingHidesSecret(t *testing.T) {
	for _, s := range []string{fmt.Sprint(testCred), fmt.Sprintf("%v", testCred), fmt.Sprintf("%+v", testCred), testCred.String()} {
		if strings.Contains(s, testCred.SecretAccessKey) || !strings.Contains(s, testCred.AccessKeyID) {
			t.Errorf("formatted credential %q", s)
		}
	}
}
