// Add CORS headers when the origin did not send them.
function handler(event) {
    const headers = event.response.headers;
    const origin = event.request.headers.origin;
    if (!headers['access-control-allow-origin']) {
        const allowed = origin ? origin.value : '*';
        headers['access-control-allow-origin'] = { value: allowed };
        headers['vary'] = { value: 'Origin' };
        console.log(`added CORS for ${allowed}`);
    }
    headers['access-control-allow-methods'] = { value: 'GET, HEAD, OPTIONS' };
    headers['access-control-max-age'] = { value: '86400' };
    return event.response;
}
