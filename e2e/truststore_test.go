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
		CaCertificatesBundleSource: s.putBundle(t, "ca-bundles", "prod/ca-2.pem", append(ca.PEM(), other.PEM()...)),
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
