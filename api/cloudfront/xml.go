package cloudfront

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/edgefn/edgefn"
)

// namespace is declared on the root of every request and response document.
const namespace = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

// maxRequestBytes caps request documents. The largest legitimate one is a
// CreateFunctionRequest with 40 KB of code in base64, far below.
const maxRequestBytes = 1 << 20

// timeFormat is ISO-8601 UTC with milliseconds, as CloudFront sends it.
const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// request is a request document that checks itself after decoding and keeps the
// domain values it derived (in unexported fields, which encoding/xml ignores).
type request interface {
	validate(limits edgefn.Limits) error
}

// decode reads the request body as a T document and validates it. Children may
// come in any order (the Go SDK sorts them, JS and botocore use model order);
// the root element's name is checked, its namespace is not, and a missing
// Content-Type is fine (botocore sends none).
func decode[T any, P interface {
	*T
	request
}](r *http.Request, limits edgefn.Limits) (P, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxRequestBytes {
		return nil, edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRequest, "The request body is larger than %d bytes.", maxRequestBytes)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, malformed("The request body is empty.")
	}
	doc := P(new(T))
	if err := xml.Unmarshal(body, doc); err != nil {
		return nil, malformed("The request body is not well-formed XML of the expected document: %v.", err)
	}
	if err := doc.validate(limits); err != nil {
		return nil, err
	}
	return doc, nil
}

// writeXML sends v as the document root (in the CloudFront namespace). It
// encodes before writing anything, so a failure can still become an error response.
func writeXML(w http.ResponseWriter, status int, root string, v any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).EncodeElement(v, xml.StartElement{Name: xml.Name{Space: namespace, Local: root}}); err != nil {
		return fmt.Errorf("encode %s: %w", root, err)
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // an error here is a client gone away: nothing left to tell it
	return nil
}

// listXML is CloudFront's paged list: FunctionList, KeyValueStoreList.
type listXML[T any] struct {
	NextMarker string       `xml:"NextMarker,omitempty"`
	MaxItems   int          `xml:"MaxItems"`
	Quantity   int          `xml:"Quantity"`
	Items      *itemsXML[T] `xml:"Items"`
}

// itemsXML holds the entries of a wrapped list; each is named by the XMLName of T.
type itemsXML[T any] struct {
	Entries []T
}

func newList[T any](entries []T, maxItems int, next string) listXML[T] {
	l := listXML[T]{NextMarker: next, MaxItems: maxItems, Quantity: len(entries)}
	if len(entries) > 0 { // CloudFront omits Items from an empty list
		l.Items = &itemsXML[T]{Entries: entries}
	}
	return l
}

// markedListXML is a paged list with Marker and IsTruncated
// (DistributionList, InvalidationList, DistributionIdList); I wraps its
// entries.
type markedListXML[I any] struct {
	Marker      string `xml:"Marker"`
	NextMarker  string `xml:"NextMarker,omitempty"`
	MaxItems    int    `xml:"MaxItems"`
	IsTruncated bool   `xml:"IsTruncated"`
	Quantity    int    `xml:"Quantity"`
	Items       *I     `xml:"Items"`
}

// newMarkedList is the list of n entries of the page after marker; Items is
// left for the caller (none for an empty list).
func newMarkedList[I any](marker, next string, maxItems, n int) *markedListXML[I] {
	return &markedListXML[I]{Marker: marker, NextMarker: next, MaxItems: maxItems, IsTruncated: next != "", Quantity: n}
}
