// Time does not advance inside one run.
function handler(event) {
    var request = event.request;
    var before = Date.now();
    var s = '';
    for (var i = 0; i < 2000; i++) {
        s += String(i % 10);
    }
    var after = new Date().getTime();
    request.headers['x-clock-frozen'] = { value: String(before === after && before === Date.now()) };
    request.headers['x-work'] = { value: String(s.length) };
    return request;
}
