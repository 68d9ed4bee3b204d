package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/edgefn/edgefn"
)

// The browser test lives here rather than in console/: it needs the real
// binary and server this package's harness starts, and the SDK to set up a
// distribution, so that what it checks is what a user of `edgefn serve` gets.

// browser is a headless Chromium on a fresh profile, driving one tab. On a
// failed step it saves a screenshot and the page's HTML.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
	step      int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	// A missing browser is a failure, not a skip: scripts/install-test-deps
	// installs Debian's chromium.
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium not found (run scripts/install-test-deps): %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	// The first run starts the browser; it gets no timeout of its own (that
	// would stop the browser with it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// do runs one named step with a time limit; on failure it keeps evidence and
// fails the test.
func (b *browser) do(name string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.step++
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(name, err)
	}
}

func (b *browser) fail(name string, err error) {
	b.t.Helper()
	dir := b.artifactDir()
	base := filepath.Join(dir, fmt.Sprintf("%02d-%s", b.step, strings.ReplaceAll(name, " ", "-")))
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		_ = os.WriteFile(base+".png", png, 0o644)
	}
	if html, herr := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); herr == nil {
		_ = os.WriteFile(base+".html", []byte(html), 0o644)
	}
	b.t.Fatalf("step %d %q: %v (screenshot and page in %s)", b.step, name, err, dir)
}

// artifactDir is $EDGEFN_ARTIFACTS/<test> or a kept temporary directory.
func (b *browser) artifactDir() string {
	if b.artifacts != "" {
		return b.artifacts
	}
	if root := os.Getenv("EDGEFN_ARTIFACTS"); root != "" {
		b.artifacts = filepath.Join(root, b.t.Name())
		if err := os.MkdirAll(b.artifacts, 0o755); err == nil {
			return b.artifacts
		}
	}
	dir, err := os.MkdirTemp("", "edgefn-console-artifacts-")
	if err != nil {
		dir = os.TempDir()
	}
	b.artifacts = dir
	return dir
}

// until waits for a JavaScript condition on the page. A page that navigates
// meanwhile (the sign-in form's submit) ends a poll; it is started again on
// the new page.
func until(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(12 * time.Second)
		for {
			poll := chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Until(deadline)), chromedp.WithPollingInterval(50*time.Millisecond))
			_, err := poll(ctx, t)
			if err == nil || ctx.Err() != nil || time.Now().After(deadline) || !navigated(err) {
				if err != nil {
					return fmt.Errorf("waiting for %s: %w", expr, err)
				}
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// navigated tells the errors of a poll whose page went away under it.
func navigated(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "navigated or closed") || strings.Contains(msg, "context was destroyed") || strings.Contains(msg, "Cannot find context")
}

// textHas is a condition: the element's text contains s.
func textHas(sel, s string) string {
	return fmt.Sprintf(`(document.querySelector(%q)?.textContent || '').includes(%q)`, sel, s)
}

// setCode replaces the editor's text as typing would, without the editor's
// auto-indent and bracket closing (which react to keys, not inserted text).
func setCode(code string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS("#dev-editor .cm-content")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: code})
			return err
		}),
	)
}

func TestConsoleInBrowser(t *testing.T) {
	start := time.Now()
	s := startServer(t, serverConfig{})
	b := newBrowser(t)

	b.do("sign in",
		chromedp.Navigate(s.url+"/console/"),
		chromedp.WaitVisible(chromedp.CSS("#accessKeyId")),
		chromedp.SendKeys(chromedp.CSS("#accessKeyId"), devAccount.AccessKeyID),
		chromedp.SendKeys(chromedp.CSS("#secretAccessKey"), devAccount.SecretAccessKey),
		chromedp.Click(chromedp.CSS("#signin")),
		until(textHas("#who", devAccount.AccountID)),
	)

	// The name field's pattern compiles under the v flag current Chromium
	// uses: an invalid pattern is ignored, and a bad name would pass.
	b.do("the name field checks names",
		chromedp.WaitVisible(chromedp.CSS("#new-function-name")),
		until(`(() => { const el = document.querySelector('#new-function-name'); el.value = 'my.fn'; const bad = el.validity.patternMismatch; el.value = 'my-fn_1'; const good = el.validity.valid; el.value = ''; return bad && good; })()`),
	)

	b.do("create a function",
		chromedp.WaitVisible(chromedp.CSS("#new-function-name")),
		chromedp.SendKeys(chromedp.CSS("#new-function-name"), "greeter"),
		chromedp.SetValue(chromedp.CSS("#new-function-runtime"), "cloudfront-js-1.0"),
		chromedp.Click(chromedp.CSS("#create-function button")),
		until(`location.hash === '#/functions/greeter'`),
		until(textHas("#function-meta", "DEVELOPMENT")),
		until(`document.querySelector('#dev-editor .cm-content') !== null`),
	)

	// let is refused by cloudfront-js-1.0: the refusal shows at its line,
	// in the list and in the editor's gutter.
	refused := "function handler(event) {\n    var request = event.request;\n    let greeting = 'hi';\n    return request;\n}\n"
	b.do("see a refusal",
		setCode(refused),
		until(textHas("#problems", "line 3")),
		until(`document.querySelector('#dev-editor .cm-lint-marker-error') !== null`),
		chromedp.Click(chromedp.CSS("#save-function")),
		until(textHas("#function-status", "Saved")),
		chromedp.Click(chromedp.CSS("#publish-function")),
		until(`document.querySelector('#function-status').classList.contains('error') && `+textHas("#function-status", "in 3")),
	)

	good := "function handler(event) {\n    var request = event.request;\n    console.log('seen ' + request.uri);\n    request.headers['x-greeting'] = { value: 'hello' };\n    return request;\n}\n"
	b.do("fix and save",
		setCode(good),
		until(`document.querySelector('#problems').children.length === 0`),
		chromedp.SetValue(chromedp.CSS("#function-comment"), "greets viewers"),
		chromedp.Click(chromedp.CSS("#save-function")),
		until(textHas("#function-status", "Saved")),
		// "Saved" names the ETag the page now holds, so Publish uses it.
		until(`document.querySelector('#function-meta').textContent.includes('ETag ' + document.querySelector('#function-status').textContent.split('ETag ')[1] + ' ')`),
	)
	b.do("the comment is kept",
		chromedp.Navigate(s.url+"/console/#/functions"),
		until(textHas("#functions", "greets viewers")),
		chromedp.Navigate(s.url+"/console/#/functions/greeter"),
		until(`document.querySelector('#function-comment')?.value === 'greets viewers'`),
		until(`document.querySelector('#dev-editor .cm-content') !== null`),
	)

	// Unsaved edits: closing the tab asks (beforeunload), and so does
	// leaving the page within the console.
	edited := strings.Replace(good, "'hello'", "'bonjour'", 1)
	b.do("unsaved edits are not dropped",
		setCode(edited),
		until(`document.querySelector('#run-test').textContent === 'Save and test'`),
		until(`(() => { const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return e.defaultPrevented; })()`),
		until(`(window.confirm = (m) => { window.lastConfirm = m; return false; }, location.hash = '#/kvs', true)`),
		until(`(window.lastConfirm || '').includes('unsaved edits')`),
		until(`location.hash === '#/functions/greeter' && document.querySelector('#dev-editor') !== null`),
	)

	// Test runs what the editor shows: the edits are saved first, and the
	// result says which code ran.
	b.do("test it",
		chromedp.SetValue(chromedp.CSS("#event-uri"), "/hello"),
		chromedp.SetValue(chromedp.CSS("#event-cookies"), "theme=dark"),
		chromedp.Click(chromedp.CSS("#run-test")),
		until(textHas("#test-diff", `"x-greeting"`)),
		until(textHas("#test-source", "Saved the editor's code, then tested DEVELOPMENT")),
		until(textHas("#test-logs", "seen /hello")),
		until(textHas("#test-utilization", "ComputeUtilization")),
		until(`[...document.querySelectorAll('#test-diff .add')].some(e => e.textContent.includes('bonjour'))`),
		until(`document.querySelector('#run-test').textContent === 'Test function'`),
		// Saved: leaving asks nothing now.
		until(`(() => { const e = new Event('beforeunload', { cancelable: true }); window.dispatchEvent(e); return !e.defaultPrevented; })()`),
		chromedp.Click(chromedp.CSS("#run-test")),
		until(textHas("#test-source", "Tested the saved code of DEVELOPMENT")),
	)

	// A run that throws: the message is CloudFront's, the place is shown
	// beside it with a frame of the code that ran.
	throwing := "function handler(event) {\n    var v = event.request.headers['x-missing'];\n    return v.value;\n}\n"
	b.do("a runtime error shows its place",
		setCode(throwing),
		until(`document.querySelector('#run-test').textContent === 'Save and test'`),
		chromedp.Click(chromedp.CSS("#run-test")),
		until(`document.querySelector('#test-error')?.textContent === 'TypeError: cannot get property "value" of undefined'`),
		until(textHas("#test-error-position", "at line 3, column 14")),
		until(textHas("#test-error-frame", "> 3 |     return v.value;")),
		chromedp.Click(chromedp.CSS("#test-error-position")),
		until(`document.querySelector('#dev-editor .cm-activeLine')?.textContent === '    return v.value;'`),
		setCode(edited),
		chromedp.Click(chromedp.CSS("#save-function")),
		until(textHas("#function-status", "Saved")),
		until(`document.querySelector('#run-test').textContent === 'Test function'`),
	)

	b.do("publish",
		chromedp.Click(chromedp.CSS("#publish-function")),
		until(textHas("#function-status", "Published")),
		until(textHas("#live-meta", "cloudfront-js-1.0 · greets viewers")),
		until(textHas("#live-editor", "bonjour")),
	)

	kvsFile := filepath.Join(t.TempDir(), "import.json")
	if err := os.WriteFile(kvsFile, []byte(`{"data":[{"key":"a1","value":"x"},{"key":"a2","value":"y"},{"key":"b1","value":"z"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do("edit a KVS key",
		chromedp.Navigate(s.url+"/console/#/kvs"),
		chromedp.WaitVisible(chromedp.CSS("#new-store-name")),
		chromedp.SendKeys(chromedp.CSS("#new-store-name"), "settings"),
		chromedp.Click(chromedp.CSS("#create-store button")),
		until(textHas("#kvs-info", "0 keys")),
		chromedp.SendKeys(chromedp.CSS("#kvs-key"), "greeting"),
		chromedp.SendKeys(chromedp.CSS("#kvs-value"), "hello"),
		chromedp.Click(chromedp.CSS("#kvs-put-button")),
		until(textHas("#kvs-table", "greeting")),
		chromedp.SetValue(chromedp.CSS("#kvs-value"), "bonjour"),
		chromedp.Click(chromedp.CSS("#kvs-put-button")),
		until(textHas("#kvs-table", "bonjour")),
		until(textHas("#kvs-info", "1 keys")),
	)
	b.do("import and search keys",
		chromedp.SetUploadFiles(chromedp.CSS("#kvs-import-file"), []string{kvsFile}),
		chromedp.Click(chromedp.CSS("#kvs-import")),
		until(textHas("#kvs-status", "Imported")),
		until(textHas("#kvs-info", "4 keys")),
		chromedp.SendKeys(chromedp.CSS("#kvs-prefix"), "a"),
		until(textHas("#kvs-table", "a2")+` && !`+textHas("#kvs-table", "b1")),
	)
	// Deleting a key asks first; refused, the key stays.
	b.do("delete a key after confirming",
		until(`(window.confirm = (m) => { window.lastConfirm = m; return false; }, true)`),
		chromedp.Click(chromedp.CSS("#kvs-table tbody tr:first-child button")),
		until(`(window.lastConfirm || '').includes('Delete the key a1 from settings')`),
		until(textHas("#kvs-table", "a1")+" && "+textHas("#kvs-info", "4 keys")),
		until(`(window.confirm = () => true, true)`),
		chromedp.Click(chromedp.CSS("#kvs-table tbody tr:first-child button")),
		until(textHas("#kvs-status", "Deleted a1")),
		until(textHas("#kvs-info", "3 keys")+" && !"+textHas("#kvs-table", "a1")),
	)

	// A distribution made with the SDK, without functions: the console
	// shows its aliases, origins and policies, associates the function with
	// its default behavior, and the edge runs it. The page is open before
	// the function's first traffic: that first burst is charted.
	distID, domain := consoleDistribution(t, s)
	b.do("see the distribution",
		chromedp.Navigate(s.url+"/console/#/distributions"),
		until(textHas(".distribution", distID)+" && "+textHas(".distribution", "www.console-e2e.example")),
		chromedp.Click(chromedp.CSS(`.distribution a[href="#/distributions/`+distID+`"]`)),
		until(textHas("#dist-aliases", "www.console-e2e.example")+" && "+textHas("#dist-aliases", "static.console-e2e.example")),
		until(textHas("#dist-origins", "api-origin")+" && "+textHas("#dist-origins", "/v1")+" && "+textHas("#dist-origins", "http-only")),
		until(textHas("#dist-behaviors", "/api/*")+" && "+textHas("#dist-behaviors", "CachingDisabled")+" && "+textHas("#dist-behaviors", "AllViewer ("+edgefn.AllViewerID)+" && "+textHas("#dist-behaviors", "AllViewerExceptHostHeader")+" && "+textHas("#dist-behaviors", "CachingOptimized")),
		until(`document.querySelector('#charts')?.textContent !== '' && document.querySelector('#dist-charts')?.textContent !== ''`),
	)
	b.do("associate the function",
		until(`(() => { const sel = [...document.querySelectorAll('#dist-behaviors tbody tr')].pop().querySelector('select[data-event-type="viewer-request"]'); const o = [...sel.options].find(o => o.text === 'greeter'); if (!o) return false; sel.value = o.value; sel.dispatchEvent(new Event('change')); return true; })()`),
		chromedp.Click(chromedp.CSS("#save-associations")),
		until(textHas("#dist-status", "Saved the function associations")),
		until(`[...document.querySelectorAll('#dist-behaviors tbody tr')].pop().querySelector('select[data-event-type="viewer-request"]').selectedOptions[0].text === 'greeter'`),
	)
	// A change made meanwhile (here with the SDK) is not overwritten: the
	// page's save holds the ETag it loaded.
	cfc := s.cloudFront(devAccount)
	got, err := cfc.GetDistributionConfig(ctx(t), &cloudfront.GetDistributionConfigInput{Id: aws.String(distID)})
	if err != nil {
		t.Fatal(err)
	}
	got.DistributionConfig.Comment = aws.String("changed elsewhere")
	if _, err := cfc.UpdateDistribution(ctx(t), &cloudfront.UpdateDistributionInput{Id: aws.String(distID), IfMatch: got.ETag, DistributionConfig: got.DistributionConfig}); err != nil {
		t.Fatalf("UpdateDistribution: %v", err)
	}
	b.do("a stale save is refused",
		chromedp.Click(chromedp.CSS("#save-associations")),
		until(`document.querySelector('#dist-status').classList.contains('error') && `+textHas("#dist-status", "PreconditionFailed")),
		chromedp.Reload(),
		until(textHas("#dist-general", "changed elsewhere")),
		until(`[...document.querySelectorAll('#dist-behaviors tbody tr')].pop().querySelector('select[data-event-type="viewer-request"]').selectedOptions[0].text === 'greeter'`),
	)

	// The edge runs it: the origin sees the header the function adds. Each
	// try asks for a new path, so that no copy cached before the change
	// answers.
	viewerGetUntil(t, s, domain, "x-greeting=bonjour")
	b.do("see the first burst in the chart",
		until(`Number(document.querySelector('.chart[data-function="greeter"]')?.dataset.invocations) >= 1`),
		until(`[...document.querySelectorAll('.chart[data-function="greeter"] figcaption')].some(e => /^Invocations: 1\b/.test(e.textContent)) || [...document.querySelectorAll('.chart[data-function="greeter"] svg:first-of-type rect')].some(r => Number(r.getAttribute('height')) > 0)`),
	)
	// Traffic the cache answers, and a 404: the distribution's rates move.
	viewerGets(t, s, domain, "/same", http.StatusOK, 5)
	viewerGets(t, s, domain, "/missing", http.StatusNotFound, 1)
	b.do("see the rates move",
		until(`Number(document.querySelector('#dist-rates')?.dataset.hits) >= 4 && Number(document.querySelector('#dist-rates')?.dataset.errors) >= 1`),
		until(`[...document.querySelectorAll('#dist-rates figure[data-metric="cachehits"] rect')].some(r => Number(r.getAttribute('height')) > 0)`),
		until(`[...document.querySelectorAll('#dist-rates figure[data-metric="errors4xx"] rect')].some(r => Number(r.getAttribute('height')) > 0)`),
		until(`[...document.querySelectorAll('#dist-rates figure[data-metric="requests"] rect')].some(r => Number(r.getAttribute('height')) > 0)`),
		until(`Number(document.querySelector('.chart[data-function="greeter"]')?.dataset.invocations) >= 6`),
		until(`[...document.querySelectorAll('.chart[data-function="greeter"] svg rect')].some(r => Number(r.getAttribute('height')) > 0)`),
	)
	b.do("create an invalidation",
		chromedp.SendKeys(chromedp.CSS("#invalidation-paths"), "/same\n/images/*"),
		chromedp.Click(chromedp.CSS("#create-invalidation")),
		until(textHas("#invalidation-status", "Created invalidation")),
		until(textHas("#invalidations", "/same /images/*")+" && "+textHas("#invalidations", "Completed")),
	)
	// The edge dropped its copy: the next request goes to the origin.
	if got := viewerResponse(t, s, domain, "/same").Header.Get("X-Cache"); !strings.HasPrefix(got, "Miss") {
		t.Errorf("after the invalidation, X-Cache %q, want a Miss", got)
	}

	b.do("see the lists",
		chromedp.Navigate(s.url+"/console/#/functions"),
		until(textHas("#functions", "greeter")),
		until(textHas("#functions", "DEVELOPMENT LIVE")+" && "+textHas("#functions", "(viewer-request)")),
		chromedp.Navigate(s.url+"/console/#/kvs"),
		until(textHas("#stores", "settings")+" && "+textHas("#stores", "of 5.00 MiB")),
	)

	b.do("sign out",
		chromedp.Click(chromedp.CSS("#signout")),
		until(`location.pathname === '/console/login'`),
		chromedp.Navigate(s.url+"/console/"),
		until(`location.pathname === '/console/login'`),
	)
	t.Logf("browser test took %v", time.Since(start).Round(time.Millisecond))
}

// consoleDistribution creates a distribution for the console to show and
// change: two aliases, two origins, a default behavior cached with
// CachingOptimized and AllViewerExceptHostHeader and an /api/* behavior with CachingDisabled and
// AllViewer, and no function. Its origin answers 404 under /missing and
// otherwise names the x-greeting request header it got. It returns the
// distribution's id and domain name.
func consoleDistribution(t *testing.T, s *server) (string, string) {
	t.Helper()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, "x-greeting=%s", r.Header.Get("X-Greeting"))
	}))
	t.Cleanup(origin.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	originPort, _ := strconv.Atoi(port)
	cfg := localOrigin("console-e2e", originPort, &cftypes.DefaultCacheBehavior{
		ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
		CachePolicyId:        aws.String(edgefn.CachingOptimizedID),
		// The origin sees the function's header: headers reach it only
		// through an origin request policy.
		OriginRequestPolicyId: aws.String(edgefn.AllViewerExceptHostHeaderID),
	})
	cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(2), Items: []string{"www.console-e2e.example", "static.console-e2e.example"}}
	api := cfg.Origins.Items[0]
	api.Id, api.OriginPath = aws.String("api-origin"), aws.String("/v1")
	cfg.Origins = &cftypes.Origins{Quantity: aws.Int32(2), Items: []cftypes.Origin{cfg.Origins.Items[0], api}}
	cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
		PathPattern: aws.String("/api/*"), TargetOriginId: aws.String("api-origin"),
		ViewerProtocolPolicy:  cftypes.ViewerProtocolPolicyHttpsOnly,
		CachePolicyId:         aws.String(edgefn.CachingDisabledID),
		OriginRequestPolicyId: aws.String(edgefn.AllViewerID),
	}}}
	d, err := s.cloudFront(devAccount).CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	return aws.ToString(d.Distribution.Id), aws.ToString(d.Distribution.DomainName)
}

// viewerResponse sends one viewer request for path of domain through the edge.
func viewerResponse(t *testing.T, s *server, domain, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), "GET", s.edgeURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = domain
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("viewer GET %s: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// viewerGetUntil asks for new paths of domain until a response body holds
// want: the edge applies a distribution's change a moment after the API
// stored it.
func viewerGetUntil(t *testing.T, s *server, domain, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ; i++ {
		resp := viewerResponse(t, s, domain, "/try/"+strconv.Itoa(i))
		body, _ := io.ReadAll(resp.Body)
		if strings.Contains(string(body), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("viewer GET %s: %d %q, want a body with %q", domain, resp.StatusCode, body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// viewerGets sends n viewer requests for path of domain through the edge,
// each answered with status.
func viewerGets(t *testing.T, s *server, domain, path string, status, n int) {
	t.Helper()
	for range n {
		if resp := viewerResponse(t, s, domain, path); resp.StatusCode != status {
			t.Fatalf("viewer GET %s%s: %d, want %d", domain, path, resp.StatusCode, status)
		}
	}
}

// TestConsoleAccountsApart: a console session acts for its own account only,
// on the real server with two accounts.
func TestConsoleAccountsApart(t *testing.T) {
	a := account{AccessKeyID: "AKIDCONSOLEA", SecretAccessKey: "secret-a", AccountID: "111111111111"}
	b := account{AccessKeyID: "AKIDCONSOLEB", SecretAccessKey: "secret-b", AccountID: "222222222222"}
	s := startServer(t, serverConfig{accounts: []account{a, b}})
	if _, err := s.cloudFront(b).CreateFunction(ctx(t), &cloudfront.CreateFunctionInput{Name: aws.String("b-only"),
		FunctionCode: []byte("function handler(e) { return e.request; }"), FunctionConfig: functionConfig(cftypes.FunctionRuntimeCloudfrontJs20)}); err != nil {
		t.Fatalf("CreateFunction as b: %v", err)
	}
	list := func(who account) string {
		t.Helper()
		client := consoleSignIn(t, s, who)
		resp, err := client.Get(s.url + "/console/api/cloudfront/2020-05-31/function")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("ListFunctions through the console as %s: %d %s", who.AccessKeyID, resp.StatusCode, body)
		}
		return string(body)
	}
	if got := list(a); strings.Contains(got, "b-only") {
		t.Errorf("account a sees b's function through the console:\n%s", got)
	}
	if got := list(b); !strings.Contains(got, "<Name>b-only</Name>") {
		t.Errorf("account b does not see its function through the console:\n%s", got)
	}
	if _, c := consoleLogin(t, s, account{AccessKeyID: a.AccessKeyID, SecretAccessKey: b.SecretAccessKey}); c != http.StatusUnauthorized {
		t.Errorf("sign-in with another key's secret: %d, want 401", c)
	}

	// b's distribution, as a reaches it through the distribution page's
	// calls: every one answers as if it did not exist, and a's metrics leave
	// it out.
	d, err := s.cloudFront(b).CreateDistribution(ctx(t), &cloudfront.CreateDistributionInput{DistributionConfig: localOrigin("b-dist", 80,
		&cftypes.DefaultCacheBehavior{ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll})})
	if err != nil {
		t.Fatalf("CreateDistribution as b: %v", err)
	}
	bID, bETag := aws.ToString(d.Distribution.Id), aws.ToString(d.ETag)
	viewerGet(t, s, aws.ToString(d.Distribution.DomainName), "/", true)
	base := s.url + "/console/api/cloudfront/2020-05-31/distribution/" + bID
	cb := consoleSignIn(t, s, b)
	status, bConfig := consoleCall(t, cb, "GET", base+"/config", "", "", "")
	if status != http.StatusOK {
		t.Fatalf("GetDistributionConfig as b: %d %s", status, bConfig)
	}
	ca := consoleSignIn(t, s, a)
	token := consoleCSRF(t, s, ca)
	batch := `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Paths><Quantity>1</Quantity><Items><Path>/*</Path></Items></Paths><CallerReference>x</CallerReference></InvalidationBatch>`
	for _, c := range []struct {
		method, url, body string
	}{
		{"GET", base, ""},
		{"GET", base + "/config", ""},
		{"PUT", base + "/config", bConfig},
		{"GET", base + "/invalidation", ""},
		{"POST", base + "/invalidation", batch},
	} {
		status, body := consoleCall(t, ca, c.method, c.url, token, bETag, c.body)
		if status != http.StatusNotFound || !strings.Contains(body, "NoSuchDistribution") {
			t.Errorf("%s %s of b's distribution as a: %d %s, want 404 NoSuchDistribution", c.method, c.url, status, body)
		}
	}
	// TestFunction's console route (which adds the error's position) on b's
	// function: a cannot run it, and b needs its own CSRF token.
	createFunction(t, s.cloudFront(b), "b-thrower", []byte("function handler(e) {\n  return e.nothing.here;\n}"), functionConfig(cftypes.FunctionRuntimeCloudfrontJs20))
	testURL := s.url + "/console/api/cloudfront/2020-05-31/function/b-thrower/test"
	testBody := `<TestFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Stage>DEVELOPMENT</Stage><EventObject>` +
		base64.StdEncoding.EncodeToString([]byte(`{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/","querystring":{},"headers":{},"cookies":{}}}`)) +
		`</EventObject></TestFunctionRequest>`
	bTestETag := func() string {
		out, err := s.cloudFront(b).DescribeFunction(ctx(t), &cloudfront.DescribeFunctionInput{Name: aws.String("b-thrower")})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ETag)
	}()
	if status, body, h := consoleCallHeader(t, ca, "POST", testURL, token, bTestETag, testBody); status != http.StatusNotFound || !strings.Contains(body, "NoSuchFunction") || h.Get("X-Edgefn-Error-Position") != "" {
		t.Errorf("TestFunction of b's function as a: %d %s %v, want 404 NoSuchFunction without a position", status, body, h)
	}
	for _, tok := range []string{"", token} {
		if status, body, _ := consoleCallHeader(t, cb, "POST", testURL, tok, bTestETag, testBody); status != http.StatusForbidden {
			t.Errorf("TestFunction as b with CSRF token %q: %d %s, want 403", tok, status, body)
		}
	}
	status, body, h := consoleCallHeader(t, cb, "POST", testURL, consoleCSRF(t, s, cb), bTestETag, testBody)
	if status != http.StatusOK || h.Get("X-Edgefn-Error-Position") != "2:20" || !strings.Contains(body, "<FunctionErrorMessage>TypeError: cannot get property &#34;here&#34; of undefined</FunctionErrorMessage>") {
		t.Errorf("TestFunction as b: %d %s position %q, want 200, CloudFront's message and the position 2:20", status, body, h.Get("X-Edgefn-Error-Position"))
	}

	if status, body := consoleCall(t, ca, "GET", s.url+"/console/api/metrics", token, "", ""); status != http.StatusOK || strings.Contains(body, bID) {
		t.Errorf("a's metrics: %d %s, want 200 without %s", status, body, bID)
	}
	// b's own session needs its CSRF token to change anything, and a's
	// token is not b's.
	for _, tok := range []string{"", token} {
		if status, body := consoleCall(t, cb, "POST", base+"/invalidation", tok, "", batch); status != http.StatusForbidden {
			t.Errorf("CreateInvalidation as b with CSRF token %q: %d %s, want 403", tok, status, body)
		}
	}
	if status, body := consoleCall(t, cb, "POST", base+"/invalidation", consoleCSRF(t, s, cb), "", batch); status != http.StatusCreated {
		t.Errorf("CreateInvalidation as b with its token: %d %s, want 201", status, body)
	}
}

// consoleCSRF is the CSRF token of the client's console session.
func consoleCSRF(t *testing.T, s *server, client *http.Client) string {
	t.Helper()
	status, body := consoleCall(t, client, "GET", s.url+"/console/api/session", "", "", "")
	var info struct{ CSRFToken string }
	if err := json.Unmarshal([]byte(body), &info); status != http.StatusOK || err != nil || info.CSRFToken == "" {
		t.Fatalf("console session: %d %s", status, body)
	}
	return info.CSRFToken
}

// consoleCall sends one console API call with the CSRF token and If-Match
// given (when not empty).
func consoleCall(t *testing.T, client *http.Client, method, url, token, ifMatch, body string) (int, string) {
	t.Helper()
	status, b, _ := consoleCallHeader(t, client, method, url, token, ifMatch, body)
	return status, b
}

// consoleCallHeader is consoleCall with the answer's header.
func consoleCallHeader(t *testing.T, client *http.Client, method, url, token, ifMatch, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var loginToken = regexp.MustCompile(`name="token" value="([^"]+)"`)

// consoleSignIn returns a client holding a console session of who.
func consoleSignIn(t *testing.T, s *server, who account) *http.Client {
	t.Helper()
	client, status := consoleLogin(t, s, who)
	if status != http.StatusOK {
		t.Fatalf("console sign-in as %s: %d", who.AccessKeyID, status)
	}
	return client
}

// consoleLogin posts the sign-in form as a browser would and returns the
// client with its cookies and the status the redirects ended on.
func consoleLogin(t *testing.T, s *server, who account) (*http.Client, int) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := client.Get(s.url + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := loginToken.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no token in the sign-in page:\n%s", page)
	}
	resp, err = client.PostForm(s.url+"/console/login", url.Values{"token": {string(m[1])}, "accessKeyId": {who.AccessKeyID}, "secretAccessKey": {who.SecretAccessKey}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return client, resp.StatusCode
}
