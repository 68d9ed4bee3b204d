package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	kvsapi "github.com/aws/aws-sdk-go-v2/service/cloudfrontkeyvaluestore"

	"github.com/aws/smithy-go"

	"github.com/edgefn/edgefn/api/kvs"
)

// kvsClient holds the two SDK clients the kvs commands use: the data plane for
// items, the CloudFront control plane to turn a store name into its ARN.
type kvsClient struct {
	data    *kvsapi.Client
	control *cloudfront.Client
}

// newKVSClient configures unmodified SDK clients for endpoint. Both share a
// pinned HTTP client, so the account-prefixed host the KeyValueStore SDK
// derives from an IP-literal endpoint still reaches the server. It is the
// SDK's buildable client so that AWS_CA_BUNDLE keeps working. An empty
// endpoint leaves the endpoints to the SDK's own settings (AWS itself, or
// AWS_ENDPOINT_URL). Credentials: EDGEFN_ACCESS_KEY_ID and
// EDGEFN_SECRET_ACCESS_KEY, else on a loopback endpoint with no AWS
// credentials in the environment the development pair (as `edgefn serve`
// uses them there), else the SDK's chain.
func newKVSClient(ctx context.Context, endpoint string) (*kvsClient, error) {
	opts := []func(*config.LoadOptions) error{
		// CloudFront is global; any region signs, and the KVS plane ignores it.
		config.WithDefaultRegion("us-east-1"),
	}
	if endpoint != "" {
		pin, err := kvs.PinTransport(endpoint)
		if err != nil {
			return nil, err
		}
		opts = append(opts, config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(pin)),
			// An edgefn server has no instance roles: without credentials the
			// error should say which to set, not that no EC2 role was found.
			config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	id, secret := os.Getenv("EDGEFN_ACCESS_KEY_ID"), os.Getenv("EDGEFN_SECRET_ACCESS_KEY")
	switch {
	case id != "" && secret != "":
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, "")))
	case id != "" || secret != "":
		return nil, fmt.Errorf("set both EDGEFN_ACCESS_KEY_ID and EDGEFN_SECRET_ACCESS_KEY, or neither")
	case endpointOnLoopback(endpoint) && !awsCredentialsInEnv():
		// What `edgefn serve` accepts there when given no credentials.
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(devAccessKeyID, devSecretAccessKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		const hint = "set EDGEFN_ACCESS_KEY_ID and EDGEFN_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)"
		var op *smithy.OperationError
		if endpoint != "" && errors.As(err, &op) && op.ServiceID == "ec2imds" {
			// The chain fell through to the instance role we disabled: there
			// were no credentials at all, and the IMDS text would mislead.
			return nil, fmt.Errorf("no credentials: %s", hint)
		}
		return nil, fmt.Errorf("credentials: %w (%s)", err, hint)
	}
	if endpoint == "" {
		return &kvsClient{data: kvsapi.NewFromConfig(cfg), control: cloudfront.NewFromConfig(cfg)}, nil
	}
	return &kvsClient{
		data:    kvsapi.NewFromConfig(cfg, func(o *kvsapi.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		control: cloudfront.NewFromConfig(cfg, func(o *cloudfront.Options) { o.BaseEndpoint = aws.String(endpoint) }),
	}, nil
}

// endpointOnLoopback reports whether an endpoint URL names this machine.
func endpointOnLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	return loopback(net.JoinHostPort(host, "0")) || strings.HasSuffix(host, ".localhost")
}

// awsCredentialsInEnv reports whether the environment names AWS
// credentials, which then win over the development pair even on loopback
// (a server started with --credentials). The shared files' default profile
// does not count: it is usually AWS's, which a local server does not know.
func awsCredentialsInEnv() bool {
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if os.Getenv(v) != "" {
			return true
		}
	}
	return false
}

// resolveARN returns store if it is an ARN, else the ARN of the store so named.
func (c *kvsClient) resolveARN(ctx context.Context, store string) (string, error) {
	if strings.HasPrefix(store, "arn:") {
		return store, nil
	}
	out, err := c.control.DescribeKeyValueStore(ctx, &cloudfront.DescribeKeyValueStoreInput{Name: &store})
	var missing *cftypes.EntityNotFound
	if errors.As(err, &missing) {
		return "", fmt.Errorf("store %q does not exist; create it first (aws cloudfront create-key-value-store --name %s): %w", store, store, err)
	}
	if err != nil {
		return "", fmt.Errorf("look up store %q: %w", store, err)
	}
	return aws.ToString(out.KeyValueStore.ARN), nil
}

// etagWriter makes successive writes to one store, each with the ETag the
// previous one returned. When another writer got in first it re-reads the
// ETag and retries: a write refused with ConflictException changed nothing.
type etagWriter struct {
	client *kvsClient
	arn    string
	etag   string // "" until read
}

func (w *etagWriter) write(ctx context.Context, fn func(etag string) (kvsWriteResult, error)) (kvsWriteResult, error) {
	for attempt := 1; ; attempt++ {
		if w.etag == "" {
			if _, err := w.refresh(ctx); err != nil {
				return kvsWriteResult{}, err
			}
		}
		res, err := fn(w.etag)
		if isConflict(err) && attempt < kvsWriteAttempts {
			w.etag = ""
			continue
		}
		if err != nil {
			return kvsWriteResult{}, err
		}
		w.etag = res.ETag
		return res, nil
	}
}

// refresh reads the store's current state and ETag.
func (w *etagWriter) refresh(ctx context.Context) (kvsWriteResult, error) {
	out, err := w.client.data.DescribeKeyValueStore(ctx, &kvsapi.DescribeKeyValueStoreInput{KvsARN: &w.arn})
	if err != nil {
		return kvsWriteResult{}, err
	}
	w.etag = aws.ToString(out.ETag)
	return newWriteResult(out.ETag, out.ItemCount, out.TotalSizeInBytes), nil
}
