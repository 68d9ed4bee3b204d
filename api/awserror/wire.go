package awserror

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
)

// RequestIDHeader is sent on every response, errors included.
const RequestIDHeader = "x-amzn-RequestId"

const cloudFrontNS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"

type xmlErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	NS      string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// WriteXML sends a CloudFront REST-XML error document.
func WriteXML(w http.ResponseWriter, requestID string, c Code, message string) {
	var body xmlErrorResponse
	body.NS = cloudFrontNS
	body.Error.Type = "Sender"
	if c.Fault() {
		body.Error.Type = "Receiver"
	}
	body.Error.Code, body.Error.Message, body.RequestID = c.Name, message, requestID
	out, _ := xml.Marshal(body)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set(RequestIDHeader, requestID)
	w.WriteHeader(c.Status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(out)
}

// WriteJSON sends a cloudfront-keyvaluestore REST-JSON error: the code travels
// in X-Amzn-ErrorType (what the SDKs read first) and in __type for older clients.
func WriteJSON(w http.ResponseWriter, requestID string, c Code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", c.Name)
	w.Header().Set(RequestIDHeader, requestID)
	w.WriteHeader(c.Status)
	_ = json.NewEncoder(w).Encode(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{c.Name, message})
}
