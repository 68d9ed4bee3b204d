package cloudfront

import (
	"net/http"
	"strings"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/api/sigv4"
)

// apiPath starts every path of the 2020-05-31 API.
const apiPath = "/2020-05-31/"

// routes registers every operation. New resources (distributions) add their
// lines here and their handlers in a file of their own.
func (h *Handler) routes() {
	h.handle("POST /2020-05-31/function", h.createFunction)
	h.handle("GET /2020-05-31/function", h.listFunctions)
	h.handle("GET /2020-05-31/function/{Name}", h.getFunction)
	h.handle("PUT /2020-05-31/function/{Name}", h.updateFunction)
	h.handle("DELETE /2020-05-31/function/{Name}", h.deleteFunction)
	h.handle("GET /2020-05-31/function/{Name}/describe", h.describeFunction)
	h.handle("POST /2020-05-31/function/{Name}/publish", h.publishFunction)
	h.handle("POST /2020-05-31/function/{Name}/test", h.testFunction)
	h.handle("POST /2020-05-31/connection-function", h.createConnectionFunction)
	h.handle("POST /2020-05-31/connection-functions", h.listConnectionFunctions)
	h.handle("GET /2020-05-31/connection-function/{Identifier}", h.getConnectionFunction)
	h.handle("GET /2020-05-31/connection-function/{Identifier}/describe", h.describeConnectionFunction)
	h.handle("PUT /2020-05-31/connection-function/{Id}", h.updateConnectionFunction)
	h.handle("DELETE /2020-05-31/connection-function/{Id}", deleteByID(resConn, h.store.DeleteConnectionFunction))
	h.handle("POST /2020-05-31/connection-function/{Id}/publish", h.publishConnectionFunction)
	h.handle("POST /2020-05-31/connection-function/{Id}/test", h.testConnectionFunction)

	h.handle("POST /2020-05-31/trust-store", h.createTrustStore)
	h.handle("POST /2020-05-31/trust-stores", h.listTrustStores)
	h.handle("GET /2020-05-31/trust-store/{Identifier}", h.getTrustStore)
	h.handle("PUT /2020-05-31/trust-store/{Id}", h.updateTrustStore)
	h.handle("DELETE /2020-05-31/trust-store/{Id}", deleteByID(resTrust, h.store.DeleteTrustStore))

	h.handle("GET /2020-05-31/distributionsByTrustStore", h.distributionsBy("TrustStoreIdentifier", resTrust, h.listDistributionsByTrustStore))
	h.handle("GET /2020-05-31/distributionsByConnectionFunction", h.distributionsBy("ConnectionFunctionIdentifier", resConn, h.store.ListDistributionsByConnectionFunction))

	h.handle("POST /2020-05-31/key-value-store", h.createKeyValueStore)
	h.handle("GET /2020-05-31/key-value-store", h.listKeyValueStores)
	h.handle("GET /2020-05-31/key-value-store/{Name}", h.describeKeyValueStore)
	h.handle("PUT /2020-05-31/key-value-store/{Name}", h.updateKeyValueStore)
	h.handle("DELETE /2020-05-31/key-value-store/{Name}", h.deleteKeyValueStore)

	h.handle("POST /2020-05-31/distribution", h.createDistribution)
	h.handle("GET /2020-05-31/distribution", h.listDistributions)
	h.handle("GET /2020-05-31/distribution/{Id}", h.getDistribution)
	h.handle("GET /2020-05-31/distribution/{Id}/config", h.getDistributionConfig)
	h.handle("PUT /2020-05-31/distribution/{Id}/config", h.updateDistribution)
	h.handle("DELETE /2020-05-31/distribution/{Id}", deleteByID(edgefn.ResourceDistribution, h.store.DeleteDistribution))
	h.handle("GET /2020-05-31/tagging", h.listTagsForResource)
	h.handle("POST /2020-05-31/tagging", h.tagResource)

	routePolicies(h, h.cachePolicyAPI())
	routePolicies(h, h.originRequestPolicyAPI())
	routePolicies(h, h.responseHeadersPolicyAPI())
	h.handle("POST /2020-05-31/distribution/{DistributionId}/invalidation", h.createInvalidation)
	h.handle("GET /2020-05-31/distribution/{DistributionId}/invalidation", h.listInvalidations)
	h.handle("GET /2020-05-31/distribution/{DistributionId}/invalidation/{Id}", h.getInvalidation)

	// Anything else is an operation edgefn does not serve; answer in AWS's form
	// rather than with the mux's plain-text 404 or 405.
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, edgefn.Errorf(edgefn.ErrUnsupported, edgefn.ResourceRequest,
			"The operation %s %s is not supported.", r.Method, r.URL.Path))
	})
}

// operation handles one API operation for the caller's account. A returned
// error becomes the AWS error response; on success the operation has written
// the response itself.
type operation func(w http.ResponseWriter, r *http.Request, account string) error

func (h *Handler) handle(pattern string, op operation) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		id, ok := sigv4.IdentityFrom(r.Context())
		if !ok || id.AccountID == "" {
			// The API root authenticates before routing here; reaching this is a wiring bug.
			h.fail(w, r, edgefn.Errorf(edgefn.ErrAccessDenied, edgefn.ResourceRequest, "The request carries no verified identity."))
			return
		}
		if err := op(w, r, id.AccountID); err != nil {
			h.fail(w, r, err)
		}
	})
}

// stripBasePath drops whatever precedes /2020-05-31/ in the path: SDKs keep the
// path of a custom endpoint URL (http://host/prefix) in front of the API path.
func stripBasePath(r *http.Request) *http.Request {
	i := strings.Index(r.URL.Path, apiPath)
	if i <= 0 {
		return r
	}
	u := *r.URL
	u.Path = u.Path[i:]
	if j := strings.Index(u.RawPath, apiPath); j >= 0 {
		u.RawPath = u.RawPath[j:]
	} else {
		u.RawPath = ""
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.URL = &u
	return r2
}
