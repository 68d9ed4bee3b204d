// Tell the origin who the viewer is.
function handler(event) {
    const request = event.request;
    request.headers['true-client-ip'] = { value: event.viewer.ip };
    return request;
}
