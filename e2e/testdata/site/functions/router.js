import cf from 'cloudfront';

const routes = cf.kvs();

// A route is a JSON value keyed by path: {"to": "/new.html", "status": 301}.
async function route(uri) {
    try {
        const value = await routes.get(uri);
        return JSON.parse(value);
    } catch (e) {
        return null; // not in the store
    }
}

// The query rebuilt from the event, in the order the viewer sent it.
function query(qs) {
    const parts = [];
    for (const name in qs) {
        const values = qs[name].multiValue ? qs[name].multiValue : [qs[name]];
        for (let i = 0; i < values.length; i++) {
            const v = values[i].value;
            parts.push(v === '' ? name : name + '=' + v);
        }
    }
    return parts.length ? '?' + parts.join('&') : '';
}

async function handler(event) {
    const request = event.request;
    const r = await route(request.uri);
    if (r) {
        const location = r.to + query(request.querystring);
        console.log(`route ${request.uri} -> ${location}`);
        const status = r.status || 302;
        return {
            statusCode: status,
            statusDescription: status === 301 ? 'Moved Permanently' : 'Found',
            headers: { location: { value: location } },
        };
    }
    // The single-page app owns every path under /app/ that is no file.
    if (request.uri.startsWith('/app/') && !/\.[a-zA-Z0-9]+$/.test(request.uri)) {
        request.uri = '/app/index.html';
    }
    return request;
}
