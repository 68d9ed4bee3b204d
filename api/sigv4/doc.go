// Package sigv4 verifies AWS request signatures on the server side: SigV4
// (AWS4-HMAC-SHA256) as the CloudFront SDKs send it, and SigV4A
// (AWS4-ECDSA-P256-SHA256) as the CloudFront KeyValueStore SDKs send it, in the
// Authorization header or in a presigned query string.
//
// A Keyring maps access key ids to secrets and accounts (LoadKeyring reads one
// from a JSON credentials file). A Verifier checks a request against it and
// returns the caller's Identity, or an *Error carrying the AWS error code and
// HTTP status. Rendering that error (XML for CloudFront, JSON for
// KeyValueStore) is the caller's job.
package sigv4
