// Keep analytics cookies away from the origin (and the cache key).
function handler(event) {
    const cookies = event.request.cookies;
    Object.keys(cookies)
        .filter((name) => name.startsWith('_g'))
        .forEach((name) => {
            delete cookies[name];
        });
    cookies['edge-seen'] = { value: '1' };
    return event.request;
}
