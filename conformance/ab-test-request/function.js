// Serve the home page of the viewer's experiment group. Viewers without a
// group are split by the last octet of their address.
function handler(event) {
    var request = event.request;
    if (request.uri !== '/' && request.uri !== '/index.html') {
        return request;
    }
    var cookie = request.cookies['ab-group'];
    var group;
    if (cookie) {
        group = cookie.value;
    } else {
        group = parseInt(event.viewer.ip.split('.').pop(), 10) % 2 === 0 ? 'a' : 'b';
    }
    request.uri = '/experiment-' + group + '/index.html';
    return request;
}
