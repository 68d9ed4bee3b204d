// Package edgefn holds the domain types shared by every part of edgefn: CloudFront
// Functions, KeyValueStores and distributions as the CloudFront API describes them,
// the typed errors the API layers map to AWS error codes, and the service limits.
//
// Subpackages do the work: runtime runs functions, store keeps state (store/bolt
// embedded, store/etcd distributed), api serves the AWS wire protocols, edge serves
// viewer traffic.
package edgefn

import "time"

// Runtime is a CloudFront Functions JavaScript runtime id.
type Runtime string

const (
	RuntimeJS1 Runtime = "cloudfront-js-1.0"
	RuntimeJS2 Runtime = "cloudfront-js-2.0"
)

// Valid reports whether r is one of the two runtimes CloudFront knows.
func (r Runtime) Valid() bool { return r == RuntimeJS1 || r == RuntimeJS2 }

// Stage selects one of the two copies of a function.
type Stage string

const (
	StageDevelopment Stage = "DEVELOPMENT"
	StageLive        Stage = "LIVE"
)

// Valid reports whether s is DEVELOPMENT or LIVE.
func (s Stage) Valid() bool { return s == StageDevelopment || s == StageLive }

// FunctionStatus is the Status CloudFront reports in a FunctionSummary.
type FunctionStatus string

const (
	StatusUnpublished  FunctionStatus = "UNPUBLISHED"
	StatusUnassociated FunctionStatus = "UNASSOCIATED"
	StatusDeployed     FunctionStatus = "DEPLOYED"
)

// FunctionConfig is the user-editable configuration of a function.
type FunctionConfig struct {
	Comment string
	Runtime Runtime
	// KeyValueStoreARNs lists the associated stores (CloudFront allows one).
	KeyValueStoreARNs []string
}

// Function is one stage's copy of a CloudFront function.
type Function struct {
	Account string
	// ID is a connection function's id (viewer functions have none).
	ID           string
	Name         string
	Stage        Stage
	Status       FunctionStatus
	Config       FunctionConfig
	Code         []byte
	ETag         string
	Created      time.Time
	LastModified time.Time
}

// FunctionARN returns arn:aws:cloudfront::<account>:function/<name>.
func FunctionARN(account, name string) string {
	return "arn:aws:cloudfront::" + account + ":function/" + name
}

// ConnectionFunctionARN returns arn:aws:cloudfront::<account>:connection-function/<id>.
func ConnectionFunctionARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":connection-function/" + id
}

// KeyValueStore status values (control plane Status, data plane Status).
const (
	KVSProvisioning  = "PROVISIONING"
	KVSReady         = "READY"
	KVSImportFailure = "IMPORT_FAILURE"
)

// KeyValueStore is the control-plane resource of a store, plus the data-plane
// totals that the KeyValueStore API reports.
type KeyValueStore struct {
	Account       string
	Name          string
	ID            string
	Comment       string
	Status        string
	FailureReason string
	// ETag versions the resource (comment, status); DataETag versions the items.
	ETag         string
	DataETag     string
	ItemCount    int64
	TotalSize    int64
	Created      time.Time
	LastModified time.Time
}

// ARN returns arn:aws:cloudfront::<account>:key-value-store/<id>.
func (k *KeyValueStore) ARN() string { return KeyValueStoreARN(k.Account, k.ID) }

// KeyValueStoreARN returns the ARN of the store id in account.
func KeyValueStoreARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":key-value-store/" + id
}

// Item is one key-value pair of a store.
type Item struct {
	Key   string
	Value string
}
