// cloudfront-js-1.0: no let, const or arrow functions.
function handler(event) {
    var headers = event.response.headers;
    headers['strict-transport-security'] = { value: 'max-age=63072000; includeSubDomains' };
    headers['x-content-type-options'] = { value: 'nosniff' };
    headers['x-frame-options'] = { value: 'DENY' };
    return event.response;
}
