// Reads a header the test event does not carry: the run throws.
function handler(event) {
    var key = event.request.headers['x-api-key'].value;
    event.request.headers['x-key-seen'] = { value: key };
    return event.request;
}
