package cloudfront

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"

	"github.com/edgefn/edgefn"
)

// namePattern is the model's pattern for FunctionName and KeyValueStoreName.
var namePattern = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

func checkName(res edgefn.Resource, name string) error {
	if !namePattern.MatchString(name) {
		return invalid(res, "The name %q is not valid: it must match [a-zA-Z0-9-_]{1,64}.", name)
	}
	return nil
}

// pathName returns the {Name} of the path, validated.
func pathName(r *http.Request, res edgefn.Resource) (string, error) {
	name := r.PathValue("Name")
	return name, checkName(res, name)
}

// pathNameIfMatch is the name and If-Match of a modifying operation.
func pathNameIfMatch(r *http.Request, res edgefn.Resource) (name, etag string, err error) {
	if name, err = pathName(r, res); err != nil {
		return "", "", err
	}
	etag, err = ifMatch(r, res)
	return name, etag, err
}

// ifMatch returns the If-Match header, which the modifying operations require.
func ifMatch(r *http.Request, res edgefn.Resource) (string, error) {
	v := r.Header.Get("If-Match")
	if v == "" {
		return "", edgefn.Errorf(edgefn.ErrInvalidIfMatch, res, "The If-Match version is missing or not valid for the resource.")
	}
	return v, nil
}

// matchETag checks an If-Match value against the versions that satisfy it.
func matchETag(res edgefn.Resource, ifMatch string, current ...string) error {
	if !slices.Contains(current, ifMatch) {
		return edgefn.Errorf(edgefn.ErrPreconditionFailed, res,
			"The request failed because it didn't meet the preconditions in one or more request-header fields.")
	}
	return nil
}

// parseStage checks a FunctionStage value; "" gives def.
func parseStage(s string, def edgefn.Stage) (edgefn.Stage, error) {
	if s == "" {
		return def, nil
	}
	if st := edgefn.Stage(s); st.Valid() {
		return st, nil
	}
	return "", invalid(edgefn.ResourceFunction, "The stage %q is not valid: use DEVELOPMENT or LIVE.", s)
}

// stageParam returns the Stage query parameter; absent gives def.
func stageParam(r *http.Request, def edgefn.Stage) (edgefn.Stage, error) {
	return parseStage(r.URL.Query().Get("Stage"), def)
}

// maxPageItems bounds a list page, whatever MaxItems asks for.
const maxPageItems = 100

// page is the Marker and MaxItems of a list request.
type page struct {
	marker   string
	maxItems int
}

// pageParams reads Marker and MaxItems. MaxItems must be a positive integer;
// absent or above maxPageItems it is maxPageItems.
func pageParams(r *http.Request, res edgefn.Resource) (page, error) {
	q := r.URL.Query()
	p := page{marker: q.Get("Marker"), maxItems: maxPageItems}
	if s := q.Get("MaxItems"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return page{}, invalid(res, "MaxItems %q is not valid: it must be a positive integer.", s)
		}
		p.maxItems = min(n, maxPageItems)
	}
	return p, nil
}

// deleteByID is the handler of a Delete call for a resource its path names
// by {Id} and that If-Match must name the version of: del removes it, and
// the answer is 204 with no body.
func deleteByID(res edgefn.Resource, del func(ctx context.Context, account, id, ifMatch string) error) func(http.ResponseWriter, *http.Request, string) error {
	return func(w http.ResponseWriter, r *http.Request, account string) error {
		etag, err := ifMatch(r, res)
		if err != nil {
			return err
		}
		if err := del(r.Context(), account, r.PathValue("Id"), etag); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
