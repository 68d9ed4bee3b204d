// HTTP basic authentication against one fixed user (user:pass).
var EXPECTED = 'Basic dXNlcjpwYXNz';

function handler(event) {
    var request = event.request;
    var auth = request.headers.authorization;
    if (!auth || auth.value !== EXPECTED) {
        return {
            statusCode: 401,
            statusDescription: 'Unauthorized',
            headers: {
                'www-authenticate': { value: 'Basic realm="Restricted", charset="UTF-8"' }
            }
        };
    }
    return request;
}
