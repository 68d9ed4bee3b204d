// Normalise a slug and report a couple of computed values.
const LIMIT = 1_000;

function handler(event) {
    const request = event.request;
    let slug = request.uri.replaceAll('_', '-');
    slug = slug.toLowerCase();
    request.uri = slug;
    const summary = Object.entries({ a: 1, b: 2 }).map((e) => e[0] + e[1]).join(',');
    request.headers['x-limit'] = { value: String(LIMIT) };
    request.headers['x-summary'] = { value: summary };
    return request;
}
