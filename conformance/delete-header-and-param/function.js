// Strip a debugging header and tracking parameters before the cache lookup.
function handler(event) {
    var request = event.request;
    delete request.headers['x-debug'];
    Object.keys(request.querystring).forEach(function (name) {
        if (name.indexOf('utm_') === 0) {
            delete request.querystring[name];
        }
    });
    return request;
}
