// Prefix the path with the viewer's preferred language, via async helpers.
async function preferredLanguage(headers) {
    const header = headers['accept-language'];
    if (!header) {
        return 'en';
    }
    return header.value.split(',')[0].split('-')[0].trim().toLowerCase();
}

function pathPrefix(lang) {
    return Promise.resolve('/' + lang);
}

async function handler(event) {
    const request = event.request;
    const lang = await preferredLanguage(request.headers);
    const prefix = await pathPrefix(lang);
    if (!request.uri.startsWith(prefix + '/')) {
        request.uri = prefix + request.uri;
    }
    return request;
}
