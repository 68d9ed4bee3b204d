package cloudfront

import (
	"encoding/base64"
	"encoding/xml"

	"github.com/edgefn/edgefn"
	"github.com/edgefn/edgefn/event"
)

// functionConfigXML is FunctionConfig, in requests and responses. Pointers tell
// a missing member from an empty one: Comment is required but may be empty.
type functionConfigXML struct {
	Comment                   *string          `xml:"Comment"`
	Runtime                   string           `xml:"Runtime"`
	KeyValueStoreAssociations *associationsXML `xml:"KeyValueStoreAssociations"`
}

type associationsXML struct {
	Quantity *int             `xml:"Quantity"`
	Items    []associationXML `xml:"Items>KeyValueStoreAssociation"`
}

type associationXML struct {
	KeyValueStoreARN string `xml:"KeyValueStoreARN"`
}

// config checks the wire-level rules of FunctionConfig (required members, the
// runtime enum, a consistent Quantity). The store checks the rest (comment
// length, the store ARNs and how many).
func (c *functionConfigXML) config() (edgefn.FunctionConfig, error) {
	res := edgefn.ResourceFunction
	if c.Comment == nil {
		return edgefn.FunctionConfig{}, invalid(res, "FunctionConfig.Comment is required (it may be empty).")
	}
	rt := edgefn.Runtime(c.Runtime)
	switch {
	case c.Runtime == "":
		return edgefn.FunctionConfig{}, invalid(res, "FunctionConfig.Runtime is required.")
	case !rt.Valid():
		return edgefn.FunctionConfig{}, invalid(res, "FunctionConfig.Runtime %q is not valid: use %s or %s.", c.Runtime, edgefn.RuntimeJS1, edgefn.RuntimeJS2)
	}
	cfg := edgefn.FunctionConfig{Comment: *c.Comment, Runtime: rt}
	if a := c.KeyValueStoreAssociations; a != nil {
		switch {
		case a.Quantity == nil:
			return edgefn.FunctionConfig{}, invalid(res, "FunctionConfig.KeyValueStoreAssociations.Quantity is required.")
		case *a.Quantity != len(a.Items):
			return edgefn.FunctionConfig{}, invalid(res, "FunctionConfig.KeyValueStoreAssociations.Quantity is %d but there are %d Items.", *a.Quantity, len(a.Items))
		case len(a.Items) > 0 && rt != edgefn.RuntimeJS2:
			// Only the 2.0 runtime has the cloudfront module that reads a store.
			return edgefn.FunctionConfig{}, invalid(res, "KeyValueStore associations need the %s runtime.", edgefn.RuntimeJS2)
		}
		for _, it := range a.Items {
			cfg.KeyValueStoreARNs = append(cfg.KeyValueStoreARNs, it.KeyValueStoreARN)
		}
	}
	return cfg, nil
}

// functionDoc is what CreateFunctionRequest and UpdateFunctionRequest share.
type functionDoc struct {
	FunctionConfig *functionConfigXML `xml:"FunctionConfig"`
	FunctionCode   *string            `xml:"FunctionCode"`

	config edgefn.FunctionConfig
	code   []byte
}

func (d *functionDoc) validate(edgefn.Limits) error {
	var err error
	d.config, d.code, err = configAndCode(edgefn.ResourceFunction, "Function", d.FunctionConfig, d.FunctionCode)
	return err
}

// configAndCode checks the <prefix>Config and <prefix>Code members of a
// Create or Update request (of a function or a connection function).
func configAndCode(res edgefn.Resource, prefix string, c *functionConfigXML, code64 *string) (edgefn.FunctionConfig, []byte, error) {
	if c == nil {
		return edgefn.FunctionConfig{}, nil, invalid(res, "%sConfig is required.", prefix)
	}
	cfg, err := c.config()
	if err != nil {
		return edgefn.FunctionConfig{}, nil, err
	}
	if code64 == nil {
		return edgefn.FunctionConfig{}, nil, invalid(res, "%sCode is required.", prefix)
	}
	code, err := base64.StdEncoding.DecodeString(*code64)
	if err != nil {
		return edgefn.FunctionConfig{}, nil, invalid(res, "%sCode is not valid base64: %v.", prefix, err)
	}
	return cfg, code, nil
}

type createFunctionRequest struct {
	XMLName xml.Name `xml:"CreateFunctionRequest"`
	Name    *string  `xml:"Name"`
	functionDoc
	Tags tagsXML `xml:"Tags"`
}

func (c *createFunctionRequest) validate(l edgefn.Limits) error {
	if c.Name == nil {
		return invalid(edgefn.ResourceFunction, "Name is required.")
	}
	if err := checkName(edgefn.ResourceFunction, *c.Name); err != nil {
		return err
	}
	return c.functionDoc.validate(l)
}

type updateFunctionRequest struct {
	XMLName xml.Name `xml:"UpdateFunctionRequest"`
	functionDoc
}

type testFunctionRequest struct {
	XMLName     xml.Name `xml:"TestFunctionRequest"`
	Stage       string   `xml:"Stage"`
	EventObject *string  `xml:"EventObject"`

	stage edgefn.Stage
	event *event.Event
}

func (t *testFunctionRequest) validate(l edgefn.Limits) error {
	res := edgefn.ResourceFunction
	stage, err := parseStage(t.Stage, edgefn.StageDevelopment)
	if err != nil {
		return err
	}
	if t.EventObject == nil {
		return invalid(res, "EventObject is required.")
	}
	data, err := base64.StdEncoding.DecodeString(*t.EventObject)
	if err != nil {
		return invalid(res, "EventObject is not valid base64: %v.", err)
	}
	if len(data) > l.TestEventBytes {
		return invalid(res, "The EventObject is %d bytes; the maximum is %d bytes.", len(data), l.TestEventBytes)
	}
	ev, err := event.ParseJSON(data)
	if err != nil {
		return invalid(res, "%v", err)
	}
	t.stage, t.event = stage, ev
	return nil
}

// functionSummaryXML is FunctionSummary: a response root, a FunctionList entry
// and part of TestResult.
type functionSummaryXML struct {
	XMLName          xml.Name            `xml:"FunctionSummary"`
	Name             string              `xml:"Name"`
	Status           string              `xml:"Status"`
	FunctionConfig   functionConfigXML   `xml:"FunctionConfig"`
	FunctionMetadata functionMetadataXML `xml:"FunctionMetadata"`
}

type functionMetadataXML struct {
	FunctionARN      string `xml:"FunctionARN"`
	Stage            string `xml:"Stage"`
	CreatedTime      string `xml:"CreatedTime"`
	LastModifiedTime string `xml:"LastModifiedTime"`
}

func summary(fn *edgefn.Function) functionSummaryXML {
	s := functionSummaryXML{
		Name:           fn.Name,
		Status:         string(fn.Status),
		FunctionConfig: configXML(fn.Config),
		FunctionMetadata: functionMetadataXML{
			FunctionARN:      edgefn.FunctionARN(fn.Account, fn.Name),
			Stage:            string(fn.Stage),
			CreatedTime:      formatTime(fn.Created),
			LastModifiedTime: formatTime(fn.LastModified),
		},
	}
	return s
}

// configXML is a FunctionConfig as responses carry it.
func configXML(cfg edgefn.FunctionConfig) functionConfigXML {
	c := functionConfigXML{Comment: &cfg.Comment, Runtime: string(cfg.Runtime)}
	// The associations are optional in the model: left out when there are none.
	if arns := cfg.KeyValueStoreARNs; len(arns) > 0 {
		a := &associationsXML{Quantity: new(len(arns))}
		for _, arn := range arns {
			a.Items = append(a.Items, associationXML{KeyValueStoreARN: arn})
		}
		c.KeyValueStoreAssociations = a
	}
	return c
}

// testResultXML is TestResult. The logs are always sent, empty or not, and so
// are FunctionErrorMessage ("" on success) and FunctionOutput ("" on failure).
type testResultXML struct {
	FunctionSummary       functionSummaryXML `xml:"FunctionSummary"`
	ComputeUtilization    string             `xml:"ComputeUtilization"`
	FunctionExecutionLogs logsXML            `xml:"FunctionExecutionLogs"`
	FunctionErrorMessage  string             `xml:"FunctionErrorMessage"`
	FunctionOutput        string             `xml:"FunctionOutput"`
}

// logsXML is a list of strings without a member name: each one is <member>.
type logsXML struct {
	Lines []string `xml:"member"`
}
