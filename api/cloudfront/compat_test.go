package cloudfront

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/smithy-go"
)

// apiMessage returns the message of an API error, failing unless err is one
// with the code.
func apiMessage(t *testing.T, err error, code string) string {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("error %v; want %s", err, code)
	}
	return api.ErrorMessage()
}

// TestErrorMessagesClientsParse checks the messages scripts read, not only
// the codes: the id of the distribution a reused CallerReference belongs to
// ends the DistributionAlreadyExists message (SDK users parse it from
// there), and AWS's not-found messages name no id.
func TestErrorMessagesClientsParse(t *testing.T) {
	e := newEnv(t)
	c := e.cf
	ctx := context.Background()
	existing := must(c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: distConfig("reused", nil)}))(t)
	id := aws.ToString(existing.Distribution.Id)

	again := distConfig("reused", nil)
	again.Aliases = nil
	_, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: again})
	if msg := apiMessage(t, err, "DistributionAlreadyExists"); !strings.HasSuffix(msg, "Already exists: "+id) {
		t.Errorf("DistributionAlreadyExists message %q; want it to end with %q", msg, "Already exists: "+id)
	}

	const unknown = "E0000000000000"
	const noDistribution = "The specified distribution does not exist."
	calls := map[string]func() error{
		"GetDistribution": func() error {
			_, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(unknown)})
			return err
		},
		"GetDistributionConfig": func() error {
			_, err := c.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(unknown)})
			return err
		},
		"UpdateDistribution": func() error {
			_, err := c.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{Id: aws.String(unknown), IfMatch: existing.ETag, DistributionConfig: distConfig("x", nil)})
			return err
		},
		"DeleteDistribution": func() error {
			_, err := c.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(unknown), IfMatch: existing.ETag})
			return err
		},
		"CreateInvalidation": func() error {
			_, err := c.CreateInvalidation(ctx, &cloudfront.CreateInvalidationInput{DistributionId: aws.String(unknown), InvalidationBatch: &types.InvalidationBatch{
				CallerReference: aws.String("r"), Paths: &types.Paths{Quantity: aws.Int32(1), Items: []string{"/*"}},
			}})
			return err
		},
		"GetInvalidation": func() error {
			_, err := c.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(unknown), Id: aws.String("I0000000000000")})
			return err
		},
		"ListInvalidations": func() error {
			_, err := c.ListInvalidations(ctx, &cloudfront.ListInvalidationsInput{DistributionId: aws.String(unknown)})
			return err
		},
	}
	for name, call := range calls {
		if msg := apiMessage(t, call(), "NoSuchDistribution"); msg != noDistribution {
			t.Errorf("%s of an unknown distribution: message %q; want %q", name, msg, noDistribution)
		}
	}
	_, err = c.GetInvalidation(ctx, &cloudfront.GetInvalidationInput{DistributionId: aws.String(id), Id: aws.String("I0000000000000")})
	if msg := apiMessage(t, err, "NoSuchInvalidation"); msg != "The specified invalidation does not exist." {
		t.Errorf("GetInvalidation of an unknown invalidation: message %q", msg)
	}
}
