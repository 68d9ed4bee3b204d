package sigv4

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Credential is one access key pair and the account it acts for.
type Credential struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	AccountID       string `json:"accountId"`
}

// String leaves the secret out so that logging a Credential cannot leak it.
func (c Credential) String() string {
	return c.AccessKeyID + " (account " + c.AccountID + ")"
}

func (c Credential) validate() error {
	switch {
	case c.AccessKeyID == "":
		return errors.New("empty access key id")
	case strings.ContainsAny(c.AccessKeyID, "/, \t\r\n="):
		// These characters would split the Credential parameter of a signature.
		return fmt.Errorf("access key id %q contains one of '/', ',', '=' or whitespace", c.AccessKeyID)
	case c.SecretAccessKey == "":
		return fmt.Errorf("access key %s: empty secret access key", c.AccessKeyID)
	case !isAccountID(c.AccountID):
		return fmt.Errorf("access key %s: account id %q is not 12 digits", c.AccessKeyID, c.AccountID)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Keyring maps access key ids to credentials. It is immutable once built and
// safe for concurrent use.
type Keyring struct {
	byID map[string]Credential
}

// NewKeyring builds a keyring from at least one credential. Every field must be
// set, account ids must be 12 digits and access key ids unique.
func NewKeyring(creds ...Credential) (*Keyring, error) {
	if len(creds) == 0 {
		return nil, errors.New("sigv4: keyring needs at least one credential")
	}
	byID := make(map[string]Credential, len(creds))
	for _, c := range creds {
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("sigv4: %w", err)
		}
		if _, dup := byID[c.AccessKeyID]; dup {
			return nil, fmt.Errorf("sigv4: duplicate access key id %s", c.AccessKeyID)
		}
		byID[c.AccessKeyID] = c
	}
	return &Keyring{byID: byID}, nil
}

// LoadKeyring reads a credentials file: a JSON array of objects with the fields
// accessKeyId, secretAccessKey and accountId, for example
//
//	[
//	  {"accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "wJalrXUtnFEMI/K7MDENG", "accountId": "123456789012"}
//	]
//
// Unknown fields are an error (a misspelt field name would otherwise leave a key
// silently unusable). The file holds secrets: keep it readable by the server only.
func LoadKeyring(path string) (*Keyring, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sigv4: read keyring: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var creds []Credential
	if err := dec.Decode(&creds); err != nil {
		return nil, fmt.Errorf("sigv4: parse keyring %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("sigv4: parse keyring %s: data after the JSON array", path)
	}
	k, err := NewKeyring(creds...)
	if err != nil {
		return nil, fmt.Errorf("keyring file %s: %w", path, err)
	}
	return k, nil
}

// Lookup returns the credential of an access key id.
func (k *Keyring) Lookup(accessKeyID string) (Credential, bool) {
	c, ok := k.byID[accessKeyID]
	return c, ok
}

// Accounts returns the distinct account ids of the keyring, sorted.
func (k *Keyring) Accounts() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range k.byID {
		if !seen[c.AccountID] {
			seen[c.AccountID] = true
			out = append(out, c.AccountID)
		}
	}
	sort.Strings(out)
	return out
}
