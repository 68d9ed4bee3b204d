// Adds true-client-ip and logs whether the accept header has several values.
function handler(event) {
    var request = event.request;
    request.headers['true-client-ip'] = { value: event.viewer.ip };
    console.log('accept values: ' + (request.headers.accept.multiValue ? request.headers.accept.multiValue.length : 'one'));
    return request;
}
