// Command edgesetup configures a running edgefn for bench/edge.sh through
// the CloudFront API, as a user would with an SDK: it publishes a
// viewer-request function and creates two distributions in front of one
// origin, one running the function and one without (with -cache-policy,
// both cache by that policy: bench/cache.sh). It prints
// "NOFN=<domain> FN=<domain>" for the script.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:8080", "edgefn API endpoint")
	origin := flag.String("origin", "", "origin address, host:port")
	code := flag.String("function", "", "file with the viewer-request function")
	policy := flag.String("cache-policy", "", "id of the cache policy of both distributions (default: none, nothing cached)")
	flag.Parse()
	if err := run(*endpoint, *origin, *code, *policy); err != nil {
		fmt.Fprintln(os.Stderr, "edgesetup:", err)
		os.Exit(1)
	}
}

func run(endpoint, origin, codeFile, policy string) error {
	host, portText, err := net.SplitHostPort(origin)
	if err != nil {
		return fmt.Errorf("-origin: %w", err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("-origin port: %w", err)
	}
	code, err := os.ReadFile(codeFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// edgefn serve's development key pair (README.md).
	c := cloudfront.New(cloudfront.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAEDGEFNDEVELOPER1", "edgefn-development-secret-do-not-use", ""),
	})
	fn, err := c.CreateFunction(ctx, &cloudfront.CreateFunctionInput{
		Name:           aws.String("bench"),
		FunctionCode:   code,
		FunctionConfig: &types.FunctionConfig{Comment: aws.String("bench/edge.sh"), Runtime: types.FunctionRuntimeCloudfrontJs20},
	})
	if err != nil {
		return fmt.Errorf("create function: %w", err)
	}
	live, err := c.PublishFunction(ctx, &cloudfront.PublishFunctionInput{Name: aws.String("bench"), IfMatch: fn.ETag})
	if err != nil {
		return fmt.Errorf("publish function: %w", err)
	}
	var domains [2]string
	for i, arn := range []string{"", *live.FunctionSummary.FunctionMetadata.FunctionARN} {
		fns := &types.FunctionAssociations{Quantity: aws.Int32(0)}
		if arn != "" {
			fns = &types.FunctionAssociations{Quantity: aws.Int32(1), Items: []types.FunctionAssociation{
				{EventType: types.EventTypeViewerRequest, FunctionARN: aws.String(arn)},
			}}
		}
		out, err := c.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &types.DistributionConfig{
			CallerReference: aws.String(fmt.Sprintf("bench-%d", i)),
			Comment:         aws.String("bench/edge.sh"),
			Enabled:         aws.Bool(true),
			Origins: &types.Origins{Quantity: aws.Int32(1), Items: []types.Origin{{
				Id: aws.String("origin"), DomainName: aws.String(host),
				CustomOriginConfig: &types.CustomOriginConfig{
					HTTPPort: aws.Int32(int32(port)), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: types.OriginProtocolPolicyHttpOnly,
				},
			}}},
			DefaultCacheBehavior: &types.DefaultCacheBehavior{
				TargetOriginId:       aws.String("origin"),
				ViewerProtocolPolicy: types.ViewerProtocolPolicyAllowAll,
				FunctionAssociations: fns,
				CachePolicyId:        optional(policy),
			},
		}})
		if err != nil {
			return fmt.Errorf("create distribution: %w", err)
		}
		domains[i] = *out.Distribution.DomainName
	}
	fmt.Printf("NOFN=%s FN=%s\n", domains[0], domains[1])
	return nil
}

// optional is s, or nil for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
