package kvs

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/edgefn/edgefn"
)

// epochSeconds is a timestamp in the REST-JSON form: seconds since the epoch as
// a JSON number with millisecond precision. The Go SDK rejects strings here.
type epochSeconds time.Time

func (t epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// optionalTime is nil for the zero time so omitempty drops it.
func optionalTime(t time.Time) *epochSeconds {
	if t.IsZero() {
		return nil
	}
	e := epochSeconds(t)
	return &e
}

type describeOutput struct {
	ItemCount        int64         `json:"ItemCount"`
	TotalSizeInBytes int64         `json:"TotalSizeInBytes"`
	KvsARN           string        `json:"KvsARN"`
	Created          epochSeconds  `json:"Created"`
	LastModified     *epochSeconds `json:"LastModified,omitempty"`
	Status           string        `json:"Status,omitempty"`
	FailureReason    string        `json:"FailureReason,omitempty"`
}

type getKeyOutput struct {
	Key              string `json:"Key"`
	Value            string `json:"Value"`
	ItemCount        int64  `json:"ItemCount"`
	TotalSizeInBytes int64  `json:"TotalSizeInBytes"`
}

type listItem struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type listKeysOutput struct {
	Items     []listItem `json:"Items"`
	NextToken string     `json:"NextToken,omitempty"`
}

// writeOutput is the body of PutKey, DeleteKey and UpdateKeys.
type writeOutput struct {
	ItemCount        int64 `json:"ItemCount"`
	TotalSizeInBytes int64 `json:"TotalSizeInBytes"`
}

// Request bodies use pointers so a missing member is told from an empty one.
type putKeyInput struct {
	Value *string `json:"Value"`
}

type updateKeysInput struct {
	Puts []struct {
		Key   *string `json:"Key"`
		Value *string `json:"Value"`
	} `json:"Puts"`
	Deletes []struct {
		Key *string `json:"Key"`
	} `json:"Deletes"`
}

// writeJSON sends a successful operation's output.
func writeJSON(w http.ResponseWriter, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		// Only the fixed output types above reach here; they always marshal.
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// decodeBody reads at most limit bytes of JSON into v. An empty body decodes
// as {}: every member of these inputs is optional on the wire.
func decodeBody(r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "Could not read the request body.")
	}
	if int64(len(body)) > limit {
		return edgefn.Errorf(edgefn.ErrTooLarge, edgefn.ResourceRequest, "The request body exceeds %d bytes.", limit)
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest,
				"%s has the wrong JSON type (%s).", typeErr.Field, typeErr.Value)
		}
		return edgefn.Errorf(edgefn.ErrInvalidArgument, edgefn.ResourceRequest, "The request body is not a valid JSON object.")
	}
	return nil
}
