package cloudfront

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
)

// TestFunction keeps CloudFront's message on the wire and tells a caller
// in-process that asks (the console) where the run threw.
func TestTestFunctionErrorPosition(t *testing.T) {
	e := newEnv(t)
	code := "function handler(event) {\n    var v = event.request.headers.missing;\n    return v.value;\n}\n"
	etag := aws.ToString(createFn(t, e.cf, "thrower", code).ETag)

	res := must(e.cf.TestFunction(t.Context(), &cloudfront.TestFunctionInput{Name: aws.String("thrower"), IfMatch: aws.String(etag), EventObject: []byte(testEvent)}))(t).TestResult
	const want = `TypeError: cannot get property "value" of undefined`
	if got := aws.ToString(res.FunctionErrorMessage); got != want {
		t.Errorf("FunctionErrorMessage %q, want CloudFront's %q", got, want)
	}

	for _, c := range []struct {
		name, code        string
		wantLine, wantCol int
	}{
		{"thrower", code, 3, 14},
		{"fine", "function handler(event) { return event.request; }", 0, 0},
	} {
		if c.name != "thrower" {
			etag = aws.ToString(createFn(t, e.cf, c.name, c.code).ETag)
		}
		body := `<TestFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Stage>DEVELOPMENT</Stage><EventObject>` +
			base64.StdEncoding.EncodeToString([]byte(testEvent)) + `</EventObject></TestFunctionRequest>`
		r := httptest.NewRequest("POST", "/2020-05-31/function/"+c.name+"/test", strings.NewReader(body))
		r.Header.Set("If-Match", etag)
		pos := &ErrorPosition{}
		r = r.WithContext(WithErrorPosition(r.Context(), pos))
		w := httptest.NewRecorder()
		withAccount(e.h).ServeHTTP(w, r)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), ":3:") {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
		}
		if pos.Line != c.wantLine || pos.Column != c.wantCol {
			t.Errorf("%s: position %d:%d, want %d:%d", c.name, pos.Line, pos.Column, c.wantLine, c.wantCol)
		}
	}
}
