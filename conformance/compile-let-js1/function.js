// Valid in 2.0, refused by 1.0.
function handler(event) {
    let request = event.request;
    request.headers['x-runtime'] = { value: '1.0' };
    return request;
}
