package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Signing algorithms, as they appear in Identity.Algorithm.
const (
	AlgorithmSigV4  = "AWS4-HMAC-SHA256"
	AlgorithmSigV4A = "AWS4-ECDSA-P256-SHA256"
)

// Signing names of the two services, as they appear in Identity.Service.
const (
	ServiceCloudFront    = "cloudfront"
	ServiceKeyValueStore = "cloudfront-keyvaluestore"
)

const (
	scopeTerminator = "aws4_request"
	amzDateLayout   = "20060102T150405Z"
	// maxPresignExpiry is the longest X-Amz-Expires AWS accepts (seven days).
	maxPresignExpiry = 7 * 24 * time.Hour
)

// authInfo is what a request claims about its signature, taken from the
// Authorization header or from a presigned query string.
type authInfo struct {
	algorithm   string
	accessKeyID string
	scope       string // the Credential after "<access key id>/"
	date        string // YYYYMMDD of the scope
	region      string // SigV4 only
	service     string
	// signedHeaders is the list as sent; headerNames is it split on ';'.
	signedHeaders string
	headerNames   []string
	signature     string
	// amzDate is the request time exactly as it enters the string to sign.
	amzDate   string
	time      time.Time
	regionSet string // SigV4A only
	presigned bool
	expires   time.Duration // presigned with X-Amz-Expires only
}

// parseAuth reads the signature parameters from the Authorization header or,
// failing that, from a presigned query string, and checks that they are
// complete and coherent. It does not check the signature itself.
func parseAuth(r *http.Request, rawQuery string) (*authInfo, *Error) {
	header := r.Header.Get("Authorization")
	query := presignQuery(rawQuery)
	var (
		a   *authInfo
		err *Error
	)
	switch {
	case header != "" && query != nil:
		return nil, errIncomplete("Use either the Authorization header or X-Amz-* query parameters to authenticate, not both.")
	case header != "":
		a, err = parseHeaderAuth(r, header)
	case query != nil:
		a, err = parseQueryAuth(query)
	default:
		return nil, errMissingAuth()
	}
	if err != nil {
		return nil, err
	}
	return a, a.checkScope()
}

// presignQuery returns the parsed query when it carries presigned-URL
// parameters, and nil otherwise (the common case, which stays parse-free).
func presignQuery(rawQuery string) url.Values {
	if !strings.Contains(rawQuery, "X-Amz-") {
		return nil
	}
	// A malformed pair elsewhere in the query does not stop the others from parsing.
	q, _ := url.ParseQuery(rawQuery)
	if !q.Has("X-Amz-Algorithm") && !q.Has("X-Amz-Signature") {
		return nil
	}
	return q
}

func parseHeaderAuth(r *http.Request, header string) (*authInfo, *Error) {
	alg, params, _ := strings.Cut(strings.TrimSpace(header), " ")
	a := &authInfo{algorithm: alg}
	if err := a.checkAlgorithm(); err != nil {
		return nil, err
	}
	names := [...]string{"Credential", "SignedHeaders", "Signature"}
	var values [len(names)]*string
	for part := range strings.SplitSeq(params, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		i := slices.Index(names[:], name)
		if i < 0 {
			continue
		}
		if values[i] != nil {
			return nil, errIncomplete("Authorization header has more than one '%s' parameter.", name)
		}
		values[i] = &value
	}
	var missing []string
	for i, name := range names {
		if values[i] == nil || *values[i] == "" {
			missing = append(missing, "Authorization header requires '"+name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return nil, errIncomplete("%s", strings.Join(missing, " "))
	}
	a.signedHeaders, a.signature = *values[1], *values[2]
	if err := a.parseCredential(*values[0]); err != nil {
		return nil, err
	}
	a.headerNames = strings.Split(a.signedHeaders, ";")

	dateHeader := "x-amz-date"
	if a.amzDate = r.Header.Get("X-Amz-Date"); a.amzDate != "" {
		if err := a.parseAmzDate(); err != nil {
			return nil, err
		}
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, errIncomplete("Date header %q is not an HTTP date.", d)
		}
		dateHeader = "date"
		a.time = t.UTC()
		a.amzDate = a.time.Format(amzDateLayout)
	} else {
		return nil, errIncomplete("The request needs an X-Amz-Date or a Date header.")
	}

	required := []string{"host", dateHeader}
	if a.algorithm == AlgorithmSigV4A {
		a.regionSet = strings.Join(r.Header.Values("X-Amz-Region-Set"), ",")
		required = append(required, "x-amz-region-set")
	}
	for _, h := range required {
		if !slices.Contains(a.headerNames, h) {
			return nil, errIncomplete("'%s' must be a signed header (SignedHeaders=%s).", h, a.signedHeaders)
		}
	}
	return a, nil
}

func parseQueryAuth(q url.Values) (*authInfo, *Error) {
	a := &authInfo{
		algorithm:     q.Get("X-Amz-Algorithm"),
		signedHeaders: q.Get("X-Amz-SignedHeaders"),
		signature:     q.Get("X-Amz-Signature"),
		amzDate:       q.Get("X-Amz-Date"),
		regionSet:     q.Get("X-Amz-Region-Set"),
		presigned:     true,
	}
	var missing []string
	for _, name := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if q.Get(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, errIncomplete("A presigned request requires the query parameters %s.", strings.Join(missing, ", "))
	}
	if err := a.checkAlgorithm(); err != nil {
		return nil, err
	}
	if err := a.parseCredential(q.Get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := a.parseAmzDate(); err != nil {
		return nil, err
	}
	if e := q.Get("X-Amz-Expires"); e != "" {
		maxSecs := int64(maxPresignExpiry / time.Second)
		secs, err := strconv.ParseInt(e, 10, 64)
		if err != nil || secs <= 0 || secs > maxSecs {
			return nil, errIncomplete("X-Amz-Expires must be a number of seconds from 1 to %d, not %q.", maxSecs, e)
		}
		a.expires = time.Duration(secs) * time.Second
	}
	a.headerNames = strings.Split(a.signedHeaders, ";")
	// The date and region set travel in the query, which is signed as a whole.
	if !slices.Contains(a.headerNames, "host") {
		return nil, errIncomplete("'host' must be a signed header (X-Amz-SignedHeaders=%s).", a.signedHeaders)
	}
	return a, nil
}

func (a *authInfo) checkAlgorithm() *Error {
	if a.algorithm != AlgorithmSigV4 && a.algorithm != AlgorithmSigV4A {
		return errIncomplete("Unsupported signing algorithm %q: use %s or %s.", a.algorithm, AlgorithmSigV4, AlgorithmSigV4A)
	}
	return nil
}

// parseCredential splits <key>/<date>/<region>/<service>/aws4_request (SigV4)
// or <key>/<date>/<service>/aws4_request (SigV4A, which has no region).
func (a *authInfo) parseCredential(credential string) *Error {
	form := "<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request"
	want := 5
	if a.algorithm == AlgorithmSigV4A {
		form = "<access key id>/<YYYYMMDD>/<service>/aws4_request"
		want = 4
	}
	parts := strings.Split(credential, "/")
	if len(parts) != want || slices.Contains(parts, "") {
		return errIncomplete("Credential %q is not of the form %s.", credential, form)
	}
	a.accessKeyID = parts[0]
	a.scope = credential[len(parts[0])+1:]
	a.date = parts[1]
	if want == 5 {
		a.region = parts[2]
	}
	a.service = parts[want-2]
	if t := parts[want-1]; t != scopeTerminator {
		return errMismatch("Credential scope must end in '%s', not '%s'.", scopeTerminator, t)
	}
	return nil
}

func (a *authInfo) parseAmzDate() *Error {
	t, err := time.Parse(amzDateLayout, a.amzDate)
	if err != nil {
		return errIncomplete("X-Amz-Date %q is not of the form YYYYMMDD'T'HHMMSS'Z'.", a.amzDate)
	}
	a.time = t
	return nil
}

// checkScope checks what the credential scope says against the request.
func (a *authInfo) checkScope() *Error {
	if a.service != ServiceCloudFront && a.service != ServiceKeyValueStore {
		return errMismatch("Credential scope names service '%s'; this endpoint serves '%s' and '%s'.",
			a.service, ServiceCloudFront, ServiceKeyValueStore)
	}
	if day := a.time.Format("20060102"); a.date != day {
		return errMismatch("Credential scope date %s is not the day of the request time %s.", a.date, a.amzDate)
	}
	if a.algorithm == AlgorithmSigV4A {
		for region := range strings.SplitSeq(a.regionSet, ",") {
			if strings.TrimSpace(region) == "" {
				return errIncomplete("X-Amz-Region-Set %q must list one or more regions, or '*'.", a.regionSet)
			}
		}
	}
	return nil
}
