// Extensionless routes of a single-page app map to the route's index.html.
function handler(event) {
    const request = event.request;
    const uri = request.uri;
    const lastSegment = uri.substring(uri.lastIndexOf('/') + 1);
    if (uri.endsWith('/')) {
        request.uri = uri + 'index.html';
    } else if (!lastSegment.includes('.')) {
        request.uri = `${uri}/index.html`;
    }
    return request;
}
