// Images and fonts are cached for a year, everything else for five minutes.
function handler(event) {
    var response = event.response;
    var type = response.headers['content-type'];
    var maxAge = type && /^(image|font)\//.test(type.value) ? 31536000 : 300;
    response.headers['cache-control'] = { value: 'public, max-age=' + maxAge };
    return response;
}
