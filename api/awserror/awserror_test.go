package awserror

import (
	"fmt"
	"testing"

	"github.com/edgefn/edgefn"
)

func TestCodes(t *testing.T) {
	tests := []struct {
		err         error
		cf, kvs     string
		cfSt, kvsSt int
	}{
		{edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceFunction, "x"), "NoSuchFunctionExists", "ResourceNotFoundException", 404, 404},
		{edgefn.Errorf(edgefn.ErrNotFound, edgefn.ResourceKeyValueStore, "x"), "EntityNotFound", "ResourceNotFoundException", 404, 404},
		{edgefn.Errorf(edgefn.ErrPreconditionFailed, edgefn.ResourceKeyValueStore, "x"), "PreconditionFailed", "ConflictException", 412, 409},
		{edgefn.Errorf(edgefn.ErrInvalidIfMatch, edgefn.ResourceFunction, "x"), "InvalidIfMatchVersion", "ConflictException", 400, 409},
		{edgefn.Errorf(edgefn.ErrLimitExceeded, edgefn.ResourceKey, "x"), "InternalError", "ServiceQuotaExceededException", 500, 402},
		{edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceFunction, "x"), "FunctionSizeLimitExceeded", "ValidationException", 413, 400},
		{edgefn.Errorf(edgefn.ErrInUse, edgefn.ResourceKeyValueStore, "x"), "CannotDeleteEntityWhileInUse", "InternalServerException", 409, 500},
		{fmt.Errorf("wrapped: %w", edgefn.Errorf(edgefn.ErrAlreadyExists, edgefn.ResourceFunction, "x")), "FunctionAlreadyExists", "InternalServerException", 409, 500},
		{fmt.Errorf("disk on fire"), "InternalError", "InternalServerException", 500, 500},
		{fmt.Errorf("etcd: %w", edgefn.Errorf(edgefn.ErrUnavailable, "", "x")), "ServiceUnavailable", "ServiceUnavailableException", 503, 503},
	}
	for _, tt := range tests {
		c, _ := CloudFront(tt.err)
		if c.Name != tt.cf || c.Status != tt.cfSt {
			t.Errorf("CloudFront(%v) = %v, want %s %d", tt.err, c, tt.cf, tt.cfSt)
		}
		k, _ := KeyValueStore(tt.err)
		if k.Name != tt.kvs || k.Status != tt.kvsSt {
			t.Errorf("KeyValueStore(%v) = %v, want %s %d", tt.err, k, tt.kvs, tt.kvsSt)
		}
	}
	if _, msg := CloudFront(fmt.Errorf("secret path /var/x")); msg == "secret path /var/x" {
		t.Error("internal error text leaked to the client")
	}
}
