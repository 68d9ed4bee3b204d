package kvsimport

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/edgefn/edgefn"
)

// S3 reads import objects from Amazon S3 or an S3-compatible server.
type S3 struct {
	client *s3.Client
}

// NewS3 builds an S3 reader from the standard AWS configuration (environment and
// shared config files), so AWS_ENDPOINT_URL_S3, AWS_REGION and the usual credential
// sources apply. pathStyle puts the bucket in the path instead of the host name,
// which most S3-compatible servers need. Without a configured region it signs for
// us-east-1, the region S3-compatible servers commonly expect.
func NewS3(ctx context.Context, pathStyle bool) (*S3, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return &S3{client: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle })}, nil
}

// Open starts a GetObject of key in bucket and returns its body.
func (s *S3) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err == nil {
		return out.Body, nil
	}
	obj := Object{Bucket: bucket, Key: key}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NoSuchBucket", "NotFound":
			return nil, notFound(obj)
		case "AccessDenied", "Forbidden":
			return nil, edgefn.Errorf(edgefn.ErrAccessDenied, edgefn.ResourceKeyValueStore, "Access to the import source %s was denied", obj.ARN())
		}
	}
	return nil, fmt.Errorf("get %s: %w", obj.ARN(), err)
}
