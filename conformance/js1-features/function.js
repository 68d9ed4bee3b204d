// Move a /<lang>/ prefix into a header, using features 1.0 lists.
function total(...numbers) {
    return numbers.reduce((sum, n) => sum + n, 0);
}

function handler(event) {
    var request = event.request;
    var m = request.uri.match(/^\/(?<lang>[a-z]{2})\/(?<rest>.*)$/);
    if (m) {
        request.uri = '/' + m.groups.rest;
        request.headers['x-lang'] = { value: m.groups.lang };
    }
    request.headers['x-total'] = { value: String(total(2 ** 10, 4, 2)) };
    request.headers['x-padded'] = { value: '7'.padStart(3, '0') };
    return request;
}
