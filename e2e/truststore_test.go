package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgefn/edgefn/internal/devcert"
)

// putBundle writes a CA bundle where the server's S3 directory serves
// s3://bucket/key, and returns the source that names it.
func (s *server) putBundle(t *testing.T, bucket, key string, pem []byte) cftypes.CaCertificatesBundleSource {
	t.Helper()
	path := filepath.Join(s.cfg.dataDir, "s3", bucket, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem, 0o644); err != nil {
		t.Fatal(err)
	}
	return bundleSource(bucket, key)
}

func bundleSource(bucket, key string) cftypes.CaCertificatesBundleSource {
	return &cftypes.CaCertificatesBundleSourceMemberCaCertificatesBundleS3Location{Value: cftypes.CaCertificatesBundleS3Location{
		Bucket: aws.String(bucket), Key: aws.String(key), Region: aws.String("us-east-1"),
	}}
}

func newCA(t testing.TB, cn string) *devcert.CA {
	t.Helper()
	ca, err := devcert.NewCA(cn)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// TestTrustStoreLifecycle: every trust store operation through the SDK, with
// the errors the model lists.
func TestTrustStoreLifecycle(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)
	ca, other := newCA(t, "Test CA"), newCA(t, "Other CA")
	src := s.putBundle(t, "ca-bundles", "prod/ca.pem", ca.PEM())

	created, err := cf.CreateTrustStore(c, &cloudfront.CreateTrustStoreInput{Name: aws.String("devices"), CaCertificatesBundleSource: src,
		Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("team"), Value: aws.String("iot")}}}})
	if err != nil {
		t.Fatalf("CreateTrustStore: %v", err)
	}
	ts := created.TrustStore
	id, etag := aws.ToString(ts.Id), aws.ToString(created.ETag)
	if id == "" || etag == "" || aws.ToString(ts.Name) != "devices" || ts.Status != cftypes.TrustStoreStatusActive ||
		aws.ToInt32(ts.NumberOfCaCertificates) != 1 || aws.ToString(ts.Arn) != "arn:aws:cloudfront::"+devAccount.AccountID+":trust-store/"+id ||
		ts.LastModifiedTime == nil || aws.ToBool(ts.UseClientCertificateOCSPEndpoint) {
		t.Fatalf("CreateTrustStore: %+v ETag %q", ts, etag)
	}
	_, err = cf.CreateTrustStore(c, &cloudfront.CreateTrustStoreInput{Name: aws.String("devices"), CaCertificatesBundleSource: src})
	wantAPIError(t, err, "EntityAlreadyExists", 409)

	for _, ident := range []string{id, aws.ToString(ts.Arn)} {
		got, err := cf.GetTrustStore(c, &cloudfront.GetTrustStoreInput{Identifier: aws.String(ident)})
		if err != nil || aws.ToString(got.ETag) != etag || aws.ToString(got.TrustStore.Id) != id {
			t.Fatalf("GetTrustStore(%s): %v %+v", ident, err, got)
		}
	}
	_, err = cf.GetTrustStore(c, &cloudfront.GetTrustStoreInput{Identifier: aws.String("9a7b0f55-3c2d-4e4b-8c1e-000000000000")})
	wantAPIError(t, err, "EntityNotFound", 404)

	// A second store, then a listing two pages long.
	if _, err := cf.CreateTrustStore(c, &cloudfront.CreateTrustStoreInput{Name: aws.String("partners"), CaCertificatesBundleSource: s.putBundle(t, "ca-bundles", "partners.pem", append(ca.PEM(), other.PEM()...))}); err != nil {
		t.Fatalf("CreateTrustStore partners: %v", err)
	}
	first, err := cf.ListTrustStores(c, &cloudfront.ListTrustStoresInput{MaxItems: aws.Int32(1)})
	if err != nil || len(first.TrustStoreList) != 1 || aws.ToString(first.NextMarker) == "" {
		t.Fatalf("ListTrustStores page 1: %v %+v", err, first)
	}
	second, err := cf.ListTrustStores(c, &cloudfront.ListTrustStoresInput{Marker: first.NextMarker})
	if err != nil || len(second.TrustStoreList) != 1 || second.NextMarker != nil {
		t.Fatalf("ListTrustStores page 2: %v %+v", err, second)
	}
	counts := map[string]int32{}
	for _, sum := range append(first.TrustStoreList, second.TrustStoreList...) {
		if aws.ToString(sum.ETag) == "" || sum.Status != cftypes.TrustStoreStatusActive {
			t.Errorf("TrustStoreSummary %+v", sum)
		}
		counts[aws.ToString(sum.Name)] = aws.ToInt32(sum.NumberOfCaCertificates)
	}
	if counts["devices"] != 1 || counts["partners"] != 2 {
		t.Errorf("ListTrustStores counts %v", counts)
	}

	// Update: a new bundle and the OCSP flag; the old ETag then fails.
	up, err := cf.UpdateTrustStore(c, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag),
		CaCertificatesBundleSource:       s.putBundle(t, "ca-bundles", "prod/ca-2.pem", append(ca.PEM(), other.PEM()...)),
		UseClientCertificateOCSPEndpoint: aws.Bool(true)})
	if err != nil || aws.ToInt32(up.TrustStore.NumberOfCaCertificates) != 2 || !aws.ToBool(up.TrustStore.UseClientCertificateOCSPEndpoint) ||
		aws.ToString(up.TrustStore.Name) != "devices" || aws.ToString(up.ETag) == etag {
		t.Fatalf("UpdateTrustStore: %v %+v", err, up)
	}
	_, err = cf.UpdateTrustStore(c, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag), CaCertificatesBundleSource: src})
	wantAPIError(t, err, "PreconditionFailed", 412)
	_, err = cf.UpdateTrustStore(c, &cloudfront.UpdateTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(""), CaCertificatesBundleSource: src})
	wantAPIError(t, err, "InvalidIfMatchVersion", 400)
	_, err = cf.DeleteTrustStore(c, &cloudfront.DeleteTrustStoreInput{Id: aws.String(id), IfMatch: aws.String(etag)})
	wantAPIError(t, err, "PreconditionFailed", 412)
	if _, err := cf.DeleteTrustStore(c, &cloudfront.DeleteTrustStoreInput{Id: aws.String(id), IfMatch: up.ETag}); err != nil {
		t.Fatalf("DeleteTrustStore: %v", err)
	}
	_, err = cf.GetTrustStore(c, &cloudfront.GetTrustStoreInput{Identifier: aws.String(id)})
	wantAPIError(t, err, "EntityNotFound", 404)
	_, err = cf.DeleteTrustStore(c, &cloudfront.DeleteTrustStoreInput{Id: aws.String(id), IfMatch: up.ETag})
	wantAPIError(t, err, "EntityNotFound", 404)
}

// TestTrustStoreBundleErrors: bundles that are missing, not PEM, not CAs, or
// named by a location that would leave the S3 directory are refused with
// the model's codes, and nothing is created.
func TestTrustStoreBundleErrors(t *testing.T) {
	s := startServer(t, serverConfig{})
	cf := s.cloudFront(devAccount)
	c := ctx(t)
	ca := newCA(t, "Test CA")
	leaf, err := ca.Issue("device", 1, ca.Cert.Leaf.NotBefore, ca.Cert.Leaf.NotAfter)
	if err != nil {
		t.Fatal(err)
	}
	leafPEM, _, err := devcert.PEM(leaf)
	if err != nil {
		t.Fatal(err)
	}
	// A file beside the data directory's S3 directory, which a traversal
	// would reach.
	secret := filepath.Join(s.cfg.dataDir, "secret.pem")
	if err := os.WriteFile(secret, ca.PEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	s.putBundle(t, "ca-bundles", "ok.pem", ca.PEM())
	tests := []struct {
		name   string
		src    cftypes.CaCertificatesBundleSource
		code   string
		status int
	}{
		{"missing object", bundleSource("ca-bundles", "nope.pem"), "EntityNotFound", 404},
		{"missing bucket", bundleSource("no-such-bucket", "ca.pem"), "EntityNotFound", 404},
		{"not PEM", s.putBundle(t, "ca-bundles", "junk.pem", []byte("not a certificate")), "InvalidArgument", 400},
		{"empty", s.putBundle(t, "ca-bundles", "empty.pem", nil), "InvalidArgument", 400},
		{"a leaf", s.putBundle(t, "ca-bundles", "leaf.pem", leafPEM), "InvalidArgument", 400},
		{"key traversal", bundleSource("ca-bundles", "../secret.pem"), "InvalidArgument", 400},
		{"deep traversal", bundleSource("ca-bundles", "a/../../../secret.pem"), "InvalidArgument", 400},
		{"bucket traversal", bundleSource("..", "secret.pem"), "InvalidArgument", 400},
		{"absolute key", bundleSource("ca-bundles", "/"+secret), "InvalidArgument", 400},
		{"bad region", &cftypes.CaCertificatesBundleSourceMemberCaCertificatesBundleS3Location{Value: cftypes.CaCertificatesBundleS3Location{
			Bucket: aws.String("ca-bundles"), Key: aws.String("ok.pem"), Region: aws.String("nowhere")}}, "InvalidArgument", 400},
	}
	for _, tt := range tests {
		_, err := cf.CreateTrustStore(c, &cloudfront.CreateTrustStoreInput{Name: aws.String("t"), CaCertificatesBundleSource: tt.src})
		t.Run(tt.name, func(t *testing.T) { wantAPIError(t, err, tt.code, tt.status) })
	}
	_, err = cf.CreateTrustStore(c, &cloudfront.CreateTrustStoreInput{Name: aws.String("bad name!"), CaCertificatesBundleSource: bundleSource("ca-bundles", "ok.pem")})
	wantAPIError(t, err, "InvalidArgument", 400)
	_, err = cf.CreateTrustStore(c, &cloudfront.CreateTrustStoreInput{Name: aws.String("t"), CaCertificatesBundleSource: bundleSource("ca-bundles", "ok.pem"),
		Tags: &cftypes.Tags{Items: []cftypes.Tag{{Key: aws.String("")}}}})
	wantAPIError(t, err, "InvalidTagging", 400)
	list, err := cf.ListTrustStores(c, &cloudfront.ListTrustStoresInput{})
	if err != nil || len(list.TrustStoreList) != 0 {
		t.Fatalf("ListTrustStores after refusals: %v %+v", err, list)
	}
}

// allowAll is a connection function that lets every handshake through.
var allowAll = []byte(`function connectionHandler(connection) { connection.allow(); }`)

// createConnectionFunction creates (and with publish, publishes) a
// connection function and returns its id.
func createConnectionFunction(t testing.TB, cf *cloudfront.Client, name string, code []byte, publish bool, storeARNs ...string) string {
	t.Helper()
	c := ctx(t)
	out, err := cf.CreateConnectionFunction(c, &cloudfront.CreateConnectionFunctionInput{Name: aws.String(name),
		ConnectionFunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20, storeARNs...), ConnectionFunctionCode: code})
	if err != nil {
		t.Fatalf("CreateConnectionFunction: %v", err)
	}
	id := aws.ToString(out.ConnectionFunctionSummary.Id)
	if publish {
		if _, err := cf.PublishConnectionFunction(c, &cloudfront.PublishConnectionFunctionInput{Id: aws.String(id), IfMatch: out.ETag}); err != nil {
			t.Fatalf("PublishConnectionFunction: %v", err)
		}
	}
	return id
}

// createTrustStore makes a trust store of ca's bundle and returns its id.
func (s *server) createTrustStore(t *testing.T, cf *cloudfront.Client, name string, ca *devcert.CA) string {
	t.Helper()
	out, err := cf.CreateTrustStore(ctx(t), &cloudfront.CreateTrustStoreInput{Name: aws.String(name), CaCertificatesBundleSource: s.putBundle(t, "ca-bundles", name+".pem", ca.PEM())})
	if err != nil {
		t.Fatalf("CreateTrustStore: %v", err)
	}
	return aws.ToString(out.TrustStore.Id)
}

// withMtls adds a required-mode ViewerMtlsConfig on trust store ts and the
// connection function fn ("": none) to cfg.
func withMtls(cfg *cftypes.DistributionConfig, mode cftypes.ViewerMtlsMode, ts, fn string) *cftypes.DistributionConfig {
	cfg.ViewerMtlsConfig = &cftypes.ViewerMtlsConfig{Mode: mode, TrustStoreConfig: &cftypes.TrustStoreConfig{TrustStoreId: aws.String(ts)}}
	if fn != "" {
		cfg.ConnectionFunctionAssociation = &cftypes.ConnectionFunctionAssociation{Id: aws.String(fn)}
	}
	return cfg
}

// TestDistributionMtlsConfig: a distribution's ViewerMtlsConfig and
// connection function association are validated, kept with CloudFront's
// defaults, listed by ListDistributionsByTrustStore / ByConnectionFunction,
// and keep what they use from deletion. Another account's trust store or
// connection function is not found.
func TestDistributionMtlsConfig(t *testing.T) {
	s := startServer(t, serverConfig{accounts: []account{accountA, accountB}})
	cfA, cfB := s.cloudFront(accountA), s.cloudFront(accountB)
	c := ctx(t)
	ca := newCA(t, "Test CA")
	tsA, tsB := s.createTrustStore(t, cfA, "a-devices", ca), s.createTrustStore(t, cfB, "b-devices", ca)
	fnA := createConnectionFunction(t, cfA, "a-check", allowAll, true)
	fnB := createConnectionFunction(t, cfB, "b-check", allowAll, true)
	draft := createConnectionFunction(t, cfA, "a-draft", allowAll, false)
	behavior := func() *cftypes.DefaultCacheBehavior {
		return &cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly}
	}

	refused := []struct {
		name   string
		cfg    *cftypes.DistributionConfig
		code   string
		status int
	}{
		{"unknown trust store", withMtls(localOrigin("r1", 80, behavior()), cftypes.ViewerMtlsModeRequired, "9a7b0f55-3c2d-4e4b-8c1e-000000000000", ""), "EntityNotFound", 404},
		{"another account's trust store", withMtls(localOrigin("r2", 80, behavior()), cftypes.ViewerMtlsModeRequired, tsB, ""), "EntityNotFound", 404},
		{"another account's connection function", withMtls(localOrigin("r3", 80, behavior()), cftypes.ViewerMtlsModeRequired, tsA, fnB), "EntityNotFound", 404},
		{"unknown connection function", withMtls(localOrigin("r4", 80, behavior()), cftypes.ViewerMtlsModeRequired, tsA, "CNOSUCHFUNCTION"), "EntityNotFound", 404},
		{"unpublished connection function", withMtls(localOrigin("r5", 80, behavior()), cftypes.ViewerMtlsModeRequired, tsA, draft), "InvalidArgument", 400},
		{"passthrough", withMtls(localOrigin("r6", 80, behavior()), cftypes.ViewerMtlsModePassthrough, tsA, ""), "InvalidArgument", 400},
		{"no mode", withMtls(localOrigin("r7", 80, behavior()), "", tsA, ""), "InvalidArgument", 400},
		{"no trust store", func() *cftypes.DistributionConfig {
			cfg := localOrigin("r8", 80, behavior())
			cfg.ViewerMtlsConfig = &cftypes.ViewerMtlsConfig{Mode: cftypes.ViewerMtlsModeRequired}
			return cfg
		}(), "InvalidArgument", 400},
	}
	for _, tt := range refused {
		_, err := cfA.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: tt.cfg})
		t.Run(tt.name, func(t *testing.T) { wantAPIError(t, err, tt.code, tt.status) })
	}

	d, err := cfA.CreateDistribution(c, &cloudfront.CreateDistributionInput{DistributionConfig: withMtls(localOrigin("mtls", 80, behavior()), cftypes.ViewerMtlsModeRequired, tsA, fnA)})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	got := d.Distribution.DistributionConfig
	m := got.ViewerMtlsConfig
	if m == nil || m.Mode != cftypes.ViewerMtlsModeRequired || aws.ToString(m.TrustStoreConfig.TrustStoreId) != tsA ||
		m.TrustStoreConfig.AdvertiseTrustStoreCaNames == nil || aws.ToBool(m.TrustStoreConfig.AdvertiseTrustStoreCaNames) ||
		m.TrustStoreConfig.IgnoreCertificateExpiry == nil || aws.ToBool(m.TrustStoreConfig.IgnoreCertificateExpiry) ||
		got.ConnectionFunctionAssociation == nil || aws.ToString(got.ConnectionFunctionAssociation.Id) != fnA {
		t.Fatalf("CreateDistribution config: %+v %+v", m, got.ConnectionFunctionAssociation)
	}
	distID := aws.ToString(d.Distribution.Id)

	byTS, err := cfA.ListDistributionsByTrustStore(c, &cloudfront.ListDistributionsByTrustStoreInput{TrustStoreIdentifier: aws.String(tsA)})
	if err != nil || aws.ToInt32(byTS.DistributionList.Quantity) != 1 || aws.ToString(byTS.DistributionList.Items[0].Id) != distID ||
		byTS.DistributionList.Items[0].ViewerMtlsConfig == nil {
		t.Fatalf("ListDistributionsByTrustStore: %v %+v", err, byTS)
	}
	byFn, err := cfA.ListDistributionsByConnectionFunction(c, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: aws.String(fnA)})
	if err != nil || aws.ToInt32(byFn.DistributionList.Quantity) != 1 || aws.ToString(byFn.DistributionList.Items[0].ConnectionFunctionAssociation.Id) != fnA {
		t.Fatalf("ListDistributionsByConnectionFunction: %v %+v", err, byFn)
	}
	// By name too; the other account sees none of it.
	if byName, err := cfA.ListDistributionsByConnectionFunction(c, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: aws.String("a-check")}); err != nil || aws.ToInt32(byName.DistributionList.Quantity) != 1 {
		t.Fatalf("ListDistributionsByConnectionFunction by name: %v", err)
	}
	_, err = cfB.ListDistributionsByTrustStore(c, &cloudfront.ListDistributionsByTrustStoreInput{TrustStoreIdentifier: aws.String(tsA)})
	wantAPIError(t, err, "EntityNotFound", 404)
	_, err = cfB.ListDistributionsByConnectionFunction(c, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: aws.String(fnA)})
	wantAPIError(t, err, "EntityNotFound", 404)
	none, err := cfA.ListDistributionsByConnectionFunction(c, &cloudfront.ListDistributionsByConnectionFunctionInput{ConnectionFunctionIdentifier: aws.String(draft)})
	if err != nil || aws.ToInt32(none.DistributionList.Quantity) != 0 {
		t.Fatalf("ListDistributionsByConnectionFunction(unused): %v %+v", err, none)
	}

	// In use: neither can be deleted, and the LIVE function is DEPLOYED.
	ts, err := cfA.GetTrustStore(c, &cloudfront.GetTrustStoreInput{Identifier: aws.String(tsA)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfA.DeleteTrustStore(c, &cloudfront.DeleteTrustStoreInput{Id: aws.String(tsA), IfMatch: ts.ETag})
	wantAPIError(t, err, "CannotDeleteEntityWhileInUse", 409)
	live, err := cfA.DescribeConnectionFunction(c, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(fnA), Stage: cftypes.FunctionStageLive})
	if err != nil || aws.ToString(live.ConnectionFunctionSummary.Status) != "DEPLOYED" {
		t.Fatalf("DescribeConnectionFunction LIVE: %v %+v", err, live)
	}
	dev, err := cfA.DescribeConnectionFunction(c, &cloudfront.DescribeConnectionFunctionInput{Identifier: aws.String(fnA)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cfA.DeleteConnectionFunction(c, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(fnA), IfMatch: dev.ETag})
	wantAPIError(t, err, "CannotDeleteEntityWhileInUse", 409)

	// Dropping mTLS from the distribution releases both.
	cur, err := cfA.GetDistributionConfig(c, &cloudfront.GetDistributionConfigInput{Id: aws.String(distID)})
	if err != nil {
		t.Fatal(err)
	}
	cur.DistributionConfig.ViewerMtlsConfig, cur.DistributionConfig.ConnectionFunctionAssociation = nil, nil
	if _, err := cfA.UpdateDistribution(c, &cloudfront.UpdateDistributionInput{Id: aws.String(distID), IfMatch: cur.ETag, DistributionConfig: cur.DistributionConfig}); err != nil {
		t.Fatalf("UpdateDistribution: %v", err)
	}
	if _, err := cfA.DeleteTrustStore(c, &cloudfront.DeleteTrustStoreInput{Id: aws.String(tsA), IfMatch: ts.ETag}); err != nil {
		t.Fatalf("DeleteTrustStore after release: %v", err)
	}
	if _, err := cfA.DeleteConnectionFunction(c, &cloudfront.DeleteConnectionFunctionInput{Id: aws.String(fnA), IfMatch: dev.ETag}); err != nil {
		t.Fatalf("DeleteConnectionFunction after release: %v", err)
	}
}
