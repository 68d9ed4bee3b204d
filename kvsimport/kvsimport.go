// Package kvsimport reads the files CloudFront imports into a new KeyValueStore
// (CreateKeyValueStore's ImportSource): it parses the source ARN, fetches the object
// through an Opener (a local directory or an S3-compatible endpoint) and validates
// the file against the KeyValueStore limits.
package kvsimport

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/edgefn/edgefn"
)

// SourceTypeS3 is the only ImportSource.SourceType CloudFront defines.
const SourceTypeS3 = "S3"

// Object names the S3 object an import reads.
type Object struct {
	Bucket string
	Key    string
}

// ARN returns arn:aws:s3:::<bucket>/<key>.
func (o Object) ARN() string { return "arn:aws:s3:::" + o.Bucket + "/" + o.Key }

// bucketName is S3's rule for bucket names (3-63 characters, lower-case letters,
// digits, dots and hyphens, starting and ending with a letter or digit).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// maxKeyBytes is S3's limit on object key length.
const maxKeyBytes = 1024

// ParseSource validates an ImportSource and returns the object it names. The ARN
// must be an S3 object ARN, arn:<partition>:s3:::<bucket>/<key>; errors are
// *edgefn.Error with kind ErrInvalidArgument.
func ParseSource(sourceType, sourceARN string) (Object, error) {
	if sourceType != SourceTypeS3 {
		return Object{}, invalid("ImportSource.SourceType %q is not supported; the only valid value is %s", sourceType, SourceTypeS3)
	}
	parts := strings.SplitN(sourceARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "s3" || parts[3] != "" || parts[4] != "" {
		return Object{}, invalid("ImportSource.SourceARN %q is not an S3 object ARN (arn:aws:s3:::bucket/key)", sourceARN)
	}
	bucket, key, ok := strings.Cut(parts[5], "/")
	if !ok || key == "" {
		return Object{}, invalid("ImportSource.SourceARN %q names no object key (arn:aws:s3:::bucket/key)", sourceARN)
	}
	if !bucketName.MatchString(bucket) {
		return Object{}, invalid("ImportSource.SourceARN %q: %q is not a valid S3 bucket name", sourceARN, bucket)
	}
	if len(key) > maxKeyBytes {
		return Object{}, invalid("ImportSource.SourceARN: the object key is longer than %d bytes", maxKeyBytes)
	}
	return Object{Bucket: bucket, Key: key}, nil
}

// Opener opens one object of an import source. A missing object is an
// *edgefn.Error of kind ErrNotFound whose message can be shown to the store's owner.
type Opener interface {
	Open(ctx context.Context, bucket, key string) (io.ReadCloser, error)
}

// Load reads and parses the import file obj through o.
func Load(ctx context.Context, o Opener, obj Object, limits edgefn.Limits) ([]edgefn.Item, error) {
	rc, err := o.Open(ctx, obj.Bucket, obj.Key)
	if err != nil {
		return nil, fmt.Errorf("open import source %s: %w", obj.ARN(), err)
	}
	defer rc.Close()
	items, err := Parse(rc, limits)
	if err != nil {
		return nil, fmt.Errorf("import source %s: %w", obj.ARN(), err)
	}
	return items, nil
}

func invalid(format string, args ...any) error {
	return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceKeyValueStore, format, args...)
}
