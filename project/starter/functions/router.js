import cf from 'cloudfront';

const redirects = cf.kvs();

// Redirects the paths the store lists; serves index.html for directories.
async function handler(event) {
    const request = event.request;
    try {
        const location = await redirects.get(request.uri);
        console.log(`redirect ${request.uri} -> ${location}`);
        return {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers: { location: { value: location } },
        };
    } catch (e) {
        // Not in the store: serve the path itself.
    }
    if (request.uri.endsWith('/')) {
        request.uri += 'index.html';
    }
    return request;
}
