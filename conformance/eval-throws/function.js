// Dynamic code evaluation is not available in CloudFront Functions.
function handler(event) {
    var uri = eval('event.request.uri');
    event.request.headers['x-uri'] = { value: uri };
    return event.request;
}
