package cloudfront

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
	"github.com/edgefn/edgefn/runtime"
)

// Connection functions (mTLS): the function lifecycle under
// /connection-function, addressed by Id (Describe and Get also by name).

const resConn = edgefn.ResourceConnectionFunction

func (h *Handler) createConnectionFunction(w http.ResponseWriter, r *http.Request, account string) error {
	req, err := decode[createConnectionFunctionRequest](r, h.limits)
	if err != nil {
		return err
	}
	if err := h.checkConnectionCode(req.code); err != nil {
		return err
	}
	fn, err := h.store.CreateConnectionFunction(r.Context(), account, *req.Name, req.config, req.code)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", fn.ETag)
	w.Header().Set("Location", locationBase+"connection-function/"+fn.ID)
	return writeXML(w, http.StatusCreated, "ConnectionFunctionSummary", connSummary(fn))
}

// checkConnectionCode refuses at Create and Update the code the runtime will
// not load, with its message: CloudFront validates connection function code
// when it is saved.
func (h *Handler) checkConnectionCode(code []byte) error {
	_, err := h.engine.CompileConnection(code)
	var ce *runtime.CompileError
	if errors.As(err, &ce) {
		return invalid(resConn, "The connection function code is not valid: %s", ce.Message)
	}
	return err
}

func (h *Handler) connectionFunction(r *http.Request, account string) (*edgefn.Function, error) {
	stage, err := stageParam(r, edgefn.StageDevelopment)
	if err != nil {
		return nil, err
	}
	return h.store.GetConnectionFunction(r.Context(), account, r.PathValue("Identifier"), stage)
}

func (h *Handler) describeConnectionFunction(w http.ResponseWriter, r *http.Request, account string) error {
	fn, err := h.connectionFunction(r, account)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", fn.ETag)
	return writeXML(w, http.StatusOK, "ConnectionFunctionSummary", connSummary(fn))
}

// getConnectionFunction answers with the code: the output's payload is the blob.
func (h *Handler) getConnectionFunction(w http.ResponseWriter, r *http.Request, account string) error {
	fn, err := h.connectionFunction(r, account)
	if err != nil {
		return err
	}
	writeCode(w, fn)
	return nil
}

// listConnectionFunctions takes its Marker, MaxItems and Stage in the body.
func (h *Handler) listConnectionFunctions(w http.ResponseWriter, r *http.Request, account string) error {
	req := &listConnectionFunctionsRequest{}
	if r.ContentLength != 0 {
		var err error
		if req, err = decode[listConnectionFunctionsRequest](r, h.limits); err != nil {
			return err
		}
	}
	max := maxPageItems
	if req.MaxItems != nil {
		if *req.MaxItems <= 0 {
			return invalid(resConn, "MaxItems %d is not valid: it must be a positive integer.", *req.MaxItems)
		}
		max = min(*req.MaxItems, maxPageItems)
	}
	stage, err := parseStage(req.Stage, "")
	if err != nil {
		return err
	}
	fns, next, err := h.store.ListConnectionFunctions(r.Context(), account, stage, req.Marker, max)
	if err != nil {
		return err
	}
	out := connListXML{NextMarker: next}
	for _, fn := range fns {
		out.Items = append(out.Items, connSummary(fn))
	}
	return writeXML(w, http.StatusOK, "ListConnectionFunctionsResult", out)
}

func (h *Handler) updateConnectionFunction(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, resConn)
	if err != nil {
		return err
	}
	req, err := decode[updateConnectionFunctionRequest](r, h.limits)
	if err != nil {
		return err
	}
	if err := h.checkConnectionCode(req.code); err != nil {
		return err
	}
	fn, err := h.store.UpdateConnectionFunction(r.Context(), account, r.PathValue("Id"), etag, req.config, req.code)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", fn.ETag)
	return writeXML(w, http.StatusOK, "ConnectionFunctionSummary", connSummary(fn))
}

func (h *Handler) publishConnectionFunction(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, resConn)
	if err != nil {
		return err
	}
	live, err := h.store.PublishConnectionFunction(r.Context(), account, r.PathValue("Id"), etag)
	if err != nil {
		return err
	}
	return writeXML(w, http.StatusOK, "ConnectionFunctionSummary", connSummary(live))
}

// testConnectionFunction runs one copy on the ConnectionObject and reports the
// decision as ConnectionFunctionOutput, {"decision":"allow"|"deny"}, with the
// custom log data when the code recorded some.
func (h *Handler) testConnectionFunction(w http.ResponseWriter, r *http.Request, account string) error {
	etag, err := ifMatch(r, resConn)
	if err != nil {
		return err
	}
	req, err := decode[testConnectionFunctionRequest](r, h.limits)
	if err != nil {
		return err
	}
	id := r.PathValue("Id")
	fn, err := testedCopy(r.Context(), resConn, req.stage, etag, func(ctx context.Context, st edgefn.Stage) (*edgefn.Function, error) {
		return h.store.GetConnectionFunction(ctx, account, id, st)
	})
	if err != nil {
		return err
	}
	result := connTestResultXML{ConnectionFunctionSummary: connSummary(fn), ComputeUtilization: "0"}
	prog, err := h.compile(fn)
	var ce *runtime.CompileError
	switch {
	case errors.As(err, &ce):
		result.ConnectionFunctionErrorMessage = ce.Message
	case err != nil:
		return testFailed(err)
	default:
		res := prog.RunConnection(r.Context(), req.conn, h.associatedStore(account, fn))
		result.ComputeUtilization = strconv.Itoa(res.ComputeUtilization)
		result.ConnectionFunctionExecutionLogs.Lines = res.Logs
		if res.Err != nil {
			result.ConnectionFunctionErrorMessage = res.Err.Error()
		}
		out, err := res.ConnectionOutput()
		if err != nil {
			return testFailed(err)
		}
		result.ConnectionFunctionOutput = string(out)
	}
	return writeXML(w, http.StatusOK, "ConnectionFunctionTestResult", result)
}

type createConnectionFunctionRequest struct {
	XMLName xml.Name `xml:"CreateConnectionFunctionRequest"`
	Name    *string  `xml:"Name"`
	connDoc
	// Tags are accepted and ignored: edgefn does not keep tags.
}

func (c *createConnectionFunctionRequest) validate(l edgefn.Limits) error {
	if c.Name == nil {
		return invalid(resConn, "Name is required.")
	}
	if err := checkName(resConn, *c.Name); err != nil {
		return err
	}
	return c.connDoc.validate(l)
}

type updateConnectionFunctionRequest struct {
	XMLName xml.Name `xml:"UpdateConnectionFunctionRequest"`
	connDoc
}

// connDoc is what Create and Update share.
type connDoc struct {
	Config *functionConfigXML `xml:"ConnectionFunctionConfig"`
	Code   *string            `xml:"ConnectionFunctionCode"`

	config edgefn.FunctionConfig
	code   []byte
}

func (d *connDoc) validate(edgefn.Limits) error {
	var err error
	d.config, d.code, err = configAndCode(resConn, "ConnectionFunction", d.Config, d.Code)
	return err
}

type listConnectionFunctionsRequest struct {
	XMLName  xml.Name `xml:"ListConnectionFunctionsRequest"`
	Marker   string   `xml:"Marker"`
	MaxItems *int     `xml:"MaxItems"`
	Stage    string   `xml:"Stage"`
}

func (*listConnectionFunctionsRequest) validate(edgefn.Limits) error { return nil }

type testConnectionFunctionRequest struct {
	XMLName          xml.Name `xml:"TestConnectionFunctionRequest"`
	Stage            string   `xml:"Stage"`
	ConnectionObject *string  `xml:"ConnectionObject"`

	stage edgefn.Stage
	conn  *event.Connection
}

func (t *testConnectionFunctionRequest) validate(l edgefn.Limits) error {
	stage, err := parseStage(t.Stage, edgefn.StageDevelopment)
	if err != nil {
		return err
	}
	if t.ConnectionObject == nil {
		return invalid(resConn, "ConnectionObject is required.")
	}
	data, err := base64.StdEncoding.DecodeString(*t.ConnectionObject)
	if err != nil {
		return invalid(resConn, "ConnectionObject is not valid base64: %v.", err)
	}
	if len(data) > l.TestEventBytes {
		return invalid(resConn, "The ConnectionObject is %d bytes; the maximum is %d bytes.", len(data), l.TestEventBytes)
	}
	conn, err := event.ParseConnectionJSON(data)
	if err != nil {
		return invalid(resConn, "%v", err)
	}
	t.stage, t.conn = stage, conn
	return nil
}

// connSummaryXML is ConnectionFunctionSummary.
type connSummaryXML struct {
	XMLName                  xml.Name          `xml:"ConnectionFunctionSummary"`
	Name                     string            `xml:"Name"`
	ID                       string            `xml:"Id"`
	ConnectionFunctionConfig functionConfigXML `xml:"ConnectionFunctionConfig"`
	ConnectionFunctionArn    string            `xml:"ConnectionFunctionArn"`
	Status                   string            `xml:"Status"`
	Stage                    string            `xml:"Stage"`
	CreatedTime              string            `xml:"CreatedTime"`
	LastModifiedTime         string            `xml:"LastModifiedTime"`
}

func connSummary(fn *edgefn.Function) connSummaryXML {
	return connSummaryXML{
		Name:                     fn.Name,
		ID:                       fn.ID,
		ConnectionFunctionConfig: configXML(fn.Config),
		ConnectionFunctionArn:    edgefn.ConnectionFunctionARN(fn.Account, fn.ID),
		Status:                   string(fn.Status),
		Stage:                    string(fn.Stage),
		CreatedTime:              formatTime(fn.Created),
		LastModifiedTime:         formatTime(fn.LastModified),
	}
}

// connListXML is ListConnectionFunctionsResult: no Quantity, no Items wrapper.
type connListXML struct {
	NextMarker string           `xml:"NextMarker,omitempty"`
	Items      []connSummaryXML `xml:"ConnectionFunctions>ConnectionFunctionSummary"`
}

// connTestResultXML is ConnectionFunctionTestResult.
type connTestResultXML struct {
	ConnectionFunctionSummary       connSummaryXML `xml:"ConnectionFunctionSummary"`
	ComputeUtilization              string         `xml:"ComputeUtilization"`
	ConnectionFunctionExecutionLogs logsXML        `xml:"ConnectionFunctionExecutionLogs"`
	ConnectionFunctionErrorMessage  string         `xml:"ConnectionFunctionErrorMessage"`
	ConnectionFunctionOutput        string         `xml:"ConnectionFunctionOutput"`
}
