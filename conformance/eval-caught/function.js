// Code that tries dynamic evaluation and falls back when the runtime has none.
function handler(event) {
    var request = event.request;
    var mode = 'dynamic';
    try {
        eval('1 + 1');
    } catch (e) {
        mode = 'static';
    }
    try {
        new Function('return 1')();
    } catch (e) {
        mode += '-static';
    }
    request.headers['x-eval-mode'] = { value: mode };
    return request;
}
