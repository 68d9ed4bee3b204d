// Redirect example.com to www.example.com without losing the query string.
function encodeQuery(qs) {
    const parts = [];
    Object.keys(qs).forEach((name) => {
        const entry = qs[name];
        if (entry.multiValue) {
            entry.multiValue.forEach((v) => parts.push(`${name}=${v.value}`));
        } else {
            parts.push(`${name}=${entry.value}`);
        }
    });
    return parts.join('&');
}

function handler(event) {
    const request = event.request;
    if (request.headers.host.value === 'www.example.com') {
        return request;
    }
    const query = encodeQuery(request.querystring);
    return {
        statusCode: 301,
        statusDescription: 'Moved Permanently',
        headers: {
            location: { value: 'https://www.example.com' + request.uri + (query ? '?' + query : '') }
        }
    };
}
