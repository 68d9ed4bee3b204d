// Host is read-only in viewer-request: TestFunction runs this, the edge
// refuses the result.
function handler(event) {
    event.request.headers.host = { value: 'origin.example.net' };
    return event.request;
}
