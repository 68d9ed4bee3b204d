// Put query parameters in a stable order to raise the cache hit ratio.
function handler(event) {
    var request = event.request;
    var qs = request.querystring;
    var pairs = [];
    Object.keys(qs).sort().forEach(function (name) {
        var entry = qs[name];
        var values = entry.multiValue
            ? entry.multiValue.map(function (v) { return v.value; })
            : [entry.value];
        values.sort().forEach(function (v) {
            pairs.push(name + '=' + v);
        });
    });
    request.querystring = pairs.join('&');
    return request;
}
