// Forward only the query parameters the origin understands.
const ALLOWED = ['page', 'sort', 'tag'];

function handler(event) {
    const request = event.request;
    const kept = {};
    ALLOWED.forEach((name) => {
        if (request.querystring[name]) {
            kept[name] = request.querystring[name];
        }
    });
    request.querystring = kept;
    return request;
}
